"""CSV and Parquet files: read in Arrow batches, scanned in one pass; GX for the rest.

The table is read with pyarrow, in batches (:func:`batches`), never whole unless GX needs it:

- the expectations :mod:`meshgov.data.scan` computes (the common rules) are validated in one
  streaming pass over the columns they read;
- the others (freshness, expectations named directly, types the scanner does not handle) run
  through GX's pandas engine on ``Table.to_pandas()`` of the columns they read, built only
  when there are such expectations.

CSV is read the way pandas reads it where it matters for the rules: pandas' missing-value
markers, empty strings are missing, dates and timestamps stay strings (``freshness`` parses
them), an all-empty column is float, and a column whose later values do not fit the type
inferred from the first block is widened (int -> float -> string) and the pass restarted.
``options:`` other than ``sep``/``delimiter`` are pandas ``read_csv`` options: such a file is
read by pandas, as before, and its frame scanned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource

FORMATS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: rows per batch (Parquet); CSV batches are blocks of BLOCK_BYTES
BATCH_ROWS = 262_144
BLOCK_BYTES = 4 << 20
#: pandas' default missing-value markers (pandas._libs.parsers.STR_NA_VALUES; a test keeps
#: them equal)
NA_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
_SIMPLE_OPTIONS = frozenset({"sep", "delimiter"})
_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error to (\w+)")


def file_format(binding: Mapping[str, Any], path: Path) -> str:
    fmt = binding.get("format") or FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "parquet"):
        raise DataSourceError(f"unknown file format for {path.name}; set format: csv|parquet")
    return str(fmt)


def type_class(dtype: Any) -> str:
    """The type class of a pandas dtype (files read by pandas)."""
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


def arrow_class(typ: Any) -> str:
    """The type class of an Arrow type."""
    import pyarrow as pa

    if pa.types.is_boolean(typ):
        return "bool"
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return "number"
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        return "datetime"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    if pa.types.is_dictionary(typ):
        return arrow_class(typ.value_type)
    return "other"


# -- reading ---------------------------------------------------------------------------------


class _Widen(Exception):
    def __init__(self, column: str, to: Any) -> None:
        super().__init__(column)
        self.column, self.to = column, to


class ArrowFile:
    """A CSV or Parquet file as Arrow batches of chosen columns (re-iterable)."""

    def __init__(self, path: Path, fmt: str, delimiter: str) -> None:
        import pyarrow as pa

        self.path, self.fmt, self.delimiter = path, fmt, delimiter
        self.types: dict[str, Any] = {}  # CSV: column types fixed (pandas-like) or widened
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self.schema = pq.read_schema(path)
            return
        reader = self._csv(None)
        inferred = reader.schema
        try:
            has_rows = reader.read_next_batch().num_rows > 0
        except StopIteration:
            has_rows = False
        except pa.ArrowInvalid:  # a later problem: the pass reports it
            has_rows = True
        reader.close()
        for f in inferred:
            if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type) or \
                    pa.types.is_time(f.type):
                self.types[f.name] = pa.string()
            elif pa.types.is_null(f.type):  # pandas: all-empty is float, no rows is object
                self.types[f.name] = pa.float64() if has_rows else pa.string()
        self.schema = pa.schema([pa.field(f.name, self.types.get(f.name, f.type))
                                 for f in inferred])

    @property
    def names(self) -> list[str]:
        return [str(n) for n in self.schema.names]

    def _csv(self, columns: Sequence[str] | None) -> Any:
        import pyarrow.csv as pacsv

        return pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns) if columns is not None else None,
                column_types=self.types, null_values=list(NA_VALUES), strings_can_be_null=True,
                true_values=["True", "TRUE", "true"], false_values=["False", "FALSE", "false"]))

    def batches(self, columns: Sequence[str]) -> Iterator[Any]:
        """The columns' batches; raises :class:`_Widen` when a CSV value does not fit."""
        import pyarrow as pa

        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(self.path) as pf:
                yield from pf.iter_batches(batch_size=BATCH_ROWS, columns=list(columns))
            return
        reader = self._csv(columns)
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as exc:
                    raise self._widen(exc, reader.schema) from None
                yield batch
        finally:
            reader.close()

    def _widen(self, exc: Exception, schema: Any) -> Exception:
        import pyarrow as pa

        m = _CONVERSION.search(str(exc))
        if m is None or int(m.group(1)) >= len(schema):
            return exc
        name = schema.names[int(m.group(1))]
        now = schema.field(name).type
        to = pa.float64() if pa.types.is_integer(now) or pa.types.is_null(now) else pa.string()
        if now == to:
            return exc
        return _Widen(name, to)

    def retrying(self, attempt: Callable[[], Any]) -> Any:
        """Run ``attempt`` (a pass over :meth:`batches`), widening a CSV column's type and
        starting over when a later block holds a value the inferred type cannot."""
        import pyarrow as pa

        for _ in range(2 * len(self.names) + 1):
            try:
                return attempt()
            except _Widen as w:
                self.types[w.column] = w.to
                self.schema = pa.schema([pa.field(f.name, self.types.get(f.name, f.type))
                                         for f in self.schema])
        raise DataSourceError(f"cannot read {self.path.name}: column types do not settle")

    def table(self, columns: Sequence[str]) -> Any:
        import pyarrow as pa

        def whole() -> Any:
            got = list(self.batches(columns))
            schema = pa.schema([self.schema.field(c) for c in columns])
            return pa.Table.from_batches(got, schema=got[0].schema if got else schema)

        return self.retrying(whole)


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
    """Read the file with pandas; only ``columns`` when given."""
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


# -- the source ------------------------------------------------------------------------------


def _parse_datetimes(df: Any, columns: Sequence[str]) -> Any:
    import pandas as pd

    for col in columns:
        if col in df.columns and type_class(df[col].dtype) == "string":
            parsed = pd.to_datetime(df[col], errors="coerce", utc=True).dt.tz_localize(None)
            if parsed.notna().sum() == df[col].notna().sum():  # only when every value parses
                df[col] = parsed
    return df


def open_source(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> TableSource:
    raw = str(binding.get("path") or "")
    path = (env.root / raw).resolve()
    if not path.is_file():
        raise DataSourceError(f"file not found: {raw}")
    fmt = file_format(binding, path)
    options = binding.get("options") or {}
    if not isinstance(options, Mapping):
        raise DataSourceError("options: expected a mapping of reader options")
    if fmt == "csv" and set(options) - _SIMPLE_OPTIONS:
        return _pandas_source(table, raw, path, fmt, options, env)
    if fmt == "parquet" and options:
        return _pandas_source(table, raw, path, fmt, options, env)
    delimiter = str(options.get("sep") or options.get("delimiter") or
                    ("\t" if path.suffix.lower() == ".tsv" else ","))
    try:
        af = ArrowFile(path, fmt, delimiter)
    except Exception as exc:  # noqa: BLE001 - any reader failure makes the file unreadable
        raise DataSourceError(f"cannot read {raw} as {fmt}: {_first_line(exc)}") from None
    return _arrow_source(table, raw, af, env)


def _wanted(names: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    if wanted is None:
        return list(names)
    keep = set(wanted)
    return [c for c in names if c in keep] or list(names[:1])


def _arrow_source(table: str, raw: str, af: ArrowFile, env: RunnerEnv) -> TableSource:
    from meshgov.data import scan as scanner

    def frame(columns: Sequence[str] | None = None) -> Any:
        try:
            df = af.table(_wanted(af.names, columns if columns is not None else env.columns))
            return _parse_datetimes(df.to_pandas(), env.datetime_columns)
        except DataSourceError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise DataSourceError(f"cannot read {raw}: {_first_line(exc)}") from None

    def gx_batch(columns: Sequence[str] | None) -> tuple[Any, Mapping[str, Any]]:
        ds = env.gx.data_sources.add_pandas(env.name)
        batch = ds.add_dataframe_asset(env.name).add_batch_definition_whole_dataframe("all")
        return batch, {"dataframe": frame(columns)}

    def scan(configs: Sequence[Mapping[str, Any]], examples: int,
             on_rows: Callable[[int], None] | None = None) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            # split again on each attempt: a widened column may decline an expectation
            mine, _ = scanner.split(configs, af.schema)
            if not mine:
                return {}
            cols = _wanted(af.names, scanner.columns_of(mine))
            return scanner.scan(af.batches(cols), mine, examples=examples, on_batch=on_rows)

        try:
            return af.retrying(attempt)  # type: ignore[no-any-return]
        except DataSourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed CSV row in the middle
            raise DataSourceError(f"cannot read {raw}: {_first_line(exc)}") from None

    def distinct(column: str) -> list[Any]:
        return frame([column])[column].dropna().unique().tolist()

    return TableSource(
        table=table, backend="files", columns=_LiveColumns(af),
        shown=raw, distinct=distinct, scan=scan, gx_batch=gx_batch)


class _LiveColumns(Mapping[str, str]):
    """column -> type class of the file's current schema (a CSV column can widen while read)."""

    def __init__(self, af: ArrowFile) -> None:
        self._af = af

    def _now(self) -> dict[str, str]:
        return {str(f.name): arrow_class(f.type) for f in self._af.schema}

    def __getitem__(self, key: str) -> str:
        return self._now()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._af.schema)


def _pandas_source(table: str, raw: str, path: Path, fmt: str, options: Mapping[str, Any],
                   env: RunnerEnv) -> TableSource:
    """A file read by pandas with the binding's reader options (as before batching)."""
    try:
        all_columns = read_columns(path, fmt, options)
        df = read_frame(path, fmt, options,
                        _wanted(all_columns, env.columns) if env.columns is not None else None)
    except Exception as exc:  # noqa: BLE001 - any reader failure makes the file unreadable
        raise DataSourceError(f"cannot read {raw} as {fmt}: {_first_line(exc)}") from None
    df = _parse_datetimes(df, env.datetime_columns)
    columns = {str(c): type_class(df[c].dtype) for c in df.columns}
    for c in all_columns:  # pruned columns exist too (their type is not needed)
        columns.setdefault(c, "other")
    ds = env.gx.data_sources.add_pandas(env.name)
    batch = ds.add_dataframe_asset(env.name).add_batch_definition_whole_dataframe("all")
    return TableSource(
        table=table, backend="files", columns=columns, batch_definition=batch,
        batch_parameters={"dataframe": df}, shown=raw,
        distinct=lambda column: df[column].dropna().unique().tolist())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
