"""A domain changes only its own catalogs: no write into another domain's data.

Every table a statement creates, writes, renames or alters (CREATE, INSERT INTO, INSERT
OVERWRITE, MERGE INTO, UPDATE, DELETE FROM, COPY INTO, LOAD DATA INTO, ALTER ... RENAME TO,
DROP, TRUNCATE, ALTER, COMMENT ON, GRANT/REVOKE ON), named directly or by
``IDENTIFIER('c.s.t')``, and every volume path written, is resolved as the cross-domain read
rule resolves reads. When the product registry says another domain owns it, the statement is
reported, published product or not: another domain's products are its output ports, written by
that domain alone. A target named at run time (``IDENTIFIER(:param)``) is reported as not
checkable (a warning).

Catalogs no domain claims are not another domain's; without a ``domain:`` in meshgov.yaml the
rule reports nothing. TEMPORARY views are session objects and are never reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshgov.code.document import CodeDocument
from meshgov.code.registry import Rule, Violation
from meshgov.code.rules.cross_domain import NO_SCHEMA, foreign_owner
from meshgov.code.sqlutil import MODIFYING_VERBS, is_temp_view_ref, resolve_name
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy

ROLES = ("create", "write", "rename", "other")


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    domain = ctx.config.domain
    if not domain:
        return
    facts = doc.facts
    default = ctx.config.default_catalog
    for ref in facts.tables(*ROLES):
        if ref.verb not in MODIFYING_VERBS or ref.temporary or is_temp_view_ref(ref, facts):
            continue
        catalog, schema, name = resolve_name(ref, facts, default)
        if catalog is None:
            continue
        owner = foreign_owner(f"{catalog}.{schema or NO_SCHEMA}.{name}", ctx)
        if owner is None:
            continue
        shown = f"{catalog}.{schema}.{name}" if schema else f"{catalog}.{name}"
        verb = f"CREATE {ref.create_kind}" if ref.verb == "CREATE" and ref.create_kind else ref.verb
        line, col = doc.position(ref.node)
        yield Violation(
            message=f"{verb} {shown}{' (named by IDENTIFIER)' if ref.via else ''}: it belongs "
                    f"to domain {owner}; a domain writes only its own catalogs",
            line=line,
            column=col,
            content=f"{ref.verb.lower()} {shown.lower()}",
            evidence={"table": shown, "owner": owner, "writer": domain, "verb": ref.verb},
        )
    for path in facts.paths("write", "create"):
        volume = f"{path.catalog}.{path.schema}.{path.volume}"
        owner = foreign_owner(volume, ctx)
        if owner is None:
            continue
        line, col = doc.position(path.node)
        yield Violation(
            message=f"{path.verb or 'writes'} {path.path}: volume {volume} belongs to domain "
                    f"{owner}; a domain writes only its own catalogs",
            line=line,
            column=col,
            content=f"{path.verb.lower()} volume {path.path.lower()}",
            evidence={"volume": volume, "path": path.path, "owner": owner, "writer": domain},
        )
    for unknown in facts.unresolved(*ROLES):
        if unknown.verb not in MODIFYING_VERBS:
            continue
        line, col = doc.position(unknown.node)
        yield Violation(
            message=f"{unknown.verb} a table named at run time, {unknown.written}: not checkable, "
                    "it may be another domain's (name the table, or waive this with a reason)",
            line=line,
            column=col,
            content=f"unresolved {unknown.verb.lower()} {unknown.written.lower()}",
            evidence={"written": unknown.written, "verb": unknown.verb, "checkable": False},
            severity_cap="warning",
        )


RULE = Rule(
    key="cross_domain_write",
    summary="A domain writes only its own catalogs",
    check=check,
    params={},
    example="-- in domain sales\nINSERT INTO finance_prod.raw.ledger_entries SELECT * FROM sales_prod.raw.x",
)
