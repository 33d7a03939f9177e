"""CSV and Parquet files through pandas (GX's pandas execution engine)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def read_columns(path: Path, fmt: str, options: Mapping[str, Any]) -> list[str]:
    """The file's column names, without reading its rows."""
    if fmt == "csv":
        import pandas as pd

        return [str(c) for c in pd.read_csv(path, nrows=0, **_csv_options(path, options)).columns]
    import pyarrow.parquet as pq

    return [str(n) for n in pq.read_schema(path).names]


def _csv_options(path: Path, options: Mapping[str, Any]) -> dict[str, Any]:
    opts: dict[str, Any] = {"sep": "\t"} if path.suffix.lower() == ".tsv" else {}
    opts.update(options)
    return opts


def read_frame(path: Path, fmt: str, options: Mapping[str, Any],
               columns: Sequence[str] | None = None) -> Any:
    """Read the file; only ``columns`` when given (column pruning: less to read and to hash)."""
    import pandas as pd

    if fmt == "csv":
        opts = _csv_options(path, options)
        if columns is not None and "usecols" not in opts:
            opts["usecols"] = list(columns)
        return pd.read_csv(path, **opts)
    opts = dict(options)
    if columns is not None and "columns" not in opts:
        opts["columns"] = list(columns)
    return pd.read_parquet(path, **opts)


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
        all_columns = read_columns(path, fmt, options)
        wanted = None
        if env.columns is not None:  # read what the suite needs (missing ones are reported)
            wanted = [c for c in all_columns if c in set(env.columns)] or all_columns[:1]
        df = read_frame(path, fmt, options, wanted)
    except Exception as exc:  # noqa: BLE001 - any reader failure makes the file unreadable
        raise DataSourceError(f"cannot read {raw} as {fmt}: {_first_line(exc)}") from None
    for col in env.datetime_columns:
        if col in df.columns and type_class(df[col].dtype) == "string":
            import pandas as pd

            parsed = pd.to_datetime(df[col], errors="coerce", utc=True).dt.tz_localize(None)
            if parsed.notna().sum() == df[col].notna().sum():  # only when every value parses
                df[col] = parsed
    columns = {str(c): type_class(df[c].dtype) for c in df.columns}
    for c in all_columns:  # pruned columns exist too (their type is not needed)
        columns.setdefault(c, "other")
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
