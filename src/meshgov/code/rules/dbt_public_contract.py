"""dbt models with ``access: public`` (a domain's output port) have an enforced contract and
documented columns: ``contract: {enforced: true}``, at least one declared column, a
description on every declared column, and every column the final SELECT produces declared."""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Rule, Violation
from meshgov.code.rules.dbt_common import (
    DBT_TYPES, columns, model_name, output_columns, properties, violation, where_to_fix,
)
from meshgov.code.rules.dbt_pii_classified import col_where
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    props = properties(doc)
    if str(props.get("access") or "").lower() != "public":
        return
    model = model_name(doc)
    contract = props.get("contract") or {}
    if not (hasattr(contract, "get") and contract.get("enforced") is True):
        yield violation(doc, f"public dbt model {model} has no enforced contract: set "
                        f"config: {{contract: {{enforced: true}}}} ({where_to_fix(doc)})", "contract")
    cols = columns(doc)
    if not cols:
        yield violation(doc, f"public dbt model {model} declares no columns ({where_to_fix(doc)})",
                        "columns")
    declared = set()
    for col in cols:
        name = str(col.get("name"))
        declared.add(name.lower())
        if not str(col.get("description") or "").strip():
            yield violation(doc, f"column {name} of public dbt model {model} has no description "
                            f"({col_where(doc, col)})", f"column:{name}:description", column=name)
    if cols:
        for name in output_columns(doc):
            if name.lower() not in declared:
                yield violation(doc, f"column {name} of public dbt model {model} is not declared in "
                                f"its properties ({where_to_fix(doc)})", f"column:{name}:undeclared",
                                column=name)


RULE = Rule(
    key="dbt_public_contract",
    summary="public dbt models have an enforced contract and documented columns",
    check=check,
    applies_to=DBT_TYPES,
    example="models:\n  - name: employees\n    config: {access: public}   # no contract",
)
