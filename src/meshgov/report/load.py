"""Read a saved JSON report (``meshgov.report/v1``) back into a :class:`Report`.

Faithful enough that every format re-renders it: policies with their texts, findings with
waivers, fingerprints and baseline status, notes, fixed findings and the optional sections
(scorecards, baseline, workspaces, ...). ``fail_on`` is not stored in the report; it is the
threshold that reproduces the saved ``summary.blocking`` (the thresholds are nested, so an
equal count means an equal set of blocking findings).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from meshgov.core.errors import UsageError
from meshgov.core.sections import sections_from_dict
from meshgov.core.model import (
    KINDS,
    REPORT_SCHEMA_ID,
    SEVERITIES,
    FailOn,
    Finding,
    Location,
    Policy,
    Report,
    RunInfo,
    Subject,
    Waiver,
)

_FAIL_ON_ORDER: tuple[FailOn, ...] = ("error", "warning", "new", "never")


def read_json(path: Path) -> Mapping[str, Any]:
    """Parse a saved report file; anything that is not a meshgov report is a usage error."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the report: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(doc, Mapping) or doc.get("schema") != REPORT_SCHEMA_ID:
        raise UsageError(f"{path}: not a meshgov report (expected \"schema\": \"{REPORT_SCHEMA_ID}\")")
    if not isinstance(doc.get("findings"), list):
        raise UsageError(f"{path}: the report has no findings list")
    return cast(Mapping[str, Any], doc)


def _str(v: Any, default: str = "") -> str:
    return v if isinstance(v, str) else default


def _opt_int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def policy_from_dict(d: Mapping[str, Any]) -> Policy:
    kind = d.get("kind") if d.get("kind") in KINDS else "code"
    severity = d.get("severity") if d.get("severity") in SEVERITIES else "error"
    return Policy(
        id=_str(d.get("id"), "?"),
        kind=kind,  # type: ignore[arg-type]
        title=_str(d.get("title")),
        severity=severity,  # type: ignore[arg-type]
        description=_str(d.get("description")),
        remediation=_str(d.get("remediation")),
        enforced=bool(d.get("enforced", False)),
        source="local" if d.get("source") == "local" else "global",
    )


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    subject = d.get("subject") or {}
    location = d.get("location") or {}
    waiver_d = d.get("waiver")
    waiver = None
    if isinstance(waiver_d, Mapping):
        waiver = Waiver(
            policy=_str(d.get("policy_id")),
            subject=_str(waiver_d.get("subject"), _str(subject.get("ref"))),
            reason=_str(waiver_d.get("reason")),
            owner=_str(waiver_d.get("owner")),
            expires=waiver_d.get("expires") if isinstance(waiver_d.get("expires"), str) else None,
            source=_str(waiver_d.get("source"), "domain"),
        )
    kind = d.get("kind") if d.get("kind") in KINDS else "code"
    severity = d.get("severity") if d.get("severity") in SEVERITIES else "error"
    status = d.get("baseline_status")
    return Finding(
        policy_id=_str(d.get("policy_id"), "?"),
        kind=kind,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        message=_str(d.get("message")),
        subject=Subject(_str(subject.get("type"), "sql"), _str(subject.get("ref")),
                        subject.get("domain") if isinstance(subject.get("domain"), str) else None),
        location=Location(
            location.get("path") if isinstance(location.get("path"), str) else None,
            _opt_int(location.get("line")),
            _opt_int(location.get("column")),
        ),
        remediation=_str(d.get("remediation")),
        waiver=waiver,
        evidence=dict(d.get("evidence") or {}),
        fingerprint=_str(d.get("fingerprint")),
        baseline_status=status if status in ("new", "unchanged") else None,
    )


def report_from_dict(doc: Mapping[str, Any]) -> Report:
    run = doc.get("run") or {}
    report = Report(
        tool_version=_str((doc.get("tool") or {}).get("version"), "?"),
        run=RunInfo(
            mode=_str(run.get("mode"), "check"),
            started_at=_str(run.get("started_at")),
            finished_at=_str(run.get("finished_at")),
            engine=_str(run.get("engine")),
            domain=run.get("domain") if isinstance(run.get("domain"), str) else None,
            inputs=_opt_int(run.get("inputs")) or 0,
        ),
        policies=tuple(policy_from_dict(p) for p in doc.get("policies") or () if isinstance(p, Mapping)),
        findings=tuple(finding_from_dict(f) for f in doc["findings"] if isinstance(f, Mapping)),
        notes=tuple(str(n) for n in doc.get("notes") or ()),
        fixed=tuple(dict(x) for x in doc.get("fixed") or () if isinstance(x, Mapping)),
        **sections_from_dict(doc),
    )
    saved = doc.get("summary") or {}
    blocking = saved.get("blocking")
    if isinstance(blocking, int):
        for fail_on in _FAIL_ON_ORDER:
            candidate = replace(report, fail_on=fail_on)
            if len(candidate.blocking) == blocking and candidate.passed == saved.get("passed", not blocking):
                return candidate
    return report


def load_report(path: Path) -> Report:
    """A saved JSON report as a Report (raises UsageError when the file is not one)."""
    return report_from_dict(read_json(Path(path)))
