"""What every backend runner returns: a bound table, ready for GX."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: type classes a runner reports for each column (used to catch type mismatches before GX)
TYPE_CLASSES = ("string", "number", "datetime", "bool", "other")


class DataSourceError(Exception):
    """The table cannot be validated: the message says why (never contains secrets)."""


@dataclass(frozen=True)
class RunnerEnv:
    root: Path  # the domain root: relative paths in bindings resolve against it
    gx: Any  # the GX ephemeral context
    name: str  # a unique name for this table's GX datasource
    timeout: float = 10.0  # connect timeout in seconds (bindings may set timeout_seconds)
    #: columns the suite reads as timestamps (freshness) - file runners parse them
    datetime_columns: Sequence[str] = ()
    #: the columns the suite reads (None: all); runners that load data may read only these
    columns: Sequence[str] | None = None


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class TableSource:
    table: str
    backend: str
    #: column -> type class; None when the backend cannot tell before running (warehouse)
    columns: Mapping[str, str] | None = field(hash=False)
    batch_definition: Any = None
    batch_parameters: Mapping[str, Any] | None = field(default=None, hash=False)
    #: the path shown in findings (files), or a password-free URL / description
    shown: str = ""
    #: distinct non-null values of a column (referential rules read the referenced table)
    distinct: Callable[[str], list[Any]] = field(default=lambda column: [], hash=False)
    close: Callable[[], None] = field(default=_nothing, hash=False)
    #: a GX batch definition over at most n rows of the table (SQL: ``LIMIT n``), where example
    #: values of failing checks are looked for first; None when the backend has none
    sample: Callable[[int], Any] | None = field(default=None, hash=False)
    #: one streaming pass (files): ``scan(configs, examples, on_rows) -> results by policy id``
    #: of the configs it can compute (the others go to GX); None when every one goes to GX
    scan: Callable[..., dict[str, Any]] | None = field(default=None, hash=False)
    #: the GX batch built on demand, over the given columns (None: all):
    #: ``gx_batch(columns) -> (batch_definition, batch_parameters)``; None when
    #: ``batch_definition`` is set
    gx_batch: Callable[[Sequence[str] | None], tuple[Any, Mapping[str, Any] | None]] | None = \
        field(default=None, hash=False)


def type_class_of_python(py: type | None) -> str:
    import datetime as _dt
    import decimal

    if py is None:
        return "other"
    if issubclass(py, bool):
        return "bool"
    if issubclass(py, (int, float, decimal.Decimal)):
        return "number"
    if issubclass(py, (_dt.date, _dt.datetime, _dt.time)):
        return "datetime"
    if issubclass(py, str):
        return "string"
    return "other"


def limit_values(values: Sequence[Any], limit: int = 1_000_000) -> list[Any]:
    if len(values) > limit:
        raise DataSourceError(f"more than {limit} distinct values to check against")
    return list(values)


def whole_table(src: TableSource) -> tuple[Any, Mapping[str, Any] | None]:
    """The GX batch definition and parameters of the whole table (built now if lazy)."""
    if src.batch_definition is None and src.gx_batch is not None:
        return src.gx_batch(None)
    return src.batch_definition, src.batch_parameters
