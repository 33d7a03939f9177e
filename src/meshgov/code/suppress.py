"""Inline suppressions: ``-- meshgov:ignore POLICY-ID reason`` on the line or the line above."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from meshgov.core import builtin
from meshgov.core.model import Finding, Location, Subject, Waiver

_PATTERN = re.compile(r"--\s*meshgov:ignore\b[ \t]*(?P<ids>[A-Za-z0-9_,\-]*)[ \t]*(?P<reason>[^\r\n]*)")


@dataclass(frozen=True)
class Suppression:
    line: int
    policy_ids: tuple[str, ...]
    reason: str


def find_suppressions(source: str) -> list[Suppression]:
    if "meshgov:ignore" not in source:
        return []
    out = []
    for lineno, line in enumerate(source.splitlines(), start=1):
        m = _PATTERN.search(line)
        if m:
            ids = tuple(i for i in m.group("ids").split(",") if i)
            out.append(Suppression(lineno, ids, m.group("reason").strip()))
    return out


def apply_suppressions(
    findings: Sequence[Finding], source: str, path: str, subject: Subject
) -> list[Finding]:
    """Mark findings suppressed inline; report suppressions without reason or without effect."""
    sups = find_suppressions(source)
    if not sups:
        return list(findings)
    used: set[int] = set()
    out = []
    for f in findings:
        waiver = None
        if f.location.line is not None and f.policy_id != builtin.INPUT:
            for i, s in enumerate(sups):
                if f.policy_id in s.policy_ids and s.line in (f.location.line, f.location.line - 1):
                    used.add(i)
                    if s.reason:
                        waiver = Waiver(f.policy_id, path, s.reason, source="inline",
                                        origin=f"{path}:{s.line}")
                    break
        out.append(replace(f, waiver=waiver) if waiver else f)
    meta = builtin.META_POLICIES[builtin.SUPPRESS]
    for i, s in enumerate(sups):
        problem = None
        if not s.policy_ids:
            problem = "names no policy id"
        elif not s.reason:
            problem = f"for {', '.join(s.policy_ids)} has no reason; it suppresses nothing"
        elif i not in used:
            problem = f"for {', '.join(s.policy_ids)} suppresses nothing on this or the next line"
        if problem:
            out.append(
                Finding(
                    policy_id=builtin.SUPPRESS,
                    kind="code",
                    severity=meta.severity,
                    message=f"inline suppression {problem}",
                    remediation=meta.remediation,
                    subject=subject,
                    location=Location(path, s.line, None),
                ).with_fingerprint(",".join(s.policy_ids), s.reason)
            )
    return out
