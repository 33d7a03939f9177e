"""A domain reads another domain's data only through its published data products.

Every table a statement reads (not the CREATE/INSERT/MERGE/UPDATE/DELETE/COPY target) is
resolved to catalog.schema.table (two-level names against the current catalog: ``USE CATALOG``
in the file, else the domain's default catalog). When the product registry says another domain
owns it (by catalog or catalog.schema claim), it must be one of that domain's product tables.

What counts as a read: table names anywhere in a query (joins, subqueries, CTE bodies, MERGE
sources, CLONE sources), ``IDENTIFIER('c.s.t')``, a table-valued function's ``TABLE(c.s.t)`` /
``TABLE c.s.t`` argument, the ``TABLE c.s.t`` query, and Unity Catalog volume paths
(``/Volumes/<catalog>/<schema>/<volume>/...``) read by ``read_files(...)``,
``parquet.`/Volumes/...``` (and the other file formats), ``COPY INTO ... FROM`` and ``LOAD DATA
INPATH``: a volume belongs to the domain that owns its catalog and schema, and is never a
product table. A table named only at run time (``IDENTIFIER(:param)``, ``IDENTIFIER(var)``)
cannot be checked: it is reported as a warning saying so, never passed in silence.

Catalogs no domain claims are not cross-domain; without a ``domain:`` in meshgov.yaml the rule
cannot tell what is foreign and reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Rule, Violation
from meshgov.code.sqlutil import is_temp_view_ref, resolve_name
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy

#: stands for an unknown schema: matches catalog-level claims only
NO_SCHEMA = "\x00"
#: how a read was written, for the message
_VIA = {"identifier": " (named by IDENTIFIER)", "table-arg": " (a TABLE argument of a table function)"}


def foreign_owner(full: str, ctx: EvalContext) -> str | None:
    """The domain other than the running one that owns ``full`` (catalog.schema.name)."""
    owner = ctx.catalog.registry.owner_of(full)
    domain = ctx.config.domain or ""
    return owner if owner is not None and owner.lower() != domain.lower() else None


def _published(owner: str, ctx: EvalContext) -> list[str]:
    return sorted(t for d, p in ctx.catalog.registry.products() if d == owner for t in p.tables)


def _hint(published: list[str]) -> str:
    return f"published: {', '.join(published)}" if published else "it publishes no products"


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
        full = f"{catalog}.{schema or NO_SCHEMA}.{name}"
        owner = foreign_owner(full, ctx)
        if owner is None:
            continue
        shown = f"{catalog}.{schema}.{name}" if schema else f"{catalog}.{name}"
        product = registry.product_of(full) if schema else None
        if product is not None and product[0] == owner:
            continue
        published = _published(owner, ctx)
        line, col = doc.position(ref.node)
        yield Violation(
            message=f"reads {shown}{_VIA.get(ref.via, '')} of domain {owner}, which is not a "
                    f"published data product of {owner} ({_hint(published)})",
            line=line,
            column=col,
            content=shown.lower(),
            evidence={"table": shown, "owner": owner, "reader": domain,
                      "published": published, **({"via": ref.via} if ref.via else {})},
        )
    for path in facts.paths("read"):
        owner = foreign_owner(f"{path.catalog}.{path.schema}.{path.volume}", ctx)
        if owner is None:
            continue
        published = _published(owner, ctx)
        line, col = doc.position(path.node)
        volume = f"{path.catalog}.{path.schema}.{path.volume}"
        yield Violation(
            message=f"reads volume {volume} ({path.path}) of domain {owner}: files in another "
                    f"domain's volume are not a published data product ({_hint(published)})",
            line=line,
            column=col,
            content=f"volume {path.path.lower()}",
            evidence={"volume": volume, "path": path.path, "owner": owner, "reader": domain,
                      "published": published},
        )
    for unknown in facts.unresolved("read"):
        line, col = doc.position(unknown.node)
        yield Violation(
            message=f"reads a table named at run time, {unknown.written}: not checkable, it may "
                    "be another domain's unpublished data (name the table, or waive this with a "
                    "reason)",
            line=line,
            column=col,
            content=f"unresolved {unknown.written.lower()}",
            evidence={"written": unknown.written, "checkable": False},
            severity_cap="warning",
        )


RULE = Rule(
    key="cross_domain",
    summary="Another domain's tables are read only through its published data products",
    check=check,
    params={},
    example="-- in domain sales\nSELECT account, amount FROM finance_prod.raw.ledger_entries",
)
