"""Inline suppressions: ``-- meshgov:ignore POLICY-ID reason`` on the line or the line above.

Syntax (case-insensitive keyword and ids)::

    -- meshgov:ignore MG-C-002 legacy export, ticket DATA-7
    -- meshgov:ignore MG-C-002,MG-C-003: two ids, a colon or dash before the reason is fine
    /* meshgov:ignore MG-C-005 reason */

A suppression covers findings of the named policies on its own line and on the next line. It
is itself reported (``MG-SUPPRESS``) when it names no policy, names a policy the catalog does
not know, has no reason (it then suppresses nothing), or suppresses nothing. ``MG-INPUT`` and
``MG-SUPPRESS`` cannot be suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from meshgov.core import builtin
from meshgov.core.model import Finding, Location, Subject, Waiver

_MARK = "meshgov:ignore"
_PATTERN = re.compile(
    r"(?:--|/\*)[ \t]*meshgov:ignore\b(?P<rest>[^\n]*)", re.IGNORECASE
)
_ID = r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"
_IDS = re.compile(rf"[ \t]*(?P<ids>{_ID}(?:[ \t]*,[ \t]*{_ID})*)(?P<reason>.*)$")
UNSUPPRESSIBLE = frozenset({builtin.INPUT, builtin.SUPPRESS})


@dataclass(frozen=True)
class Suppression:
    line: int
    policy_ids: tuple[str, ...]
    reason: str
    column: int = 1


def _in_string(line: str, pos: int) -> bool:
    """True if ``pos`` is inside a '...' literal opened earlier on the line."""
    return line.count("'", 0, pos) % 2 == 1


def parse_suppression(comment_rest: str) -> tuple[tuple[str, ...], str]:
    """(ids, reason) from the text after ``meshgov:ignore``."""
    rest = comment_rest.split("*/", 1)[0].lstrip(" \t:")
    m = _IDS.match(rest)
    if not m:
        return (), rest.strip()
    ids = tuple(dict.fromkeys(i.strip().upper() for i in m.group("ids").split(",") if i.strip()))
    reason = m.group("reason").strip().lstrip(":-–—").strip()
    return ids, reason


def find_suppressions(source: str) -> list[Suppression]:
    if _MARK not in source.lower():
        return []
    out = []
    # lines are counted on "\n" only, as sqlglot counts them
    for lineno, line in enumerate(source.split("\n"), start=1):
        if _MARK not in line.lower():
            continue
        for m in _PATTERN.finditer(line):
            if _in_string(line, m.start()):
                continue
            ids, reason = parse_suppression(m.group("rest"))
            out.append(Suppression(lineno, ids, reason, m.start() + 1))
            break
    return out


def apply_suppressions(
    findings: Sequence[Finding],
    source: str,
    path: str,
    subject: Subject,
    known_ids: Collection[str] | None = None,
) -> list[Finding]:
    """Mark findings suppressed inline; report suppressions without reason or without effect."""
    sups = find_suppressions(source)
    if not sups:
        return list(findings)
    used: set[tuple[int, str]] = set()
    out = []
    for f in findings:
        waiver = None
        line = f.location.line
        if line is not None and f.policy_id not in UNSUPPRESSIBLE:
            pid = f.policy_id.upper()
            for i, s in enumerate(sups):
                if pid in s.policy_ids and s.line in (line, line - 1):
                    used.add((i, pid))
                    if s.reason:
                        waiver = Waiver(f.policy_id, path, s.reason, source="inline",
                                        origin=f"{path}:{s.line}")
                    break
        out.append(replace(f, waiver=waiver) if waiver else f)
    known = {k.upper() for k in known_ids} if known_ids is not None else None
    for i, s in enumerate(sups):
        problems = []
        if not s.policy_ids:
            problems.append("names no policy id (expected: -- meshgov:ignore POLICY-ID reason)")
        elif not s.reason:
            problems.append(f"for {', '.join(s.policy_ids)} has no reason; it suppresses nothing")
        else:
            for pid in s.policy_ids:
                if pid in UNSUPPRESSIBLE:
                    problems.append(f"for {pid}: {pid} cannot be suppressed")
                elif known is not None and pid not in known:
                    problems.append(f"for {pid}: no such policy in force")
                elif (i, pid) not in used:
                    problems.append(f"for {pid} suppresses nothing on this or the next line")
        for problem in problems:
            out.append(builtin.meta_finding(
                builtin.SUPPRESS, kind="code", message=f"inline suppression {problem}",
                subject=subject, location=Location(path, s.line, s.column),
                fingerprint=(",".join(s.policy_ids), s.reason, problem)))
    return out
