"""The data rule vocabulary: what a council or a domain may write in a ``kind: data`` policy.

A data policy names a *rule* of :data:`RULES` and gives it parameters as plain keys::

    - id: MG-D-001
      title: Employee number is positive
      tables: [hr_prod.published.EMPLOYEES]   # names or globs; or select: {domain, tag, glob}
      column: Emp_Num
      rule: positive
      mostly: 0.99                            # optional: tolerated share of good rows
      where: {column: Status, op: "==", value: active}   # optional row condition(s)

Validation is pure Python (no pandas / GX import): it runs whenever the catalog loads.
Unknown rules, unknown parameters and bad types are :class:`ConfigError` naming file and key.
Compilation to GX expectation configurations lives in :mod:`meshgov.data.compile`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meshgov.core.errors import ConfigError

_NUM = (int, float)


def _is_num(v: Any) -> bool:
    return isinstance(v, _NUM) and not isinstance(v, bool)


@dataclass(frozen=True)
class Param:
    """One rule parameter: a checker ``value -> error text | None`` and whether it is required."""

    check: Callable[[Any], str | None]
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """A rule of the vocabulary: its parameters, and whether it reads one column."""

    name: str
    summary: str
    column: bool = True  # needs `column:`
    #: a column-map rule (counts unexpected rows): accepts mostly / where, reports examples
    row_level: bool = True
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)
    #: a cross-parameter check on the whole params mapping
    check: Callable[[Mapping[str, Any]], tuple[str, str] | None] | None = None
    example: str = ""


# -- parameter checkers -------------------------------------------------------------------


def _number(v: Any) -> str | None:
    return None if _is_num(v) else "expected a number"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "expected true or false"


def _non_negative_int(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and v >= 0
    return None if ok else "expected a whole number >= 0"


def _fraction(v: Any) -> str | None:
    return None if _is_num(v) and 0 < v <= 1 else "expected a number in (0, 1]"


def _scalar_list(v: Any) -> str | None:
    if not isinstance(v, list) or not v:
        return "expected a non-empty list of values"
    if not all(isinstance(x, (str, int, float, bool)) for x in v):
        return "expected a list of strings, numbers or booleans"
    return None


def _regex(v: Any) -> str | None:
    if not isinstance(v, str) or not v:
        return "expected a regular expression (string)"
    try:
        re.compile(v)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    return None


def _name(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "expected a non-empty string"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(text: str) -> float:
    """``"36h"`` -> 129600.0 (units s, m, h, d, w). Raises ValueError otherwise."""
    m = _DURATION.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def _duration(v: Any) -> str | None:
    try:
        duration_seconds(v)
    except ValueError:
        return "expected a duration such as 30m, 24h, 7d"
    return None


_EXPECTATION_NAME = re.compile(r"^expect_[a-z0-9_]+$")


def _expectation_name(v: Any) -> str | None:
    if isinstance(v, str) and _EXPECTATION_NAME.match(v):
        return None
    return "expected a GX expectation type such as expect_column_values_to_be_increasing"


def _kwargs(v: Any) -> str | None:
    if not isinstance(v, Mapping) or not all(isinstance(k, str) for k in v):
        return "expected a mapping of expectation argument -> value"
    return None


def _min_max(params: Mapping[str, Any]) -> tuple[str, str] | None:
    lo, hi = params.get("min"), params.get("max")
    if lo is None and hi is None:
        return "min", "expected at least one of min, max"
    if lo is not None and hi is not None and lo > hi:
        return "max", f"expected max >= min ({hi} < {lo})"
    return None


# -- where: row conditions ----------------------------------------------------------------

WHERE_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "is_not_null")


def check_where(value: Any, shown: str, key: str) -> list[dict[str, Any]]:
    """Validate ``where:`` (one condition or a list, ANDed) -> a list of {column, op, value}."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ConfigError(shown, key, "expected a condition {column, op, value} or a list of them")
    out = []
    for i, cond in enumerate(items):
        k = f"{key}[{i}]" if isinstance(value, list) else key
        if not isinstance(cond, Mapping):
            raise ConfigError(shown, k, "expected a condition {column, op, value}")
        unknown = set(cond) - {"column", "op", "value"}
        if unknown:
            raise ConfigError(shown, f"{k}.{sorted(map(str, unknown))[0]}",
                              "unknown key; expected column, op, value")
        if _name(cond.get("column")):
            raise ConfigError(shown, f"{k}.column", "required: the column name (string)")
        op = cond.get("op", "==")
        if op not in WHERE_OPS:
            raise ConfigError(shown, f"{k}.op", f"expected one of {', '.join(WHERE_OPS)}")
        if op in ("is_null", "is_not_null"):
            if "value" in cond:
                raise ConfigError(shown, f"{k}.value", f"'{op}' takes no value")
            out.append({"column": cond["column"], "op": op})
            continue
        if "value" not in cond:
            raise ConfigError(shown, f"{k}.value", "required: the value to compare with")
        v = cond["value"]
        if op in ("in", "not_in"):
            err = _scalar_list(v)
        else:
            err = None if isinstance(v, (str, int, float, bool)) else \
                "expected a string, number or boolean"
        if err:
            raise ConfigError(shown, f"{k}.value", err)
        out.append({"column": cond["column"], "op": op, "value": v})
    return out


# -- the registry -------------------------------------------------------------------------

_STRICT = {"strict_min": Param(_bool, help="min is exclusive"),
           "strict_max": Param(_bool, help="max is exclusive")}

RULES: Mapping[str, RuleSpec] = {
    r.name: r
    for r in (
        RuleSpec("not_null", "values are never NULL", example="column: Emp_Num"),
        RuleSpec("unique", "values are distinct", example="column: Emp_Num"),
        RuleSpec("positive", "values are > 0", example="column: Emp_Num"),
        RuleSpec("non_negative", "values are >= 0", example="column: Salary"),
        RuleSpec(
            "between", "values lie between min and max (inclusive unless strict)",
            params={"min": Param(_number), "max": Param(_number), **_STRICT},
            check=_min_max, example="column: Age\nmin: 16\nmax: 100",
        ),
        RuleSpec(
            "in_set", "values are one of a list",
            params={"values": Param(_scalar_list, required=True)},
            example="column: Status\nvalues: [active, leaver]",
        ),
        RuleSpec(
            "matches_regex", "string values match a regular expression",
            params={"regex": Param(_regex, required=True)},
            example="column: Dept\nregex: '^[A-Z]{3}$'",
        ),
        RuleSpec(
            "max_length", "string values are at most `length` characters",
            params={"length": Param(_non_negative_int, required=True)},
            example="column: Name\nlength: 64",
        ),
        RuleSpec(
            "row_count_between", "the table has between min and max rows",
            column=False, row_level=False,
            params={"min": Param(_non_negative_int), "max": Param(_non_negative_int)},
            check=_min_max, example="min: 1\nmax: 1000000",
        ),
        RuleSpec(
            "freshness", "the newest timestamp in the column is no older than max_age",
            row_level=False,
            params={"max_age": Param(_duration, required=True)},
            example="column: Updated_At\nmax_age: 36h",
        ),
        RuleSpec(
            "pii_masked", "values of a PII column match the mask pattern (the column is PII)",
            params={"mask": Param(_regex, required=True)},
            example="column: Email\nmask: '^\\*+@.*$'",
        ),
        RuleSpec(
            "referential", "values exist in ref_column of ref_table (bound in data:)",
            params={"ref_table": Param(_name, required=True),
                    "ref_column": Param(_name, required=True)},
            example="column: Dept_Id\nref_table: hr_prod.published.DEPARTMENTS\nref_column: Dept_Id",
        ),
        RuleSpec(
            "expectation", "any GX expectation by type, with its kwargs",
            column=False, row_level=False,
            params={"expectation": Param(_expectation_name, required=True),
                    "kwargs": Param(_kwargs)},
            example="expectation: expect_column_values_to_be_increasing\n"
                    "kwargs: {column: Emp_Num}",
        ),
    )
}

#: keys any data policy may carry besides the rule's own parameters
COMMON_KEYS = ("tables", "select", "column", "mostly", "where")
SELECT_KEYS = ("domain", "tag", "glob")


def _check_selection(extra: Mapping[str, Any], shown: str, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "tables" in extra:
        tables = extra["tables"]
        if isinstance(tables, str):
            tables = [tables]
        if not isinstance(tables, list) or not tables or \
                not all(isinstance(t, str) and t.strip() for t in tables):
            raise ConfigError(shown, f"{key}.tables",
                              "expected a list of table names or globs (catalog.schema.table)")
        out["tables"] = list(tables)
    if "select" in extra:
        sel = extra["select"]
        if not isinstance(sel, Mapping) or not sel:
            raise ConfigError(shown, f"{key}.select", "expected a mapping with domain, tag, glob")
        for k, v in sel.items():
            if k not in SELECT_KEYS:
                raise ConfigError(shown, f"{key}.select.{k}",
                                  f"unknown key; expected one of {', '.join(SELECT_KEYS)}")
            if _name(v):
                raise ConfigError(shown, f"{key}.select.{k}", "expected a non-empty string")
        out["select"] = dict(sel)
    if not out:
        raise ConfigError(shown, f"{key}.tables",
                          "required: tables [names or globs] or select {domain, tag, glob}")
    return out


def validate_policy(
    rule: Any, extra: Mapping[str, Any], shown: str, key: str
) -> tuple[str, dict[str, Any]]:
    """Validate a data policy entry -> (rule name, params). Raises ConfigError; never crashes."""
    if not isinstance(rule, str) or rule not in RULES:
        raise ConfigError(shown, f"{key}.rule",
                          f"expected a data rule, one of: {', '.join(sorted(RULES))}")
    spec = RULES[rule]
    allowed = set(COMMON_KEYS) | set(spec.params)
    for k in extra:
        if k not in allowed:
            raise ConfigError(shown, f"{key}.{k}",
                              f"unknown parameter of data rule {rule}; expected: "
                              f"{', '.join(sorted(allowed))}")
    params: dict[str, Any] = _check_selection(extra, shown, key)
    if spec.column:
        if _name(extra.get("column")):
            raise ConfigError(shown, f"{key}.column", f"required by rule {rule}: the column name")
        params["column"] = extra["column"]
    elif "column" in extra:
        if rule != "expectation":
            raise ConfigError(shown, f"{key}.column", f"rule {rule} takes no column")
        if _name(extra["column"]):
            raise ConfigError(shown, f"{key}.column", "expected the column name (string)")
        params["column"] = extra["column"]
    for name in ("mostly", "where"):
        if name in extra and not spec.row_level and rule != "expectation":
            raise ConfigError(shown, f"{key}.{name}", f"rule {rule} does not take {name}")
    if "mostly" in extra:
        err = _fraction(extra["mostly"])
        if err:
            raise ConfigError(shown, f"{key}.mostly", err)
        params["mostly"] = float(extra["mostly"])
    if "where" in extra:
        params["where"] = check_where(extra["where"], shown, f"{key}.where")
    for name, p in spec.params.items():
        if name not in extra:
            if p.required:
                raise ConfigError(shown, f"{key}.{name}", f"required by rule {rule}")
            continue
        err = p.check(extra[name])
        if err:
            raise ConfigError(shown, f"{key}.{name}", err)
        params[name] = extra[name]
    if spec.check is not None:
        problem = spec.check(params)
        if problem:
            raise ConfigError(shown, f"{key}.{problem[0]}", problem[1])
    if rule == "expectation":
        kwargs = dict(params.get("kwargs") or {})
        if "column" in params:
            kwargs.setdefault("column", params["column"])
        params["kwargs"] = kwargs
    return rule, params


def rule_names() -> Sequence[str]:
    return tuple(sorted(RULES))
