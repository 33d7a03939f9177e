"""One SQL statement that computes what GX computes for a suite on a SQL table.

GX's SQL engine sends a statement per row condition, per ``unique`` column and per row count
(about 30 for 30 checks, bench/RESULTS.md ``## data``), plus a validation graph built in
Python. :func:`run` instead builds **one** ``SELECT`` of conditional aggregates over the
bound table (a scalar subquery per ``unique`` column) from the same SQLAlchemy expressions GX
builds, so the database applies its own semantics (NULL, NaN, collation, regex flavour)
exactly as it does under GX:

- the domain of a check is its ``row_condition``'s rows (GX's ``condition_to_filter_clause``:
  ``col = v``, ``col IN (...)``, ``NOT (col IN (...))``, ``IS [NOT] NULL``, ``AND``), then, except
  for ``not_be_null``, the rows where the column is not NULL;
- unexpected: ``NOT (expected)`` with GX's expected condition (between with its strict bounds,
  ``IN``, PostgreSQL's ``~``, ``length()``); ``unique``: every row of a value that occurs more
  than once in the domain (GX's ``count(*) OVER (PARTITION BY col)``, as ``GROUP BY``);
- counts and percentages shaped as GX's BASIC result (:func:`meshgov.data.scan.check_result`);
  example values are not fetched here (the evaluator asks GX for them, failing checks only).

Only PostgreSQL and SQLite are scanned (the engines the differential test runs:
tests/data/test_data_sqlscan.py), regexes on PostgreSQL only; other checks, backends and
column types go to GX unchanged. If the statement fails (a regex the database rejects, a
type it cannot compare), nothing is taken from it and GX runs every check, reporting the error
as it would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from meshgov.data.compile import policy_of
from meshgov.data.scan import Check, check_result, check_success, supported

#: SQLAlchemy backend names scanned
BACKENDS = frozenset({"postgresql", "sqlite"})
_REGEX_BACKENDS = frozenset({"postgresql"})
_FAMILIES = {"number": "number", "string": "string", "bool": "bool"}


def families(columns: Mapping[str, str]) -> dict[str, str | None]:
    """Column -> 'number' / 'string' / 'bool' from a runner's type classes (else None)."""
    return {name: _FAMILIES.get(cls) for name, cls in columns.items()}


def split(configs: Sequence[Mapping[str, Any]], columns: Mapping[str, str], backend: str
          ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(configs the statement computes, configs left for GX)."""
    if backend not in BACKENDS:
        return [], list(configs)
    fams = families(columns)
    mine: list[Mapping[str, Any]] = []
    rest: list[Mapping[str, Any]] = []
    for cfg in configs:
        ok = supported(cfg, fams) and not (
            cfg.get("type") == "expect_column_values_to_match_regex"
            and backend not in _REGEX_BACKENDS)
        (mine if ok else rest).append(cfg)
    return mine, rest


def condition(cond: Mapping[str, Any]) -> Any:
    """A row condition as GX's SQL engine turns it into a filter clause."""
    import sqlalchemy as sa

    if cond["type"] == "and":
        return sa.and_(*[condition(c) for c in cond["conditions"]])
    col = sa.column(cond["column"]["name"])
    if cond["type"] == "nullity":
        return col.is_(None) if cond["is_null"] else col.isnot(None)
    op, value = cond["operator"], cond["parameter"]
    if op == "IN":
        return col.in_(value)
    if op == "NOT_IN":
        return ~col.in_(value)
    val = sa.literal(value)
    return {"==": col == val, "!=": col != val, "<": col < val, "<=": col <= val,
            ">": col > val, ">=": col >= val}[op]


def _bounds(expr: Any, kw: Mapping[str, Any]) -> Any:
    """GX's between condition (ColumnValuesBetween / value lengths) on ``expr``."""
    import sqlalchemy as sa

    lo, hi = kw.get("min_value"), kw.get("max_value")
    parts = []
    if lo is not None:
        parts.append(expr > sa.literal(lo) if kw.get("strict_min") else expr >= sa.literal(lo))
    if hi is not None:
        parts.append(expr < sa.literal(hi) if kw.get("strict_max") else expr <= sa.literal(hi))
    return parts[0] if len(parts) == 1 else sa.and_(*parts)


def expected(etype: str, kw: Mapping[str, Any]) -> Any:
    """GX's expected-value condition of a column-map expectation (not null / unique aside)."""
    import sqlalchemy as sa

    col = sa.column(kw["column"])
    if etype == "expect_column_values_to_be_between":
        return _bounds(col, kw)
    if etype == "expect_column_values_to_be_in_set":
        values = list(kw["value_set"])
        return col.in_(values) if values else sa.false()
    if etype == "expect_column_values_to_match_regex":
        return sa.BinaryExpression(col, sa.literal(str(kw["regex"])), sa.custom_op("~"))
    return _bounds(sa.func.length(col), kw)  # value lengths


def _count(where: Any) -> Any:
    import sqlalchemy as sa

    return sa.func.coalesce(sa.func.sum(sa.case((where, 1), else_=0)), 0)


def statement(source: Any, configs: Sequence[Mapping[str, Any]]) -> tuple[Any, list[Any]]:
    """(the one SELECT over ``source`` (a table or subquery), per config the labels of its
    (element, missing, unexpected) columns)."""
    import sqlalchemy as sa

    columns: dict[str, Any] = {}  # label -> expression, shared where equal

    def add(key: str, make: Any) -> str:
        if key not in columns:
            columns[key] = (f"m{len(columns)}", make())
        return str(columns[key][0])

    plan = []
    for cfg in configs:
        kw = cfg["kwargs"]
        etype = str(cfg["type"])
        cond = kw.get("row_condition")
        ckey = json.dumps(cond, sort_keys=True) if cond else ""
        domain = condition(cond) if cond else sa.true()
        element = add(f"rows|{ckey}", lambda d=domain: _count(d))
        if etype == "expect_table_row_count_to_be_between":
            plan.append((element, None, None))
            continue
        col = sa.column(kw["column"])
        missing = add(f"null|{kw['column']}|{ckey}", lambda d=domain, c=col: _count(
            sa.and_(d, c.is_(None))))
        if etype == "expect_column_values_to_not_be_null":
            plan.append((element, None, missing))
            continue
        if etype == "expect_column_values_to_be_unique":
            def dups(d: Any = domain, c: Any = col) -> Any:
                groups = sa.select(sa.func.count().label("n")).select_from(source).where(
                    sa.and_(d, c.isnot(None))).group_by(c).having(sa.func.count() > 1).subquery()
                return sa.select(sa.func.coalesce(sa.func.sum(groups.c.n), 0)).scalar_subquery()
            unexpected = add(f"unique|{kw['column']}|{ckey}", dups)
        else:
            key = json.dumps([etype, {k: v for k, v in kw.items() if k != "mostly"}],
                             sort_keys=True, default=str)
            unexpected = add(key, lambda d=domain, c=col, e=etype, k=kw: _count(
                sa.and_(d, c.isnot(None), sa.not_(expected(e, k)))))
        plan.append((element, missing, unexpected))
    stmt = sa.select(*[expr.label(label) for label, expr in columns.values()]).select_from(source)
    return stmt, plan


def run(conn: Any, source: Any, configs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Validate ``configs`` (all from :func:`split`, parameters resolved) with one statement
    on the connection -> policy id -> :class:`meshgov.data.gxrun.RawResult` (examples empty)."""
    from meshgov.data.gxrun import RawResult

    if not configs:
        return {}
    stmt, plan = statement(source, configs)
    row = conn.execute(stmt).mappings().one()
    out: dict[str, Any] = {}
    for cfg, (element, missing, unexpected) in zip(configs, plan):
        c = Check(policy_of(cfg), str(cfg["type"]), cfg["kwargs"], "")
        c.element = int(row[element] or 0)
        if c.etype == "expect_column_values_to_not_be_null":
            c.unexpected = int(row[unexpected] or 0)
        elif unexpected is not None:
            c.missing = int(row[missing] or 0) if missing else 0
            c.unexpected = int(row[unexpected] or 0)
        result = check_result(c, 0, {})
        if c.element == 0 and unexpected is not None and \
                c.etype != "expect_column_values_to_be_unique":
            result["unexpected_count"] = None  # GX's SUM over no rows
        out[c.pid] = RawResult(policy_id=c.pid, success=check_success(c), result=result)
    return out
