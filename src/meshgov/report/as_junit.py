"""``--format junit``: JUnit XML for CI test reporters (Azure DevOps, GitLab, Jenkins, ...).

- one ``<testsuite>`` per policy kind (code, infra, data), named ``meshgov.<kind>``;
- one ``<testcase>`` per policy x subject that has findings (``classname`` = policy id,
  ``name`` = the subject), and one passing ``<testcase>`` per policy without any finding;
- every unwaived finding of a case is in its ``<failure>`` (an unparsable input, MG-INPUT, makes
  it an ``<error>``); the failure's ``type`` is ``POLICY:severity`` and says whether the finding
  blocks under ``--fail-on`` (``:blocking``), so a reporter can tell a warning from a gate failure;
- a case whose findings are all waived is ``<skipped>`` with the waiver; waived findings next to
  open ones are listed in ``<system-out>``;
- the report's notes (what was not checked, among others) are the ``<system-out>`` of the suite
  of the kind they name (others: the first suite).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from meshgov.core import builtin
from meshgov.core.model import KINDS, SEVERITY_RANK, Finding, Report, sort_findings


def _line(f: Finding) -> str:
    loc = f.location
    where = loc.path or f.subject.ref
    if loc.path and loc.line:
        where += f":{loc.line}" + (f":{loc.column}" if loc.column else "")
    return f"{where}: {f.severity}: {f.policy_id}: {f.message}"


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters, even escaped
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def to_element(report: Report) -> ET.Element:
    kind_of = {p.id: p.kind for p in report.policies}
    groups: dict[str, dict[tuple[str, str], list[Finding]]] = {k: defaultdict(list) for k in KINDS}
    for f in sort_findings(report.findings):
        kind = kind_of.get(f.policy_id, f.kind)
        groups[kind][(f.policy_id, f.subject.ref)].append(f)
    with_findings = {pid for g in groups.values() for pid, _ in g}
    root = ET.Element("testsuites", name="meshgov")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for kind in KINDS:
        suite = ET.SubElement(root, "testsuite", name=f"meshgov.{kind}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        cases: list[tuple[str, str, list[Finding]]] = [
            (pid, ref, fs) for (pid, ref), fs in groups[kind].items()
        ]
        cases += [
            (p.id, "", []) for p in report.policies if p.kind == kind and p.id not in with_findings
        ]
        for pid, ref, fs in sorted(cases, key=lambda c: (c[0], c[1])):
            case = ET.SubElement(suite, "testcase", classname=f"{kind}.{pid}",
                                 name=_clean(f"{pid} {ref}" if ref else f"{pid} (no finding)"))
            if fs and fs[0].location.path:
                case.set("file", _clean(fs[0].location.path))
                if fs[0].location.line:
                    case.set("line", str(fs[0].location.line))
            case.set("time", "0")
            counts["tests"] += 1
            open_fs = [f for f in fs if not f.waived]
            waived = [f for f in fs if f.waived]
            if open_fs:
                tag = "error" if any(f.policy_id == builtin.INPUT for f in open_fs) else "failure"
                first = max(open_fs, key=lambda f: (report.is_blocking(f), SEVERITY_RANK[f.severity]))
                kind_of_failure = f"{first.policy_id}:{first.severity}" + \
                    (":blocking" if any(report.is_blocking(f) for f in open_fs) else "")
                el = ET.SubElement(case, tag, message=_clean(first.message), type=kind_of_failure)
                text = "\n".join(_line(f) + ("" if report.is_blocking(f) else " (not blocking)")
                                 for f in open_fs)
                if first.remediation:
                    text += f"\nremediation: {first.remediation}"
                el.text = _clean(text)
                counts["errors" if tag == "error" else "failures"] += 1
                if waived:
                    out = ET.SubElement(case, "system-out")
                    out.text = _clean("\n".join(_line(f) + " (waived)" for f in waived))
            elif waived:
                w = waived[0].waiver
                assert w is not None
                msg = f"waived: {w.reason}"
                if w.owner or w.expires:
                    msg += " (" + ", ".join(x for x in (
                        f"owner {w.owner}" if w.owner else "",
                        f"expires {w.expires}" if w.expires else "") if x) + ")"
                ET.SubElement(case, "skipped", message=_clean(msg))
                counts["skipped"] += 1
        notes = [n for n in report.notes if n.startswith(f"{kind}:")
                 or (kind == KINDS[0] and not any(n.startswith(f"{k}:") for k in KINDS))]
        if notes:  # what the run did not check, among others: visible to the reporter
            ET.SubElement(suite, "system-out").text = _clean("\n".join(f"note: {n}" for n in notes))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
        if report.run.started_at:
            suite.set("timestamp", report.run.started_at.replace("+00:00", ""))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    return root


def render(report: Report, *, color: bool = False) -> str:
    root = to_element(report)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
