"""Rule cases of data policies (meshgov.core.cases): the rows of the tables a policy reads,
validated as the domain's bound tables would be.

``table: {columns, rows, name?}`` is the policy's first table (or ``name``); ``tables: {NAME:
{columns, rows}, ...}`` several (a reference table beside the checked one). ``columns`` is a
list of names (their types inferred from the values: whole numbers, numbers, else text), or a
mapping of names to SQL types (``INTEGER``, ``REAL``, ``TEXT``, ``TIMESTAMP``). By default each table is a CSV file of the domain; with the setting ``db``
(``sqlite``, or a SQLAlchemy URL such as ``postgresql://…``) each is created in that database
for the case (under a generated name, dropped afterwards) and bound there, so that a policy
can be proven on the engine it runs on.
"""

from __future__ import annotations

import csv
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.config import DomainConfig
from meshgov.core.model import Finding, Policy

#: column types a case may give -> the type PostgreSQL is told (SQLite takes them as they are)
SQL_TYPES: Mapping[str, Mapping[str, str]] = {
    "postgresql": {"INTEGER": "integer", "REAL": "double precision", "TEXT": "text",
                   "TIMESTAMP": "timestamp"},
}
TYPES = frozenset(SQL_TYPES["postgresql"])


@dataclass(frozen=True)
class CaseTable:
    name: str  # the table name the policy reads
    columns: tuple[tuple[str, str], ...]  # (name, type)
    rows: tuple[tuple[Any, ...], ...]


def run_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
             settings: Mapping[str, Any]) -> list[Finding]:
    tables = [str(t) for t in policy.params.get("tables") or () if "*" not in str(t)]
    default = tables[0] if tables else "case.s.T"
    if not isinstance(value, Mapping):
        raise ValueError("table: needs `columns` and `rows` (lists of values)")
    return _validate([_table(str(value.get("name") or default), value)], policy, config,
                     catalog, settings)


def run_tables_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
                    settings: Mapping[str, Any]) -> list[Finding]:
    if not isinstance(value, Mapping) or not value:
        raise ValueError("tables: maps table names to {columns, rows}")
    return _validate([_table(str(name), spec) for name, spec in value.items()], policy, config,
                     catalog, settings)


def _table(name: str, spec: Any) -> CaseTable:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("rows"), list):
        raise ValueError(f"table {name}: needs `columns` and `rows` (lists of values)")
    raw = spec.get("columns") or []
    if isinstance(raw, Mapping):
        columns = tuple((str(c), str(t).upper()) for c, t in raw.items())
    elif isinstance(raw, list):
        columns = tuple((str(c), "") for c in raw)
    else:
        raise ValueError(f"table {name}: `columns` is a list of names or a mapping of names "
                         "to types")
    rows = []
    for row in spec["rows"]:
        if not isinstance(row, list) or len(row) != len(columns):
            raise ValueError(f"table {name}: each row is a list of {len(columns)} values")
        rows.append(tuple(row))
    columns = tuple((c, t or _inferred([r[i] for r in rows])) for i, (c, t) in enumerate(columns))
    for column, type_ in columns:
        if type_ not in TYPES:
            raise ValueError(f"table {name}: column {column} has type {type_}; expected one "
                             f"of {', '.join(sorted(TYPES))}")
    return CaseTable(name, columns, tuple(rows))


def _inferred(values: list[Any]) -> str:
    """The type of a column given by name only, from its values (as a CSV reader infers it)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "INTEGER"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "REAL"
    return "TEXT"


def _validate(tables: list[CaseTable], policy: Policy, config: DomainConfig, catalog: Catalog,
              settings: Mapping[str, Any]) -> list[Finding]:
    from meshgov.core.context import EvalContext, RunOptions  # noqa: PLC0415
    from meshgov.data.evaluator import validate_bindings  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="meshgov-case-") as tmp:
        db = settings.get("db")
        with (_in_database(tables, str(db), Path(tmp)) if db else _as_files(tables, Path(tmp))
              ) as bindings:
            cfg = replace(config, root=Path(tmp), data=bindings)
            ctx = EvalContext(config=cfg, catalog=catalog,
                              options=RunOptions(kinds=("data",), data=True))
            return list(validate_bindings(bindings, ctx).findings)


@contextmanager
def _as_files(tables: list[CaseTable], tmp: Path) -> Iterator[dict[str, dict[str, Any]]]:
    bindings = {}
    for i, t in enumerate(tables):
        with (tmp / f"t{i}.csv").open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow([c for c, _ in t.columns])
            out.writerows(["" if v is None else v for v in row] for row in t.rows)
        bindings[t.name] = {"path": f"t{i}.csv"}
    yield bindings


@contextmanager
def _in_database(tables: list[CaseTable], db: str, tmp: Path
                 ) -> Iterator[dict[str, dict[str, Any]]]:
    import sqlalchemy as sa  # noqa: PLC0415 - only for cases run in a database

    url = f"sqlite:///{tmp / 'cases.db'}" if db == "sqlite" else db
    engine = sa.create_engine(url)
    types = SQL_TYPES.get(engine.dialect.name, {})
    tag = secrets.token_hex(4)
    created = []
    try:
        with engine.begin() as conn:
            for i, t in enumerate(tables):
                table = f"mg_case_{tag}_{i}"
                cols = ", ".join(f'"{c}" {types.get(ty, ty)}' for c, ty in t.columns)
                conn.execute(sa.text(f'CREATE TABLE "{table}" ({cols})'))
                created.append(table)
                if t.rows:
                    names = [f"p{k}" for k in range(len(t.columns))]
                    stmt = sa.text(f'INSERT INTO "{table}" VALUES '
                                   f'({", ".join(":" + n for n in names)})')
                    conn.execute(stmt, [dict(zip(names, row)) for row in t.rows])
        yield {t.name: {"url": url, "table": table} for t, table in zip(tables, created)}
    finally:
        with engine.begin() as conn:
            for table in created:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))
        engine.dispose()
