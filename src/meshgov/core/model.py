"""The data every part of meshgov exchanges: policies, findings and the report.

Everything here is a frozen dataclass over plain values so that evaluators return data,
formatters read data, and two runs over the same inputs serialize byte-identically.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from meshgov.core.sections import BaselineTrend, Scorecard, WorkspaceStatus

Kind = Literal["code", "infra", "data"]
Severity = Literal["error", "warning", "info"]
FailOn = Literal["error", "warning", "never", "new"]
Source = Literal["global", "local"]

KINDS: tuple[Kind, ...] = ("code", "infra", "data")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: Mapping[str, int] = {"error": 3, "warning": 2, "info": 1}

#: Subject types of the report schema (DESIGN.md) plus ``config`` for findings about
#: ``meshgov.yaml`` or a policy pack itself (federation, waivers).
SUBJECT_TYPES: tuple[str, ...] = (
    "sql",
    "dbt_model",
    "terraform_resource",
    "cluster",
    "warehouse",
    "job",
    "bundle",
    "arm_resource",
    "table",
    "workspace",
    "config",
)


@dataclass(frozen=True)
class Policy:
    """One rule the council or a domain wrote, as the catalog holds it.

    ``rule`` names the implementation (a code rule in the code registry, a Rego package, a
    data rule of the vocabulary); ``params`` are this policy's own literal parameters.
    """

    id: str
    kind: Kind
    title: str
    severity: Severity = "error"
    description: str = ""
    rationale: str = ""
    remediation: str = ""
    enforced: bool = False
    source: Source = "global"
    rule: str = ""
    scope: Mapping[str, Any] = field(default_factory=dict, hash=False)
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    origin: str = ""  # file the policy was declared in
    example: str = ""  # a short violating example, shown by `meshgov policy show`

    def to_report(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "severity": self.severity,
            "source": self.source,
            "enforced": self.enforced,
        }


@dataclass(frozen=True)
class Subject:
    type: str
    ref: str
    domain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "ref": self.ref, "domain": self.domain}


@dataclass(frozen=True)
class Location:
    path: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Waiver:
    """A waiver as declared in meshgov.yaml, a council pack, or inline in SQL."""

    policy: str
    subject: str
    reason: str
    owner: str = ""
    expires: str | None = None  # ISO date, None for inline suppressions
    source: str = "domain"  # domain | council | inline
    origin: str = ""  # file:line the waiver was declared at

    def to_report(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "source": self.source,
            "subject": self.subject,
        }


@dataclass(frozen=True)
class Finding:
    policy_id: str
    kind: Kind
    severity: Severity
    message: str
    subject: Subject
    location: Location = Location()
    remediation: str = ""
    waiver: Waiver | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: stable identity of the matched content (not the line number): baseline and SARIF use it
    fingerprint: str = ""
    #: set by the baseline comparison: "new" or "unchanged"
    baseline_status: str | None = None

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.path or "",
            loc.line or 0,
            self.policy_id,
            loc.column or 0,
            self.subject.ref,
            self.message,
        )

    def with_fingerprint(self, *parts: str) -> Finding:
        """Return a copy whose fingerprint hashes policy, subject and the given content parts."""
        return replace(self, fingerprint=fingerprint(self.policy_id, self.subject.ref, *parts))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "policy_id": self.policy_id,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "remediation": self.remediation,
            "subject": self.subject.to_dict(),
            "location": self.location.to_dict(),
            "waiver": self.waiver.to_report() if self.waiver else None,
            "evidence": dict(self.evidence),
            "fingerprint": self.fingerprint
            or fingerprint(self.policy_id, self.subject.ref, self.message),
        }
        if self.baseline_status is not None:
            out["baseline_status"] = self.baseline_status
        return out


def fingerprint(*parts: str) -> str:
    """A short stable hash of the parts (whitespace-normalized)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(" ".join(str(part).split()).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def sort_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.sort_key))


def utc_now() -> str:
    """The current UTC time as RunInfo records it (ISO 8601, whole seconds)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class RunInfo:
    mode: str = "check"  # check | gate | audit
    started_at: str = ""
    finished_at: str = ""
    engine: str = ""
    domain: str | None = None
    inputs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "engine": self.engine,
            "domain": self.domain,
            "inputs": self.inputs,
        }


REPORT_SCHEMA_ID = "meshgov.report/v1"


@dataclass(frozen=True)
class Report:
    """The one compliance report. ``summary`` is derived, never stored."""

    tool_version: str
    run: RunInfo
    policies: tuple[Policy, ...]
    findings: tuple[Finding, ...]
    fail_on: FailOn = "error"
    #: human-readable notes about the run (e.g. "data checks skipped: no tables bound")
    notes: tuple[str, ...] = ()
    #: findings of the baseline that are gone in this run (set by the baseline comparison)
    fixed: tuple[Mapping[str, Any], ...] = ()
    #: which previous run the baseline comparison used (``--baseline``)
    baseline: BaselineTrend | None = None
    #: the data products' scorecards (full runs and the audit)
    scorecards: tuple[Scorecard, ...] = ()
    #: the audit's per-workspace status
    workspaces: tuple[WorkspaceStatus, ...] = ()

    def is_blocking(self, f: Finding) -> bool:
        if f.waived:
            return False
        if self.fail_on == "never":
            return False
        if self.fail_on == "new":
            return f.severity == "error" and f.baseline_status != "unchanged"
        threshold = SEVERITY_RANK["warning" if self.fail_on == "warning" else "error"]
        return SEVERITY_RANK[f.severity] >= threshold

    @cached_property
    def blocking(self) -> tuple[Finding, ...]:
        """Computed once per report (the report is frozen): the summary, every format and the
        exit code ask for it."""
        return tuple(f for f in self.findings if self.is_blocking(f))

    @property
    def passed(self) -> bool:
        return not self.blocking

    def summary(self) -> dict[str, Any]:
        by_severity = {s: 0 for s in SEVERITIES}
        by_kind = {k: 0 for k in KINDS}
        waived = 0
        for f in self.findings:
            if f.waived:
                waived += 1
                continue
            by_severity[f.severity] += 1
            by_kind[f.kind] += 1
        return {
            "passed": self.passed,
            "findings": len(self.findings) - waived,
            "blocking": len(self.blocking),
            "waived": waived,
            "by_severity": by_severity,
            "by_kind": by_kind,
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": REPORT_SCHEMA_ID,
            "tool": {"name": "meshgov", "version": self.tool_version},
            "run": self.run.to_dict(),
            "summary": self.summary(),
            "policies": [_report_policy(p) for p in sorted(self.policies, key=lambda p: p.id)],
            "findings": [f.to_dict() for f in sort_findings(self.findings)],
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.fixed:
            out["fixed"] = [dict(x) for x in self.fixed]
        if self.baseline is not None:
            out["baseline"] = self.baseline.to_dict()
        if self.scorecards:
            out["scorecards"] = [c.to_dict() for c in self.scorecards]
        if self.workspaces:
            out["workspaces"] = [w.to_dict() for w in self.workspaces]
        return out


def _report_policy(policy: Policy) -> dict[str, Any]:
    """A policy as the report lists it: the catalog entry plus the texts formats show
    (SARIF rule help, HTML), so that a saved report re-renders without the catalog."""
    out = policy.to_report()
    for key in ("description", "remediation"):
        value = getattr(policy, key)
        if value:
            out[key] = value
    return out
