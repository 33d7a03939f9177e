"""dbt's cross-database macros, rendered as dbt-databricks renders them.

dbt-core ships them in its global project (callable bare, ``type_timestamp()``, or as
``dbt.type_timestamp()``): a model that casts ``AS {{ dbt.type_timestamp() }}`` or groups with
``{{ dbt_utils.group_by(n=3) }}`` is otherwise a placeholder identifier where SQL needs a type
or a clause, and does not parse (mattermost-data-warehouse, bench/REALWORLD.md). These are the
deterministic ones: a type name, a function, a clause - what the adapter's macro returns for
Databricks. A project macro of the same name still wins (it is defined later).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _s(value: Any) -> str:
    return str(value)


def _fields(fields: Any) -> list[str]:
    return [_s(f) for f in fields] if isinstance(fields, (list, tuple)) else [_s(fields)]


def _group_by(n: Any = 1) -> str:
    count = int(n) if isinstance(n, int) and 0 < n <= 1000 else 1
    return "group by " + ", ".join(str(i) for i in range(1, count + 1))


def _surrogate_key(*fields: Any) -> str:
    names = _fields(fields[0]) if len(fields) == 1 and isinstance(fields[0], (list, tuple)) \
        else [_s(f) for f in fields]
    parts = ", ".join(f"coalesce(cast({f} as string), '_dbt_utils_surrogate_key_null_')" for f in names)
    return f"md5(concat_ws('-', {parts}))"


#: dbt-core global macros (bare or under ``dbt.``)
GLOBAL: Mapping[str, Callable[..., str]] = {
    "type_string": lambda: "string",
    "type_timestamp": lambda: "timestamp",
    "type_int": lambda: "int",
    "type_bigint": lambda: "bigint",
    "type_float": lambda: "double",
    "type_numeric": lambda: "decimal(28, 6)",
    "type_boolean": lambda: "boolean",
    "current_timestamp": lambda: "current_timestamp()",
    "dateadd": lambda datepart, interval, from_date_or_timestamp:
        f"timestampadd({_s(datepart)}, {_s(interval)}, {_s(from_date_or_timestamp)})",
    "datediff": lambda first_date, second_date, datepart:
        f"timestampdiff({_s(datepart)}, {_s(first_date)}, {_s(second_date)})",
    "date_trunc": lambda datepart, date: f"date_trunc('{_s(datepart)}', {_s(date)})",
    "concat": lambda fields: f"concat({', '.join(_fields(fields))})",
    "hash": lambda field: f"md5(cast({_s(field)} as string))",
    "safe_cast": lambda field, type: f"try_cast({_s(field)} as {_s(type)})",  # noqa: A006
    "cast_bool_to_text": lambda field: f"cast({_s(field)} as string)",
    "split_part": lambda string_text, delimiter_text, part_number:
        f"split_part({_s(string_text)}, {_s(delimiter_text)}, {_s(part_number)})",
    "any_value": lambda expression: f"any_value({_s(expression)})",
    "bool_or": lambda expression: f"bool_or({_s(expression)})",
    "length": lambda expression: f"length({_s(expression)})",
    "right": lambda string_text, length_expression: f"right({_s(string_text)}, {_s(length_expression)})",
    "replace": lambda field, old_chars, new_chars: f"replace({_s(field)}, {_s(old_chars)}, {_s(new_chars)})",
    "position": lambda substring_text, string_text: f"position({_s(substring_text)} in {_s(string_text)})",
}

#: macros of packages rendered for real, by namespace
PACKAGES: Mapping[str, Mapping[str, Callable[..., str]]] = {
    "dbt": GLOBAL,
    "dbt_utils": {
        "group_by": _group_by,
        "surrogate_key": _surrogate_key,
        "generate_surrogate_key": _surrogate_key,
        **{k: v for k, v in GLOBAL.items() if k.startswith("type_") or k in (
            "current_timestamp", "dateadd", "datediff", "date_trunc", "concat", "hash",
            "safe_cast", "split_part", "any_value", "bool_or")},
    },
}
