"""No ``SELECT *`` in models and views: name the columns a consumer depends on.

``COUNT(*)`` is fine (sqlglot gives ``Count(Star)``), so is ``MERGE ... UPDATE SET *`` and,
unless ``allow_in_exists`` is false, ``EXISTS (SELECT * ...)`` whose columns nobody reads.
``SELECT * EXCEPT (...)`` and ``SELECT t.*`` are still stars.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def _in_exists(node: exp.Expression) -> bool:
    select = node.parent
    parent = select.parent if select is not None else None
    while isinstance(parent, (exp.Subquery, exp.Paren)):
        parent = parent.parent
    return isinstance(parent, exp.Exists)


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    allow_in_ctes = RULE.param(policy, "allow_in_ctes", ctx)
    allow_in_exists = RULE.param(policy, "allow_in_exists", ctx)
    for st in doc.facts.statements:
        for node in st.stars:
            if allow_in_exists and _in_exists(node):
                continue
            if allow_in_ctes and node.find_ancestor(exp.CTE) is not None:
                continue
            line, col = doc.position(node)
            shown = node.sql(dialect="databricks")
            start = node.meta.get("start") if node.meta else None
            table_query = start is not None and doc.text[start:start + 5].upper() == "TABLE"
            yield Violation(
                message="TABLE <name> is SELECT * : list the columns explicitly" if table_query
                else f"SELECT {shown} : list the columns explicitly",
                line=line,
                column=col,
                content=f"{shown} {_context(node)}",
                evidence={"projection": shown},
            )


def _context(node: exp.Expression) -> str:
    """The FROM of the star's SELECT: identifies the finding without its line number."""
    select = node.parent
    source = select.args.get("from_") if select is not None else None
    return source.sql(dialect="databricks")[:200] if source is not None else ""


RULE = Rule(
    key="select_star",
    summary="No SELECT * in models and views (COUNT(*) is fine)",
    check=check,
    params={
        "allow_in_ctes": Param((bool,), False,
                               "allow * inside CTEs when the final SELECT names columns"),
        "allow_in_exists": Param((bool,), True, "allow EXISTS (SELECT * ...)"),
    },
    example="CREATE VIEW V_EMP AS SELECT * FROM hr_prod.published.EMPLOYEES",
)
