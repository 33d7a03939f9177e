"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

- one ``rules[]`` entry per policy of the report (full description, help = remediation,
  ``defaultConfiguration.level`` and the ``security-severity`` property from the severity);
- one result per finding with ``ruleIndex``, ``partialFingerprints`` (the finding's content
  fingerprint, so code scanning follows it across commits and line moves), a physical location
  with line/column when the finding has a file, and a logical location naming the subject
  (a Terraform address, a cluster, a table, a workspace) when it is not the file itself;
- waived findings carry a ``suppressions`` entry (inline -> ``inSource``, else ``external``);
- with ``--baseline``, ``baselineState`` is ``new`` or ``unchanged``.
"""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import Any

from meshgov.core.model import Finding, Policy, Report, sort_findings

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "meshgovFingerprint/v1"

LEVEL: Mapping[str, str] = {"error": "error", "warning": "warning", "info": "note"}
#: GitHub's scale: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY: Mapping[str, str] = {"error": "8.0", "warning": "5.0", "info": "2.0"}

#: subject type -> SARIF logicalLocation.kind
LOGICAL_KIND: Mapping[str, str] = {
    "sql": "module",
    "dbt_model": "module",
    "terraform_resource": "resource",
    "cluster": "resource",
    "warehouse": "resource",
    "job": "resource",
    "bundle": "resource",
    "arm_resource": "resource",
    "table": "object",
    "workspace": "namespace",
    "config": "module",
}


def _rule(policy: Policy) -> dict[str, Any]:
    full = policy.description or policy.title
    help_text = policy.remediation or full
    rule: dict[str, Any] = {
        "id": policy.id,
        "name": _pascal(policy.title) or policy.id,
        "shortDescription": {"text": policy.title or policy.id},
        "fullDescription": {"text": full or policy.id},
        "help": {
            "text": help_text or policy.id,
            "markdown": f"**{_md(policy.title or policy.id)}**\n\n{_md(full)}\n\n"
            f"Remediation: {_md(help_text)}",
        },
        "defaultConfiguration": {"level": LEVEL[policy.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[policy.severity],
            # GitHub uses security-severity for rules tagged "security" (governance = compliance)
            "tags": sorted({"meshgov", "security", "compliance", policy.kind, policy.source}),
            "kind": policy.kind,
            "source": policy.source,
            "enforced": policy.enforced,
            "problem.severity": {"info": "recommendation"}.get(policy.severity, policy.severity),
        },
    }
    return rule


def _md(text: str) -> str:
    return text.replace("\r", "").strip()


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words)


def _fallback_policy(f: Finding) -> Policy:
    return Policy(id=f.policy_id, kind=f.kind, title=f.policy_id, severity=f.severity,
                  remediation=f.remediation)


def _uri(path: str) -> str:
    # relative URI reference: forward slashes, percent-encode what a URI cannot hold
    out = []
    for ch in path.replace("\\", "/"):
        if ch.isalnum() or ch in "-._~/!$&'()*+,;=:@":
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _result(f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.policy_id,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message + (f"\nRemediation: {f.remediation}" if f.remediation else "")},
    }
    location: dict[str, Any] = {}
    loc = f.location
    if loc.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "%SRCROOT%"}}
        if loc.line:
            region: dict[str, Any] = {"startLine": loc.line}
            if loc.column:
                region["startColumn"] = loc.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if f.subject.ref and f.subject.ref != loc.path:
        location["logicalLocations"] = [{
            "name": f.subject.ref.rsplit(".", 1)[-1] if f.subject.type == "table" else f.subject.ref,
            "fullyQualifiedName": f.subject.ref,
            "kind": LOGICAL_KIND.get(f.subject.type, "object"),
        }]
    if location:
        result["locations"] = [location]
    fp = f.to_dict()["fingerprint"]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fp}
    if f.waiver is not None:
        w = f.waiver
        justification = w.reason
        if w.owner:
            justification += f" (owner {w.owner}"
            justification += f", expires {w.expires})" if w.expires else ")"
        result["suppressions"] = [{
            "kind": "inSource" if w.source == "inline" else "external",
            "status": "accepted",
            "justification": justification,
        }]
    if f.baseline_status in ("new", "unchanged"):
        result["baselineState"] = f.baseline_status
    props: dict[str, Any] = {"kind": f.kind, "subjectType": f.subject.type}
    if f.subject.domain:
        props["domain"] = f.subject.domain
    if f.evidence:
        props["evidence"] = dict(f.evidence)
    result["properties"] = props
    return result


def to_sarif(report: Report) -> dict[str, Any]:
    policies = {p.id: p for p in report.policies}
    for f in report.findings:
        policies.setdefault(f.policy_id, _fallback_policy(f))
    ordered = sorted(policies.values(), key=lambda p: p.id)
    index = {p.id: i for i, p in enumerate(ordered)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "meshgov",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": [_rule(p) for p in ordered],
            }
        },
        "automationDetails": {
            "id": f"meshgov/{report.run.mode}/{report.run.domain or 'mesh'}/",
        },
        "invocations": [_invocation(report)],
        "results": [_result(f, index[f.policy_id]) for f in sort_findings(report.findings)],
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": report.summary()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _invocation(report: Report) -> dict[str, Any]:
    inv: dict[str, Any] = {"executionSuccessful": True}
    if report.run.started_at:
        inv["startTimeUtc"] = _utc(report.run.started_at)
    if report.run.finished_at:
        inv["endTimeUtc"] = _utc(report.run.finished_at)
    notes = [{"message": {"text": n}, "level": "note"} for n in report.notes]
    if notes:
        inv["toolExecutionNotifications"] = notes
    return inv


def _utc(ts: str) -> str:
    return ts[:-6] + "Z" if ts.endswith("+00:00") else ts


def render(report: Report, *, color: bool = False) -> str:
    return _json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"
