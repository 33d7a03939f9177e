"""The audit's own policies (``MG-A-*``) on Unity Catalog metadata: product scorecard inputs.

They are Python meta policies, not Rego: they need every table's columns, tags and masks
together (a PII column is masked or not), which the per-resource infra documents do not carry.
They run with the kind they are filed under (``--kinds``) and waivers apply to them as to any
policy. Their kinds and rule names are chosen so that the report's data-product scorecards
(:mod:`meshgov.report.scorecard`) count them: described -> *understandable* (code,
``*describ*``), group owner -> *secure* (code, ``*owner*``), PII masked -> *compliance* (data,
``pii_masked``). MG-A-001 is an infra meta policy.

- MG-A-001  infra  a workspace could be crawled (401/403, timeouts, 5xx after retries)  error
- MG-A-002  code   a table or view is described (has a comment)                       warning
- MG-A-003  code   a table or view is owned by a group (not a person)                  warning
- MG-A-004  data   columns that look like PII (name or tag) have a column mask         error
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshgov.core.model import Finding, Location, Policy, Subject, fingerprint

WORKSPACE_FAILED = "MG-A-001"
DESCRIBED = "MG-A-002"
GROUP_OWNED = "MG-A-003"
PII_MASKED = "MG-A-004"

AUDIT_POLICIES: Mapping[str, Policy] = {p.id: p for p in (
    Policy(id=WORKSPACE_FAILED, kind="infra", title="Every workspace can be audited",
           severity="error", enforced=True, rule="meta",
           description="A workspace that cannot be crawled (authentication, permissions, "
           "timeouts, server errors after retries) is not audited: the audit fails closed.",
           remediation="Give the audit's service principal access to the workspace, or fix "
           "the workspace's host in the audit configuration."),
    Policy(id=DESCRIBED, kind="code", title="Tables and views are described",
           severity="warning", rule="uc_table_described",
           description="A Unity Catalog table or view without a comment cannot be discovered "
           "or understood by its consumers.",
           remediation="COMMENT ON TABLE <name> IS '...'"),
    Policy(id=GROUP_OWNED, kind="code", title="Tables and views are owned by a group",
           severity="warning", rule="uc_table_owner_group",
           description="An owner that is a person (an e-mail address) or a service principal "
           "(an application id) leaves the table orphaned when they leave.",
           remediation="ALTER TABLE <name> OWNER TO `<domain group>`"),
    Policy(id=PII_MASKED, kind="data", title="PII columns are masked",
           severity="error", rule="pii_masked", params={"select": {"glob": "*"}},
           description="A column whose name matches code.dbt.pii_name_patterns, or that carries "
           "a tag whose key or value mentions PII, must have a column mask.",
           remediation="ALTER TABLE <name> ALTER COLUMN <col> SET MASK <function>"),
)}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PII_TAG = re.compile(r"(?i)\bpii\b|personal|sensitive")


def principal_kind(name: str) -> str:
    """user (an e-mail), service_principal (an application id UUID) or group (anything else)."""
    if "@" in name:
        return "user"
    if _UUID.match(name):
        return "service_principal"
    return "group"


@dataclass(frozen=True)
class TableFacts:
    """What the scorecard needs to know about one table (derived from UC metadata)."""

    full_name: str
    table_type: str
    owner: str
    described: bool
    owner_is_group: bool
    pii_columns: tuple[str, ...]
    unmasked_pii: tuple[str, ...]
    row_filter: bool

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.full_name, "table_type": self.table_type, "owner": self.owner,
                "described": self.described, "owner_is_group": self.owner_is_group,
                "pii_columns": list(self.pii_columns), "unmasked_pii": list(self.unmasked_pii),
                "row_filter": self.row_filter}


def table_facts(table: Mapping[str, Any], column_tags: Mapping[str, Sequence[tuple[str, str]]],
                pii_patterns: Sequence[re.Pattern[str]],
                pii_names: dict[str, bool] | None = None) -> TableFacts:
    """The facts of one table. ``pii_names``: a per-workspace memo of column name -> "the name
    matches a PII pattern" (column names repeat across a workspace's tables)."""
    full = str(table.get("full_name") or ".".join(
        str(table.get(k, "")) for k in ("catalog_name", "schema_name", "name")))
    owner = str(table.get("owner") or "")
    pii: list[str] = []
    unmasked: list[str] = []
    names = pii_names if pii_names is not None else {}
    for col in table.get("columns") or []:
        if not isinstance(col, Mapping):
            continue
        cname = str(col.get("name", ""))
        looks_pii = names.get(cname)
        if looks_pii is None:
            looks_pii = names[cname] = any(p.search(cname) for p in pii_patterns)
        if not looks_pii and column_tags:
            tags = column_tags.get(f"{full}.{cname}".lower(), ())
            looks_pii = any(_PII_TAG.search(k or "") or _PII_TAG.search(v or "") for k, v in tags)
        if looks_pii:
            pii.append(cname)
            if not col.get("mask"):
                unmasked.append(cname)
    return TableFacts(
        full_name=full,
        table_type=str(table.get("table_type") or ""),
        owner=owner,
        described=bool(str(table.get("comment") or "").strip()),
        owner_is_group=bool(owner) and principal_kind(owner) == "group",
        pii_columns=tuple(pii),
        unmasked_pii=tuple(unmasked),
        row_filter=bool(table.get("row_filter")),
    )


def _finding(policy_id: str, message: str, ref: str, stype: str, domain: str | None, path: str,
             evidence: Mapping[str, Any], content: str | None = None) -> Finding:
    p = AUDIT_POLICIES[policy_id]
    # the fingerprint Finding.with_fingerprint would set, without building the Finding twice
    return Finding(policy_id=policy_id, kind=p.kind, severity=p.severity, message=message,
                   remediation=p.remediation, subject=Subject(stype, ref, domain),
                   location=Location(path=path), evidence=dict(evidence),
                   fingerprint=fingerprint(policy_id, ref,
                                           content if content is not None else message))


def table_findings(facts: TableFacts, workspace: str, domain: str | None,
                   kinds: Sequence[str] = ("code", "infra", "data")) -> list[Finding]:
    path = f"{workspace}/{facts.full_name}"
    out = []
    if "code" in kinds and not facts.described:
        out.append(_finding(DESCRIBED, f"{facts.full_name} has no comment", facts.full_name,
                            "table", domain, path, {"workspace": workspace}))
    if "code" in kinds and facts.owner and not facts.owner_is_group:
        kind = principal_kind(facts.owner).replace("_", " ")
        out.append(_finding(GROUP_OWNED, f"{facts.full_name} is owned by a {kind} "
                            f"({facts.owner}), not a group", facts.full_name, "table", domain,
                            path, {"workspace": workspace, "owner": facts.owner}))
    if "data" in kinds and facts.unmasked_pii:
        cols = ", ".join(facts.unmasked_pii)
        out.append(_finding(PII_MASKED, f"{facts.full_name}: PII column(s) without a mask: {cols}",
                            facts.full_name, "table", domain, path,
                            {"workspace": workspace, "columns": list(facts.unmasked_pii)}))
    return out


def workspace_failed(name: str, host: str, domain: str | None, error: Mapping[str, Any]) -> Finding:
    message = f"workspace {name} could not be audited: {error.get('type')}: {error.get('message')}"
    return _finding(WORKSPACE_FAILED, message, name, "workspace", domain, host or name,
                    {"host": host, **dict(error)}, content=str(error.get("type")))
