"""Data policies -> row constraints a pipeline enforces where a row is written.

Two targets, from the same compiled suites as ``meshgov data compile`` (same tables, same
policies):

- ``lakeflow``: Lakeflow Declarative Pipelines (Delta Live Tables) expectations, per table in
  both forms the pipelines accept: SQL ``CONSTRAINT name EXPECT (expr) ON VIOLATION ...`` lines
  and Python dicts for ``@dlt.expect_all`` / ``expect_all_or_drop`` / ``expect_all_or_fail``.
  The action follows the policy's severity (default: error -> fail, warning and info -> warn,
  i.e. keep the row and count it; configurable).
- ``check-constraints``: ``ALTER TABLE ... ADD CONSTRAINT ... CHECK (...)`` for Delta tables
  (a CHECK rejects the whole write; severity does not apply).

Only row-level rules compile. Their Spark SQL expression is built so that it is never NULL,
with GX's semantics: GX leaves NULLs out of every column rule except ``not_null`` (so
``col IS NULL OR ...``), and a ``where`` row condition checks only the rows it is TRUE for
(``NOT COALESCE(cond, FALSE) OR ...``). A test runs each expression in local Spark over the
data the GX suite validates and requires GX's unexpected counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from meshgov.data.compile import Compiled

Action = Literal["warn", "drop", "fail"]
ACTIONS: tuple[Action, ...] = ("warn", "drop", "fail")
DEFAULT_ACTIONS: Mapping[str, Action] = {"error": "fail", "warning": "warn", "info": "warn"}

_ON_VIOLATION = {"warn": "", "drop": " ON VIOLATION DROP ROW", "fail": " ON VIOLATION FAIL UPDATE"}
_DLT_DECORATOR = {"warn": "expect_all", "drop": "expect_all_or_drop", "fail": "expect_all_or_fail"}

#: why a rule of the vocabulary does not compile to a row constraint
NOT_ROW_LEVEL: Mapping[str, str] = {
    "unique": "uniqueness compares a row with every other row; a row constraint sees one row",
    "row_count_between": "a table-level count, not a property of one row",
    "freshness": "the newest timestamp of the table, not a property of one row",
    "referential": "needs the other table's values; a row constraint sees one row "
                   "(use a foreign key or a join in the pipeline)",
    "expectation": "a GX expectation by name: meshgov does not know its row semantics",
}


@dataclass(frozen=True)
class RowConstraint:
    """One policy on one table as a named Spark SQL boolean expression (never NULL)."""

    table: str
    policy_id: str
    name: str
    expression: str
    severity: str


@dataclass(frozen=True)
class NotCompiled:
    table: str
    policy_id: str
    rule: str
    why: str


def _sqlglot() -> Any:
    from sqlglot import exp  # noqa: PLC0415 - only when compiling

    return exp


def _literal(value: Any) -> Any:
    exp = _sqlglot()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _condition(where: Sequence[Mapping[str, Any]]) -> Any:
    exp = _sqlglot()
    parts = []
    for cond in where:
        col = exp.column(str(cond["column"]))
        op = cond["op"]
        if op == "is_null":
            parts.append(col.is_(exp.null()))
        elif op == "is_not_null":
            parts.append(exp.not_(col.is_(exp.null())))
        elif op in ("in", "not_in"):
            values = cond["value"] if isinstance(cond["value"], list) else [cond["value"]]
            inside = exp.In(this=col, expressions=[_literal(v) for v in values])
            parts.append(inside if op == "in" else exp.not_(inside))
        else:
            cls = {"==": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT,
                   ">=": exp.GTE}[op]
            parts.append(cls(this=col, expression=_literal(cond["value"])))
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


def _check(rule: str, p: Mapping[str, Any]) -> Any:
    """The expression a valid row satisfies (before NULLs and ``where``)."""
    exp = _sqlglot()
    col = exp.column(str(p["column"]))
    if rule == "not_null":
        return exp.not_(col.is_(exp.null()))
    if rule == "positive":
        return exp.GT(this=col, expression=_literal(0))
    if rule == "non_negative":
        return exp.GTE(this=col, expression=_literal(0))
    if rule == "between":
        bounds = []
        if p.get("min") is not None:
            cls = exp.GT if p.get("strict_min") else exp.GTE
            bounds.append(cls(this=col.copy(), expression=_literal(p["min"])))
        if p.get("max") is not None:
            cls = exp.LT if p.get("strict_max") else exp.LTE
            bounds.append(cls(this=col.copy(), expression=_literal(p["max"])))
        return exp.and_(*bounds) if bounds else exp.true()
    if rule == "in_set":
        values = [v for v in p["values"] if v is not None]
        if not values:
            return exp.false()
        return exp.In(this=col, expressions=[_literal(v) for v in values])
    if rule in ("matches_regex", "pii_masked"):
        pattern = p["regex"] if rule == "matches_regex" else p["mask"]
        return exp.RegexpLike(this=col, expression=_literal(str(pattern)))
    if rule == "max_length":
        return exp.LTE(this=exp.Length(this=col), expression=_literal(p["length"]))
    raise ValueError(f"rule {rule!r} is not row-level")  # pragma: no cover - guarded by caller


def expression_for(rule: str, params: Mapping[str, Any]) -> str:
    """The Spark SQL expression (Databricks dialect) a row of a valid table satisfies; never NULL."""
    exp = _sqlglot()
    check = _check(rule, params)
    if rule != "not_null":
        check = exp.or_(exp.column(str(params["column"])).is_(exp.null()), exp.paren(check))
    if params.get("where"):
        guard = exp.not_(exp.func("coalesce", _condition(params["where"]), exp.false()))
        check = exp.or_(guard, exp.paren(check))
    return str(check.sql(dialect="databricks"))


def why_not(compiled: Compiled) -> str | None:
    """Why this policy does not compile to a row constraint (None: it does)."""
    rule = compiled.policy.rule
    if rule in NOT_ROW_LEVEL:
        return NOT_ROW_LEVEL[rule]
    if compiled.policy.params.get("mostly") is not None:
        return "`mostly` allows a fraction of rows to fail; a row constraint is all or nothing"
    return None


def constraint_name(policy_id: str, column: str | None) -> str:
    raw = f"{policy_id}_{column}" if column else policy_id
    return re.sub(r"[^a-z0-9_]", "_", raw.lower()).strip("_")


def row_constraints(suites: Mapping[str, Sequence[Compiled]]
                    ) -> tuple[list[RowConstraint], list[NotCompiled]]:
    """Every compiled policy of every table, as a row constraint or with why it is not one."""
    done: list[RowConstraint] = []
    left: list[NotCompiled] = []
    for table, items in suites.items():
        for c in items:
            why = why_not(c)
            if why is not None:
                left.append(NotCompiled(table, c.policy.id, c.policy.rule, why))
                continue
            col = c.policy.params.get("column")
            done.append(RowConstraint(table, c.policy.id,
                                      constraint_name(c.policy.id, str(col) if col else None),
                                      expression_for(c.policy.rule, c.policy.params),
                                      c.policy.severity))
    return done, left


# -- rendering ------------------------------------------------------------------------------


def _table_sql(table: str) -> str:
    exp = _sqlglot()
    return str(exp.to_table(table).sql(dialect="databricks"))


def lakeflow_sql(table: str, rows: Sequence[RowConstraint], actions: Mapping[str, Action]) -> str:
    lines = [f"-- Expectations for {table}, compiled by meshgov from the council's data policies.",
             "-- Put them in the table's definition, e.g.",
             f"--   CREATE OR REFRESH STREAMING TABLE {_table_sql(table)} (",
             "--     <these constraints>",
             "--   ) AS SELECT ...",
             ""]
    body = [f"CONSTRAINT {r.name} EXPECT ({r.expression}){_ON_VIOLATION[actions[r.severity]]}"
            for r in rows]
    lines.append(",\n".join(body))
    return "\n".join(lines) + "\n"


def lakeflow_python(table: str, rows: Sequence[RowConstraint], actions: Mapping[str, Action]) -> str:
    groups: dict[Action, dict[str, str]] = {a: {} for a in ACTIONS}
    for r in rows:
        groups[actions[r.severity]][r.name] = r.expression
    out = [f'"""Expectations for {table}, compiled by meshgov from the council\'s data policies.',
           "",
           "    import dlt",
           "",
           "    @dlt.table(name=...)",
           *[f"    @dlt.{_DLT_DECORATOR[a]}({a.upper()})" for a in ACTIONS if groups[a]],
           "    def table(): ...",
           '"""', ""]
    for a in ACTIONS:
        out.append(f"{a.upper()} = {json.dumps(groups[a], indent=4, ensure_ascii=False)}")
    return "\n".join(out) + "\n"


def check_constraints_sql(table: str, rows: Sequence[RowConstraint]) -> str:
    lines = [f"-- Delta CHECK constraints for {table}, compiled by meshgov from the council's data",
             "-- policies. A CHECK constraint rejects the whole write that holds a violating row.", ""]
    name = _table_sql(table)
    lines += [f"ALTER TABLE {name} ADD CONSTRAINT {r.name} CHECK ({r.expression});" for r in rows]
    return "\n".join(lines) + "\n"


def _file_stem(table: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", table)


def render(target: str, done: Sequence[RowConstraint], left: Sequence[NotCompiled],
           actions: Mapping[str, Action]) -> dict[str, str]:
    """file name -> text, for a target."""
    tables: dict[str, list[RowConstraint]] = {}
    for r in done:
        tables.setdefault(r.table, []).append(r)
    files: dict[str, str] = {}
    for table, rows in tables.items():
        stem = _file_stem(table)
        if target == "lakeflow":
            files[f"{stem}.expectations.sql"] = lakeflow_sql(table, rows, actions)
            files[f"{stem}.expectations.py"] = lakeflow_python(table, rows, actions)
        else:
            files[f"{stem}.constraints.sql"] = check_constraints_sql(table, rows)
    files["coverage.json"] = json.dumps({
        "target": target,
        "actions": dict(actions) if target == "lakeflow" else None,
        "compiled": [{"table": r.table, "policy": r.policy_id, "name": r.name,
                      "expression": r.expression, "severity": r.severity} for r in done],
        "not_compiled": [{"table": n.table, "policy": n.policy_id, "rule": n.rule, "why": n.why}
                         for n in left],
    }, indent=2, ensure_ascii=False) + "\n"
    return files


def parse_actions(pairs: Sequence[str]) -> dict[str, Action]:
    """``["error=drop", ...]`` over the defaults; ValueError with a clear message otherwise."""
    out: dict[str, Action] = dict(DEFAULT_ACTIONS)
    for pair in pairs:
        severity, sep, action = pair.partition("=")
        if not sep or severity not in DEFAULT_ACTIONS or action not in ACTIONS:
            raise ValueError(f"--action {pair!r}: expected SEVERITY=ACTION with SEVERITY one of "
                             f"error, warning, info and ACTION one of {', '.join(ACTIONS)}")
        out[severity] = action  # type: ignore[assignment]
    return out
