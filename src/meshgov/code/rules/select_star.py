"""No ``SELECT *`` in models and views: name the columns a consumer depends on.

``COUNT(*)`` is fine (sqlglot gives ``Count(Star)``); ``SELECT * EXCEPT (...)`` is still a star.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def _is_projection_star(node: exp.Expression) -> bool:
    if isinstance(node, exp.Star):
        return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Star):  # t.*
        return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"
    return False


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    allow_in_ctes = RULE.param(policy, "allow_in_ctes", ctx)
    for stmt in doc.statements:
        for node in stmt.walk():
            if not _is_projection_star(node):
                continue
            if allow_in_ctes and node.find_ancestor(exp.CTE) is not None:
                continue
            line, col = doc.position(node)
            yield Violation(
                message=f"SELECT {node.sql(dialect='databricks')} : list the columns explicitly",
                line=line,
                column=col,
                content=node.parent.sql(dialect="databricks")[:200] if node.parent else "*",
            )


RULE = Rule(
    key="select_star",
    summary="No SELECT * in models and views (COUNT(*) is fine)",
    check=check,
    params={
        "allow_in_ctes": Param((bool,), False, "allow * inside CTEs when the final SELECT names columns"),
    },
    example="CREATE VIEW v AS SELECT * FROM hr_prod.published.EMPLOYEES",
)
