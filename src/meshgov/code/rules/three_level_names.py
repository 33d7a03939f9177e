"""Tables outside the domain's default catalog are named catalog.schema.table.

A one- or two-level name resolves against the session's current catalog; meshgov assumes
that is the domain's default catalog (the first of ``catalogs:`` in meshgov.yaml) unless the
file switched it with ``USE CATALOG`` / ``USE cat.schema`` / ``SET CATALOG``. A short name is
reported when it is created, written or read:

- after the file switched to a catalog other than the default one;
- when the domain has no default catalog (no ``catalogs:`` in meshgov.yaml);
- when a two-level name starts with a known catalog (``finance_prod.ledger``): Unity Catalog
  reads it as *schema*.table in the current catalog, which is almost never what was meant;
- everywhere, when ``require_everywhere`` is true.

Temporary views created in the same file are session objects and are never reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Param, Rule, Violation
from meshgov.code.sqlutil import is_temp_view_ref, resolve_name
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy

ROLES = ("create", "write", "read")


def _known_catalogs(ctx: EvalContext) -> dict[str, str]:
    """lower-case catalog -> owning domain, from the registry and the domain's config."""
    out: dict[str, str] = {}
    for entry in ctx.catalog.registry.domains.values():
        for claim in entry.catalogs:
            out.setdefault(claim.split(".")[0].lower(), entry.name)
    for c in ctx.config.catalogs:
        out.setdefault(c.lower(), ctx.config.domain or "this domain")
    return out


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    everywhere = bool(RULE.param(policy, "require_everywhere", ctx))
    default = ctx.config.default_catalog
    facts = doc.facts
    known: dict[str, str] | None = None
    for ref in facts.tables(*ROLES):
        if len(ref.parts) >= 3 or is_temp_view_ref(ref, facts):
            continue
        if ref.role == "create" and ref.temporary:
            continue
        current, _schema = facts.context_of(ref.statement)
        catalog, schema, name = resolve_name(ref, facts, default)
        reason = ""
        if everywhere:
            reason = "every table must be named catalog.schema.table"
        elif catalog is None:
            reason = "the domain has no default catalog (catalogs: in meshgov.yaml)"
        elif default is None:
            reason = (f"it resolves in catalog '{catalog}' (set by USE); the domain has no "
                      "default catalog (catalogs: in meshgov.yaml)")
        elif catalog.lower() != default.lower():
            reason = (f"it resolves in catalog '{catalog}' (set by USE), outside the domain's "
                      f"default catalog '{default}'")
        elif len(ref.parts) == 2:
            known = known if known is not None else _known_catalogs(ctx)
            owner = known.get(ref.parts[0].lower())
            if owner is not None:
                reason = (f"'{ref.parts[0]}' is a catalog (of {owner}), but a two-level name is "
                          f"schema.table: this resolves to {catalog}.{ref.dotted}")
        if not reason:
            continue
        line, col = doc.position(ref.node)
        verb = {"create": "created", "write": "written", "read": "read"}[ref.role]
        resolved = ".".join(p for p in (catalog, schema, name) if p)
        yield Violation(
            message=f"table '{ref.dotted}' {verb} without a three-level name: {reason}",
            line=line,
            column=col,
            content=f"{ref.role} {ref.dotted} {current or ''}",
            evidence={"table": ref.dotted, "role": ref.role, "resolves_to": resolved},
        )


RULE = Rule(
    key="three_level_names",
    summary="Tables outside the domain's default catalog use catalog.schema.table names",
    check=check,
    params={
        "require_everywhere": Param((bool,), False,
                                    "require three-level names even in the default catalog"),
    },
    example="USE CATALOG finance_prod;\nSELECT amount FROM published.LEDGER",
)
