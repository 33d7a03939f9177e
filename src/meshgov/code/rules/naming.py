"""Created tables and views are named by the convention (upper case by default).

Checks the name part of every ``CREATE [OR REPLACE] TABLE|VIEW|MATERIALIZED VIEW|STREAMING
TABLE`` target and of the new name in ``ALTER TABLE|VIEW ... RENAME TO``, on the raw tree (the
case as written: a qualified/normalized tree would lower-case it). Quoted names are checked
as their content. Temporary views live in the session only and are skipped unless
``include_temporary``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.core.context import EvalContext
from meshgov.core.errors import ConfigError
from meshgov.core.model import Policy

#: kinds of CREATE whose target is a table-like object
TABLE_KINDS = frozenset({"TABLE", "VIEW"})


@lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError("code.naming.table_pattern", "pattern",
                          f"not a valid regular expression: {exc}") from None


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    pattern = str(RULE.param(policy, "pattern", ctx))
    include_temporary = bool(RULE.param(policy, "include_temporary", ctx))
    regex = _compile(pattern)
    for ref in doc.facts.tables("create", "rename"):
        if ref.role == "create" and ref.create_kind not in TABLE_KINDS:
            continue
        if ref.temporary and not include_temporary:
            continue
        if regex.search(ref.name):
            continue
        line, col = doc.position(ref.node.this)
        what = "new" if ref.role == "rename" else ref.create_kind.lower() or "table"
        yield Violation(
            message=f"{what} name '{ref.name}' does not match the naming convention {pattern}",
            line=line,
            column=col,
            content=ref.dotted,
            evidence={"name": ref.name, "table": ref.dotted, "pattern": pattern},
        )


RULE = Rule(
    key="naming",
    summary="Created table and view names follow the naming convention",
    check=check,
    params={
        "pattern": Param((str,), r"^[A-Z][A-Z0-9_]*$",
                         "regex the name of a created table or view must match",
                         global_param="code.naming.table_pattern"),
        "include_temporary": Param((bool,), False, "also check TEMPORARY views"),
    },
    example="CREATE TABLE hr_prod.published.employees AS SELECT emp_num FROM hr_prod.raw.src",
)
