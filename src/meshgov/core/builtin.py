"""Policies meshgov itself enforces about its inputs and its governance model.

They are not in any pack: they cannot be disabled, and they appear in a report's policy list
only when one of them produced a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meshgov.core.model import Finding, Kind, Location, Policy, Subject

INPUT = "MG-INPUT"
SKIPPED = "MG-SKIPPED"
SUPPRESS = "MG-SUPPRESS"
GOV_LOOSEN = "MG-GOV-001"
GOV_OVERRIDE = "MG-GOV-002"
WAIVER_EXPIRED = "MG-WAIVER-001"
WAIVER_UNUSED = "MG-WAIVER-002"
WAIVER_UNAPPROVED = "MG-WAIVER-003"

_META = (
    Policy(
        id=INPUT,
        kind="code",
        title="Every input can be read and parsed",
        severity="error",
        enforced=True,
        description="An input that cannot be parsed cannot be checked; the run fails closed.",
        remediation="Fix the syntax error at the reported position, or exclude the file.",
        rule="meta",
    ),
    Policy(
        id=SUPPRESS,
        kind="code",
        title="Inline suppressions name a policy, carry a reason and suppress something",
        severity="warning",
        description="`-- meshgov:ignore POLICY-ID reason` on the line of a finding or the line above.",
        remediation="Add a reason after the policy id, or remove the stale suppression.",
        rule="meta",
    ),
    Policy(
        id=GOV_LOOSEN,
        kind="code",
        title="A domain may tighten global parameters, never loosen them",
        severity="error",
        enforced=True,
        description="A domain parameter that is looser than the council's value is ignored.",
        remediation="Remove the parameter from meshgov.yaml or set it at least as strict.",
        rule="meta",
    ),
    Policy(
        id=GOV_OVERRIDE,
        kind="code",
        title="A domain may not disable or redefine a global policy",
        severity="error",
        enforced=True,
        description="Disabling or redefining a global policy id locally has no effect.",
        remediation="Use a waiver with a reason, an owner and an expiry instead.",
        rule="meta",
    ),
    Policy(
        id=SKIPPED,
        kind="code",
        title="Nothing is skipped in silence (--strict)",
        severity="error",
        description="Under --strict: a file given on the command line that meshgov has no reader "
        "for, or inputs of a kind while no policy of that kind is in force. Without --strict the "
        "same is a note of the report.",
        remediation="Check the file type (see the supported inputs), enable policies of that "
        "kind, or run without --strict.",
        rule="meta",
    ),
    Policy(
        id=WAIVER_EXPIRED,
        kind="code",
        title="Waivers expire",
        severity="error",
        description="An expired waiver no longer waives anything.",
        remediation="Fix the findings, or renew the waiver with a new expiry and reason.",
        rule="meta",
    ),
    Policy(
        id=WAIVER_UNUSED,
        kind="code",
        title="Waivers match something",
        severity="warning",
        description="A waiver that matches no finding is stale.",
        remediation="Remove the waiver.",
        rule="meta",
    ),
    Policy(
        id=WAIVER_UNAPPROVED,
        kind="code",
        title="Enforced policies are waived only by the council",
        severity="error",
        enforced=True,
        description="A global policy marked enforced can only be waived by a waiver the council "
        "approved in its pack (approved_waivers).",
        remediation="Ask the governance council to approve the waiver in its pack.",
        rule="meta",
    ),
)

META_POLICIES: Mapping[str, Policy] = {p.id: p for p in _META}


def meta_finding(policy_id: str, *, kind: Kind, message: str, subject: Subject,
                 location: Location, severity: str | None = None,
                 evidence: Mapping[str, Any] | None = None, remediation: str | None = None,
                 fingerprint: Sequence[str] | None = None) -> Finding:
    """A finding of a meta policy (MG-INPUT, MG-SKIPPED, MG-WAIVER...): the one builder of every
    evaluator's and the run's meta findings.

    Severity and remediation are the meta policy's unless given; the fingerprint is built from
    ``fingerprint`` (what identifies the problem across runs), by default from the message."""
    meta = META_POLICIES[policy_id]
    return Finding(
        policy_id=policy_id,
        kind=kind,
        severity=severity or meta.severity,  # type: ignore[arg-type]
        message=message,
        remediation=meta.remediation if remediation is None else remediation,
        subject=subject,
        location=location,
        evidence=dict(evidence or {}),
    ).with_fingerprint(*(fingerprint if fingerprint is not None else (message,)))
