"""Every dbt model has a description (in its property file, or resolved in the manifest)."""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.rules.dbt_common import DBT_TYPES, model_name, properties, violation, where_to_fix
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    min_length = RULE.param(policy, "min_length", ctx)
    desc = (properties(doc).get("description") or "").strip()
    if len(desc) >= max(min_length, 1):
        return
    what = "has no description" if not desc else f"has a description shorter than {min_length} characters"
    yield violation(doc, f"dbt model {model_name(doc)} {what} ({where_to_fix(doc)})", "description")


RULE = Rule(
    key="dbt_description",
    summary="dbt models have a description",
    check=check,
    applies_to=DBT_TYPES,
    params={"min_length": Param((int,), 1, "shortest acceptable description, in characters")},
    example="models:\n  - name: dim_employees   # no description:",
)
