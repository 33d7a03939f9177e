"""Apply waivers to findings: federation rules, expiry, and reporting of stale waivers.

A waiver matches a finding when the policy ids are equal and its ``subject`` matches the
finding's location path or subject ref (exact, or a glob such as ``models/legacy/*.sql``).

- an expired waiver waives nothing and is itself a finding (MG-WAIVER-001);
- a waiver that matches nothing is a finding (MG-WAIVER-002);
- a global policy marked ``enforced`` is waived only by the council's ``approved_waivers``:
  a domain's own waiver of it is a finding (MG-WAIVER-003) and waives nothing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from meshgov.core import builtin
from meshgov.core.catalog import Catalog
from meshgov.core.model import Finding, Location, Subject, Waiver


def matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.policy != finding.policy_id:
        return False
    pattern = waiver.subject
    candidates = [finding.subject.ref]
    if finding.location.path:
        candidates.append(finding.location.path)
    for c in candidates:
        if c == pattern or fnmatchcase(c, pattern) or fnmatchcase(c.lower(), pattern.lower()):
            return True
    return False


def _meta_finding(policy_id: str, waiver: Waiver, message: str, kind: str, path: str) -> Finding:
    meta = builtin.META_POLICIES[policy_id]
    return Finding(
        policy_id=policy_id,
        kind=kind,  # type: ignore[arg-type]
        severity=meta.severity,
        message=message,
        remediation=meta.remediation,
        subject=Subject("config", path),
        location=Location(path=path),
        evidence={
            "waiver": {
                "policy": waiver.policy,
                "subject": waiver.subject,
                "owner": waiver.owner,
                "expires": waiver.expires,
            }
        },
    ).with_fingerprint(waiver.policy, waiver.subject)


def apply_waivers(
    findings: Sequence[Finding],
    catalog: Catalog,
    domain_waivers: Sequence[Waiver],
    today: _dt.date,
    config_path: str = "meshgov.yaml",
    no_waivers: bool = False,
) -> list[Finding]:
    """Return the findings with ``waiver`` set where a valid waiver applies, plus waiver findings.

    With ``no_waivers`` every waiver (inline suppressions included) is ignored and no waiver
    finding is produced: the report shows everything as if no waiver existed.
    """
    if no_waivers:
        return [replace(f, waiver=None) if f.waiver else f for f in findings]
    out: list[Finding] = []
    used: set[int] = set()
    extra: list[Finding] = []
    council = list(catalog.approved_waivers)
    domain = list(domain_waivers)
    all_waivers = council + domain
    today_s = today.isoformat()

    def kind_of(policy_id: str) -> str:
        p = catalog.get(policy_id)
        return p.kind if p else "code"

    for i, w in enumerate(all_waivers):
        if w.expires and w.expires < today_s:
            used.add(i)  # reported as expired, not as unused
            extra.append(
                _meta_finding(
                    builtin.WAIVER_EXPIRED,
                    w,
                    f"waiver of {w.policy} for '{w.subject}' (owner {w.owner}) expired on "
                    f"{w.expires}; it no longer waives",
                    kind_of(w.policy),
                    config_path,
                )
            )
    unapproved_reported: set[int] = set()
    for f in findings:
        if f.waiver is not None:  # inline suppression already applied by the evaluator
            out.append(f)
            continue
        policy = catalog.get(f.policy_id)
        enforced = bool(policy and policy.enforced and policy.source == "global")
        applied: Waiver | None = None
        for i, w in enumerate(all_waivers):
            if not matches(w, f):
                continue
            if w.expires and w.expires < today_s:
                continue
            is_council = i < len(council)
            if enforced and not is_council:
                used.add(i)
                if i not in unapproved_reported:
                    unapproved_reported.add(i)
                    extra.append(
                        _meta_finding(
                            builtin.WAIVER_UNAPPROVED,
                            w,
                            f"{f.policy_id} is enforced by the council: the domain's waiver for "
                            f"'{w.subject}' is not approved and waives nothing",
                            f.kind,
                            config_path,
                        )
                    )
                continue
            used.add(i)
            applied = w
            break
        out.append(replace(f, waiver=applied) if applied else f)
    for i, w in enumerate(domain, start=len(council)):
        if i not in used:
            extra.append(
                _meta_finding(
                    builtin.WAIVER_UNUSED,
                    w,
                    f"waiver of {w.policy} for '{w.subject}' matches no finding; remove it",
                    kind_of(w.policy),
                    config_path,
                )
            )
    return out + extra
