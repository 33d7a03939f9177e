"""Shared helpers of the dbt rules (``dbt_*.py``): what a dbt document says about its model.

dbt rules read ``CodeDocument.dbt`` (built by :mod:`meshgov.code.dbt.session`), never SQL
text; they apply to ``dbt_model`` (a model file) and ``dbt_node`` (a model checked because
only its property file changed). Their findings point at line 1 of the model's ``.sql`` file
(where ``-- meshgov:ignore`` goes); the message names the property file line to edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlglot import exp

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Violation
from meshgov.core.errors import ConfigError
from meshgov.core.model import Policy

DBT_TYPES = frozenset({"dbt_model", "dbt_node"})
MODEL_LINE = 1


def properties(doc: CodeDocument) -> Mapping[str, Any]:
    meta = doc.dbt or {}
    props = meta.get("properties")
    if type(props) is dict:  # what the session builds: without the abstract-class check
        return props
    return props if isinstance(props, Mapping) else {}


def model_name(doc: CodeDocument) -> str:
    return str((doc.dbt or {}).get("name") or doc.ref)


def where_to_fix(doc: CodeDocument) -> str:
    """``models/schema.yml:7`` when a property file describes the model, else a hint."""
    props = properties(doc)
    if props.get("path"):
        return f"{props['path']}:{props['line']}" if props.get("line") else str(props["path"])
    return "no property file describes it: add it to a schema.yml under the model paths"


def violation(doc: CodeDocument, message: str, content: str, **evidence: Any) -> Violation:
    props = properties(doc)
    ev = {"model": model_name(doc), **evidence}
    if props.get("path"):
        ev["properties_path"] = props["path"]
        ev["properties_line"] = props.get("line")
    return Violation(message=message, line=MODEL_LINE, column=None,
                     content=f"{model_name(doc)}:{content}", evidence=ev)


def columns(doc: CodeDocument) -> list[Mapping[str, Any]]:
    cols = properties(doc).get("columns") or []
    return [c for c in cols if type(c) is dict or isinstance(c, Mapping)]


def output_columns(doc: CodeDocument) -> list[str]:
    """Names of the columns the model's final SELECT produces (empty when it has a star)."""
    if not doc.statements:
        return []
    last = doc.statements[-1]
    if not isinstance(last, exp.Query):
        return []
    select = last
    while isinstance(select, exp.SetOperation):
        select = select.left
    if not isinstance(select, exp.Select):
        return []
    out: list[str] = []
    for e in select.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            return []
        name = e.alias_or_name
        if name and name not in out:
            out.append(name)
    return out


def compile_patterns(patterns: Sequence[str], policy: Policy, param: str) -> list[re.Pattern[str]]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(str(p)))
        except re.error as exc:
            raise ConfigError(policy.origin or policy.id, f"{policy.id}.params.{param}",
                              f"a valid regular expression ({exc}): {p!r}") from None
    return out


def str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if type(value) is list:  # the usual shape, without the abstract-class checks below
        return [str(v) for v in value]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value]
    return []
