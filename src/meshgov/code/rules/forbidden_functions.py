"""Functions the council forbids are not called (configurable list).

A function matches by the name it was written with, by sqlglot's canonical name for it
(``ucase`` and ``upper`` are one function) or, for a catalog function, by its qualified
``catalog.schema.fn`` name. Matching is case-insensitive; ``CURRENT_USER`` without
parentheses is a call too.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.sqlutil import function_call, may_be_called
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    forbidden = {str(f).lower().replace("`", ""): str(f)
                 for f in RULE.param(policy, "functions", ctx) or ()}
    if not forbidden:
        return
    bare = frozenset(n.rsplit(".", 1)[-1] for n in forbidden)
    for st in doc.facts.statements:
        for node in st.function_nodes:
            if not may_be_called(node, bare):
                continue
            call = function_call(node, doc.text, st.index)
            hit = next((forbidden[n] for n in sorted(call.names) if n in forbidden), None)
            if hit is None:
                continue
            line, col = doc.position(call.node)
            if line is None:
                line, col = _find_written(doc, st.index, call.written)
            yield Violation(
                message=f"function {call.written}() is forbidden",
                line=line,
                column=col,
                content=f"{hit} {call.node.sql(dialect='databricks')[:200]}",
                evidence={"function": hit},
            )


def _find_written(doc: CodeDocument, statement: int, written: str) -> tuple[int | None, int | None]:
    """Locate a call sqlglot kept no position for (``CURRENT_USER`` without parentheses)."""
    import re

    span = doc.statement_span(statement)
    start, end = span if span is not None else (0, len(doc.text) - 1)
    # the keyword form: the name not followed by "(" (the call form always has a position)
    m = re.compile(rf"(?<![\w.`]){re.escape(written.split('.')[-1])}(?![\w`])(?!\s*\()",
                   re.IGNORECASE).search(doc.text, start, end + 1)
    if m is None:
        return doc.offset_position(start) if span is not None else (None, None)
    return doc.offset_position(m.start())


RULE = Rule(
    key="forbidden_functions",
    summary="Forbidden SQL functions are not called",
    check=check,
    params={
        "functions": Param((list,), [], "function names (or catalog.schema.fn) never called",
                           global_param="code.forbidden_functions"),
    },
    example="SELECT input_file_name() AS src, order_id FROM sales_prod.raw.orders",
)
