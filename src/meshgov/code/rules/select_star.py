"""No ``SELECT *`` in models and views: name the columns a consumer depends on.

A star is reported when it puts columns nobody named into the statement's result
(:mod:`meshgov.code.star_scope`): ``select * from renamed`` over a CTE that lists its columns,
and the ``select * from source`` import CTE that only that list reads, are fine (dbt's own
style); with ``result_only: false`` every projection star is reported. ``COUNT(*)`` is fine
(sqlglot gives ``Count(Star)``), so is ``MERGE ... UPDATE SET *`` and, unless
``allow_in_exists`` is false, ``EXISTS (SELECT * ...)`` whose columns nobody reads.
``SELECT * EXCEPT (...)`` and ``SELECT t.*`` are still stars.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.star_scope import unnamed_stars
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
    result_only = RULE.param(policy, "result_only", ctx)
    for st in doc.facts.statements:
        stars = [n for n in st.stars if not (allow_in_exists and _in_exists(n))]
        if result_only:
            found: list[tuple[exp.Expression, list[str]]] = list(unnamed_stars(stars))
        else:
            found = [(n, []) for n in stars
                     if not (allow_in_ctes and n.find_ancestor(exp.CTE) is not None)]
        for node, via in found:
            line, col = doc.position(node)
            shown = node.sql(dialect="databricks")
            start = node.meta.get("start") if node.meta else None
            table_query = start is not None and doc.text[start:start + 5].upper() == "TABLE"
            through = f" (its columns reach the result through {', '.join(via)})" if via else ""
            yield Violation(
                message="TABLE <name> is SELECT * : list the columns explicitly" if table_query
                else f"SELECT {shown} : list the columns explicitly{through}",
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
        "result_only": Param((bool,), True,
                             "report a * only when it puts columns nobody named into the "
                             "statement's result (false: every projection *)"),
        "allow_in_ctes": Param((bool,), False,
                               "with result_only false: allow * inside CTEs"),
        "allow_in_exists": Param((bool,), True, "allow EXISTS (SELECT * ...)"),
    },
    example="CREATE VIEW V_EMP AS SELECT * FROM hr_prod.published.EMPLOYEES",
)
