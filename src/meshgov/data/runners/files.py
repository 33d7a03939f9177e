"""CSV and Parquet files through pandas (GX's pandas execution engine)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource

FORMATS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def file_format(binding: Mapping[str, Any], path: Path) -> str:
    fmt = binding.get("format") or FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "parquet"):
        raise DataSourceError(f"unknown file format for {path.name}; set format: csv|parquet")
    return str(fmt)


def type_class(dtype: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "string"
    return "other"


def read_frame(path: Path, fmt: str, options: Mapping[str, Any]) -> Any:
    import pandas as pd

    if fmt == "csv":
        opts = {"sep": "\t"} if path.suffix.lower() == ".tsv" else {}
        opts.update(options)
        return pd.read_csv(path, **opts)
    return pd.read_parquet(path, **dict(options))


def open_source(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> TableSource:
    raw = str(binding.get("path") or "")
    path = (env.root / raw).resolve()
    if not path.is_file():
        raise DataSourceError(f"file not found: {raw}")
    fmt = file_format(binding, path)
    options = binding.get("options") or {}
    if not isinstance(options, Mapping):
        raise DataSourceError("options: expected a mapping of reader options")
    try:
        df = read_frame(path, fmt, options)
    except Exception as exc:  # noqa: BLE001 - any reader failure makes the file unreadable
        raise DataSourceError(f"cannot read {raw} as {fmt}: {_first_line(exc)}") from None
    for col in env.datetime_columns:
        if col in df.columns and type_class(df[col].dtype) == "string":
            import pandas as pd

            parsed = pd.to_datetime(df[col], errors="coerce", utc=True).dt.tz_localize(None)
            if parsed.notna().sum() == df[col].notna().sum():  # only when every value parses
                df[col] = parsed
    columns = {str(c): type_class(df[c].dtype) for c in df.columns}
    ds = env.gx.data_sources.add_pandas(env.name)
    batch = ds.add_dataframe_asset(env.name).add_batch_definition_whole_dataframe("all")
    return TableSource(
        table=table,
        backend="files",
        columns=columns,
        batch_definition=batch,
        batch_parameters={"dataframe": df},
        shown=raw,
        distinct=lambda column: df[column].dropna().unique().tolist(),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
