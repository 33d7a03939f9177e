"""Every dbt model carries the required tags (``code.dbt.required_tags``; a domain may add more)."""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.rules.dbt_common import DBT_TYPES, model_name, properties, str_list, violation, where_to_fix
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    required = str_list(RULE.param(policy, "tags", ctx))
    have = {t.lower() for t in str_list(properties(doc).get("tags"))}
    missing = [t for t in required if t.lower() not in have]
    if missing:
        yield violation(
            doc,
            f"dbt model {model_name(doc)} lacks required tag(s) {', '.join(missing)} "
            f"({where_to_fix(doc)}, or config(tags=...))",
            "tags:" + ",".join(sorted(missing)),
            missing=missing,
        )


RULE = Rule(
    key="dbt_required_tags",
    summary="dbt models carry the required tags",
    check=check,
    applies_to=DBT_TYPES,
    params={"tags": Param((list,), [], "tags every model must carry",
                          global_param="code.dbt.required_tags")},
    example="{{ config(tags=['nightly']) }}   -- required: [domain-hr]",
)
