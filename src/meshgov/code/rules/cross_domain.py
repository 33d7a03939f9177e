"""A domain reads another domain's data only through its published data products.

Every table a statement reads (not the CREATE/INSERT/MERGE/UPDATE/DELETE target) is resolved
to catalog.schema.table (two-level names against the current catalog: ``USE CATALOG`` in the
file, else the domain's default catalog). When the product registry says another domain owns
it (by catalog or catalog.schema claim), it must be one of that domain's product tables.
Catalogs no domain claims are not cross-domain; without a ``domain:`` in meshgov.yaml the
rule cannot tell what is foreign and reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Rule, Violation
from meshgov.code.sqlutil import is_temp_view_ref, resolve_name
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy

#: stands for an unknown schema: matches catalog-level claims only
_NO_SCHEMA = "\x00"


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    domain = ctx.config.domain
    if not domain:
        return
    registry = ctx.catalog.registry
    facts = doc.facts
    default = ctx.config.default_catalog
    for ref in facts.tables("read"):
        if is_temp_view_ref(ref, facts):
            continue
        catalog, schema, name = resolve_name(ref, facts, default)
        if catalog is None:
            continue
        full = f"{catalog}.{schema or _NO_SCHEMA}.{name}"
        owner = registry.owner_of(full)
        if owner is None or owner.lower() == domain.lower():
            continue
        shown = f"{catalog}.{schema}.{name}" if schema else f"{catalog}.{name}"
        product = registry.product_of(full) if schema else None
        if product is not None and product[0] == owner:
            continue
        published = sorted(t for d, p in registry.products() if d == owner for t in p.tables)
        line, col = doc.position(ref.node)
        hint = f"published: {', '.join(published)}" if published else "it publishes no products"
        yield Violation(
            message=f"reads {shown} of domain {owner}, which is not a published data product "
                    f"of {owner} ({hint})",
            line=line,
            column=col,
            content=shown.lower(),
            evidence={"table": shown, "owner": owner, "reader": domain,
                      "published": published},
        )


RULE = Rule(
    key="cross_domain",
    summary="Another domain's tables are read only through its published data products",
    check=check,
    params={},
    example="-- in domain sales\nSELECT account, amount FROM finance_prod.raw.ledger_entries",
)
