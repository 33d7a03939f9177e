"""Every PII column of a dbt model is classified.

A column is PII when its name matches one of ``code.dbt.pii_name_patterns``, or it carries a
``pii`` tag (column ``tags`` or ``config.tags``), or its meta says ``pii: true`` /
``contains_pii: true``. It is classified when its ``meta.classification`` (column ``meta`` or
``config.meta``) is one of the allowed levels. Columns the model's final SELECT produces but no
property file declares are checked by name too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.rules.dbt_common import (
    DBT_TYPES, columns, compile_patterns, model_name, output_columns, properties, str_list,
    violation, where_to_fix,
)
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def _why_pii(name: str, tags: Any, meta: Mapping[str, Any], patterns: list[Any],
             pii_tags: set[str]) -> str | None:
    if tags and any(t.lower() in pii_tags for t in str_list(tags)):
        return "tagged pii"
    if meta and (meta.get("pii") is True or meta.get("contains_pii") is True):
        return "meta marks it pii"
    for p in patterns:
        if p.search(name):
            return "name looks like PII"
    return None


#: (name_patterns, classifications, pii_tags) as the policy gives them -> (compiled patterns,
#: allowed levels lower-cased, pii tags lower-cased): built once per run, not once per model
_SETTINGS: dict[tuple[tuple[str, ...], ...], tuple[list[re.Pattern[str]], list[str], set[str]]] = {}


def _settings(policy: Policy, ctx: EvalContext) -> tuple[list[re.Pattern[str]], list[str], set[str]]:
    names = str_list(RULE.param(policy, "name_patterns", ctx))
    classes = str_list(RULE.param(policy, "classifications", ctx))
    tags = str_list(RULE.param(policy, "pii_tags", ctx))
    key = (tuple(names), tuple(classes), tuple(tags))
    found = _SETTINGS.get(key)
    if found is None:  # compile_patterns raises on a bad pattern: nothing is cached then
        found = (compile_patterns(names, policy, "name_patterns"), [c.lower() for c in classes],
                 {t.lower() for t in tags})
        if len(_SETTINGS) >= 64:
            _SETTINGS.clear()
        _SETTINGS[key] = found
    return found


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    patterns, allowed, pii_tags = _settings(policy, ctx)
    model = model_name(doc)
    declared: set[str] = set()
    for col in columns(doc):
        name = col.get("name")
        if type(name) is not str:
            name = str(name)
        declared.add(name.lower())
        meta = col.get("meta")
        if type(meta) is not dict and not isinstance(meta, Mapping):
            meta = {}
        why = _why_pii(name, col.get("tags"), meta, patterns, pii_tags)
        if why is None:
            continue
        level = meta.get("classification")
        at = col_where(doc, col)
        if level is None or (isinstance(level, str) and not level.strip()):
            yield violation(doc, f"column {name} of dbt model {model} is PII ({why}) but has no "
                            f"meta.classification ({'/'.join(allowed)}) ({at})",
                            f"column:{name}", column=name)
        elif str(level).lower() not in allowed:
            yield violation(doc, f"column {name} of dbt model {model} is PII ({why}) but is classified "
                            f"{level!r}; expected one of {', '.join(allowed)} ({at})",
                            f"column:{name}:level", column=name, classification=str(level))
    for name in output_columns(doc):
        if name.lower() in declared:
            continue
        if any(p.search(name) for p in patterns):
            yield violation(doc, f"column {name} of dbt model {model} looks like PII and no property "
                            f"file declares it: declare it with meta.classification ({where_to_fix(doc)})",
                            f"column:{name}:undeclared", column=name)


def col_where(doc: CodeDocument, col: Mapping[str, Any]) -> str:
    path = properties(doc).get("path")
    if path and col.get("line"):
        return f"{path}:{col['line']}"
    return where_to_fix(doc)


RULE = Rule(
    key="dbt_pii_classified",
    summary="PII columns of dbt models carry meta.classification",
    check=check,
    applies_to=DBT_TYPES,
    params={
        "name_patterns": Param((list,), [], "regexes: a column whose name matches is PII",
                               global_param="code.dbt.pii_name_patterns"),
        "classifications": Param((list,), ["confidential", "restricted"],
                                 "meta.classification values allowed for a PII column"),
        "pii_tags": Param((list,), ["pii"], "column tags that mark a column as PII"),
    },
    example="columns:\n  - name: email        # PII by name, no meta.classification",
)
