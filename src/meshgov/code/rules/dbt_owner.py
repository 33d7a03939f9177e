"""Every dbt model names its owner in ``meta.owner`` (model meta, config meta or a folder's +meta)."""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.rules.dbt_common import DBT_TYPES, compile_patterns, model_name, properties, violation, where_to_fix
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    meta = properties(doc).get("meta") or {}
    owner = meta.get("owner") if hasattr(meta, "get") else None
    name = model_name(doc)
    if not isinstance(owner, str) or not owner.strip():
        yield violation(doc, f"dbt model {name} has no owner in meta.owner ({where_to_fix(doc)})", "owner")
        return
    pattern = RULE.param(policy, "pattern", ctx)
    if pattern:
        (regex,) = compile_patterns([pattern], policy, "pattern")
        if not regex.search(owner):
            yield violation(doc, f"dbt model {name}: owner {owner!r} does not match {pattern!r}",
                            "owner-pattern", owner=owner)


RULE = Rule(
    key="dbt_owner",
    summary="dbt models name their owner in meta.owner",
    check=check,
    applies_to=DBT_TYPES,
    params={"pattern": Param((str,), "", "regex the owner must match (e.g. an e-mail address); empty: any")},
    example="models:\n  - name: dim_employees\n    config: {meta: {}}   # no owner",
)

