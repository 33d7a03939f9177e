"""Apply waivers to findings: federation rules, expiry, and reporting of stale waivers.

A waiver matches a finding when the policy ids are equal and its ``subject`` matches the
finding's location path or subject ref (exact, or a glob such as ``models/legacy/*.sql``).

- an expired waiver waives nothing and is itself a finding (MG-WAIVER-001);
- a domain waiver that matches nothing is a finding (MG-WAIVER-002);
- a global policy marked ``enforced`` is waived only by the council's ``approved_waivers``:
  a domain's own waiver of it (in meshgov.yaml or inline in SQL) is a finding (MG-WAIVER-003)
  and waives nothing.

Waiver findings point at the line of the waiver in ``meshgov.yaml`` (or the council's pack).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from meshgov.core import builtin
from meshgov.core.catalog import Catalog
from meshgov.core.model import Finding, Location, Subject, Waiver
from meshgov.core.yamlpos import origin_position


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


def is_expired(waiver: Waiver, today: _dt.date) -> bool:
    return bool(waiver.expires) and str(waiver.expires) < today.isoformat()


def waiver_location(waiver: Waiver, config_path: str, root: Path | None) -> Location:
    """Where a waiver is declared: ``meshgov.yaml`` (shown as ``config_path``) or the council
    pack (relative to the domain root when given), with the line of its list item."""
    if waiver.source == "inline":
        path, _, line = waiver.origin.rpartition(":")
        return Location(path=path or waiver.subject, line=int(line) if line.isdigit() else None)
    if not waiver.origin:
        return Location(path=config_path)
    file, pos = origin_position(waiver.origin)
    shown = config_path
    if waiver.source == "council":
        shown = file
        if root is not None:
            try:
                shown = Path(os.path.relpath(file, root)).as_posix()
            except ValueError:  # another drive on Windows
                shown = file
    line, column = pos if pos else (None, None)
    return Location(path=shown, line=line, column=column)


def _meta_finding(
    policy_id: str, waiver: Waiver, message: str, kind: str, location: Location,
    domain: str | None = None,
) -> Finding:
    return builtin.meta_finding(
        policy_id,
        kind=kind,  # type: ignore[arg-type]
        message=message,
        subject=Subject("config", location.path or "meshgov.yaml", domain),
        location=location,
        evidence={
            "waiver": {
                "policy": waiver.policy,
                "subject": waiver.subject,
                "reason": waiver.reason,
                "owner": waiver.owner,
                "expires": waiver.expires,
                "source": waiver.source,
            }
        },
        fingerprint=(waiver.policy, waiver.subject, waiver.source),  # type: ignore[arg-type]
    )


def apply_waivers(
    findings: Sequence[Finding],
    catalog: Catalog,
    domain_waivers: Sequence[Waiver],
    today: _dt.date,
    config_path: str = "meshgov.yaml",
    no_waivers: bool = False,
    root: Path | None = None,
    domain: str | None = None,
) -> list[Finding]:
    """Return the findings with ``waiver`` set where a valid waiver applies, plus waiver findings.

    With ``no_waivers`` every waiver (inline suppressions included) is ignored and no waiver
    finding is produced: the report shows everything as if no waiver existed.
    """
    if no_waivers:
        return [replace(f, waiver=None) if f.waiver else f for f in findings]
    council = list(catalog.approved_waivers)
    all_waivers = council + list(domain_waivers)
    n_council = len(council)
    used: set[int] = set()
    extra: list[Finding] = []

    def kind_of(policy_id: str) -> str:
        p = catalog.get(policy_id)
        return p.kind if p else "code"

    def where(w: Waiver) -> Location:
        return waiver_location(w, config_path, root)

    for i, w in enumerate(all_waivers):
        if is_expired(w, today):
            used.add(i)  # reported as expired, not as unused
            extra.append(
                _meta_finding(
                    builtin.WAIVER_EXPIRED,
                    w,
                    f"waiver of {w.policy} for '{w.subject}' (owner {w.owner}) expired on "
                    f"{w.expires}; it no longer waives",
                    kind_of(w.policy),
                    where(w),
                    domain,
                )
            )
    unapproved_reported: set[int] = set()

    def unapproved(i: int, w: Waiver, f: Finding) -> None:
        used.add(i)
        if i in unapproved_reported:
            return
        unapproved_reported.add(i)
        extra.append(
            _meta_finding(
                builtin.WAIVER_UNAPPROVED,
                w,
                f"{f.policy_id} is enforced by the council: the domain's waiver for "
                f"'{w.subject}' is not approved and waives nothing",
                f.kind,
                where(w),
                domain,
            )
        )

    out: list[Finding] = []
    inline_reported: set[tuple[str, str]] = set()
    for f in findings:
        policy = catalog.get(f.policy_id)
        enforced = bool(policy and policy.enforced and policy.source == "global")
        if f.waiver is not None:  # inline suppression already applied by the evaluator
            if enforced and f.waiver.source == "inline":
                key = (f.policy_id, f.waiver.origin)
                if key not in inline_reported:
                    inline_reported.add(key)
                    loc = where(f.waiver)
                    extra.append(
                        replace(
                            _meta_finding(
                                builtin.WAIVER_UNAPPROVED,
                                f.waiver,
                                f"{f.policy_id} is enforced by the council: the inline "
                                "suppression is not approved and suppresses nothing",
                                f.kind,
                                loc,
                                f.subject.domain,
                            ),
                            subject=f.subject,
                        )
                    )
                f = replace(f, waiver=None)
            else:
                out.append(f)
                continue
        applied: Waiver | None = None
        for i, w in enumerate(all_waivers):
            if not matches(w, f) or is_expired(w, today):
                continue
            if enforced and i >= n_council:
                unapproved(i, w, f)
                continue
            used.add(i)  # a second matching waiver is redundant, not stale
            if applied is None:
                applied = w
        out.append(replace(f, waiver=applied) if applied else f)
    for i, w in enumerate(all_waivers):
        if i >= n_council and i not in used:
            extra.append(
                _meta_finding(
                    builtin.WAIVER_UNUSED,
                    w,
                    f"waiver of {w.policy} for '{w.subject}' matches no finding; remove it"
                    if catalog.get(w.policy) is not None else
                    f"waiver names {w.policy}, which is not a policy in force; fix the id or "
                    "remove the waiver",
                    kind_of(w.policy),
                    where(w),
                    domain,
                )
            )
    return out + extra
