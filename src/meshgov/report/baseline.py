"""``--baseline previous.json``: mark each finding new or unchanged and list the fixed ones.

A finding is identified by (policy, subject, fingerprint of the matched content), never by its
line: an edit above a finding moves it without making it new. Identical keys are matched as a
multiset (two equal findings in the baseline and three now: two unchanged, one new).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from meshgov.core.model import Finding, fingerprint
from meshgov.core.sections import BaselineTrend
from meshgov.report.load import read_json

Key = tuple[str, str, str]


def finding_key(f: Finding) -> Key:
    fp = f.fingerprint or fingerprint(f.policy_id, f.subject.ref, f.message)
    return (f.policy_id, f.subject.ref, fp)


def dict_key(d: Mapping[str, Any]) -> Key:
    subject = d.get("subject") or {}
    ref = str(subject.get("ref", ""))
    policy = str(d.get("policy_id", ""))
    fp = d.get("fingerprint") or fingerprint(policy, ref, str(d.get("message", "")))
    return (policy, ref, str(fp))


def diff(
    findings: Sequence[Finding], baseline_findings: Sequence[Mapping[str, Any]]
) -> tuple[list[Finding], tuple[dict[str, Any], ...]]:
    """(findings with baseline_status set, baseline findings that are gone)."""
    remaining = Counter(dict_key(d) for d in baseline_findings)
    status: dict[int, str] = {}
    # deterministic: earlier findings (by report order) claim the baseline entries first
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    for i in order:
        key = finding_key(findings[i])
        if remaining[key] > 0:
            remaining[key] -= 1
            status[i] = "unchanged"
        else:
            status[i] = "new"
    out = [replace(f, baseline_status=status[i]) for i, f in enumerate(findings)]
    fixed: list[dict[str, Any]] = []
    for d in baseline_findings:
        key = dict_key(d)
        if remaining[key] > 0:
            remaining[key] -= 1
            fixed.append({k: v for k, v in d.items() if k != "baseline_status"})
    return out, tuple(fixed)


def compare(
    findings: Sequence[Finding], baseline_path: Path
) -> tuple[list[Finding], tuple[dict[str, Any], ...]]:
    """The hook :func:`meshgov.api.run` calls with ``--baseline``."""
    doc = read_json(Path(baseline_path))
    return diff(findings, [d for d in doc["findings"] if isinstance(d, Mapping)])


def trend(baseline_path: Path) -> BaselineTrend:
    """The report's ``baseline`` section: which previous run this one was compared with.

    The comparison itself lives in the findings (``baseline_status``) and in ``fixed``, the one
    source the formats count from (so a merged report, e.g. the gate's, cannot disagree).
    """
    doc = read_json(Path(baseline_path))
    run = doc.get("run") or {}
    before = doc.get("summary") or {}
    return BaselineTrend(
        path=Path(baseline_path).name,
        started_at=run.get("started_at", ""),
        domain=run.get("domain"),
        before={
            "findings": before.get("findings", 0),
            "blocking": before.get("blocking", 0),
            "waived": before.get("waived", 0),
            "by_severity": before.get("by_severity", {}),
        },
    )
