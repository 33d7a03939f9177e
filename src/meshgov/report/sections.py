"""Views of a report that more than one format shows (kept here, not in a format module)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshgov.core import builtin
from meshgov.core.model import Finding, Report, sort_findings


def waiver_rows(report: Report) -> list[dict[str, Any]]:
    """Every waiver the report knows: applied ones (from waived findings) and the ones that
    are reported (expired, unused, unapproved: from the MG-WAIVER-* findings' evidence)."""
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    status_of = {builtin.WAIVER_EXPIRED: "expired", builtin.WAIVER_UNUSED: "unused",
                 builtin.WAIVER_UNAPPROVED: "not approved"}
    for f in sort_findings(report.findings):
        if f.waiver is not None:
            w = f.waiver
            key = (f.policy_id, w.subject, w.source, w.reason)
            row = rows.setdefault(key, {"policy": f.policy_id, "subject": w.subject,
                                        "reason": w.reason, "owner": w.owner,
                                        "expires": w.expires, "source": w.source,
                                        "status": "active", "findings": 0})
            row["findings"] += 1
        elif f.policy_id in status_of and isinstance(f.evidence.get("waiver"), Mapping):
            w_d = f.evidence["waiver"]
            key = (str(w_d.get("policy", "")), str(w_d.get("subject", "")),
                   str(w_d.get("source", "domain")), str(w_d.get("reason", "")))
            rows[key] = {"policy": key[0], "subject": key[1], "reason": key[3],
                         "owner": w_d.get("owner", ""), "expires": w_d.get("expires"),
                         "source": key[2], "status": status_of[f.policy_id], "findings": 0}
    return sorted(rows.values(), key=lambda r: (str(r["expires"] or "9999"), r["policy"], r["subject"]))


def workspace_rows(report: Report) -> list[dict[str, Any]]:
    """The audit's per-workspace status (``workspaces`` section), when the report has one.
    Hosts are shown without their scheme: a report names workspaces, it does not link them."""
    rows = []
    for w in report.workspaces:
        error = w.error or {}
        host = w.host
        for scheme in ("https://", "http://"):
            if host.startswith(scheme):
                host = host[len(scheme):]
        rows.append({
            "name": w.name,
            "host": host.rstrip("/"),
            "status": w.status,
            "objects": w.objects,
            "findings": w.findings if w.findings is not None else (
                0 if w.status == "ok" else "—"),
            "error": " ".join(str(error.get(k, "")) for k in ("type", "message")).strip(),
        })
    return sorted(rows, key=lambda r: r["name"])


def where(f: Finding) -> str:
    """``path:line:col`` of a finding, or its subject ref when it has no file."""
    loc = f.location
    if not loc.path:
        return f.subject.ref
    out = loc.path
    if loc.line:
        out += f":{loc.line}" + (f":{loc.column}" if loc.column else "")
    return out
