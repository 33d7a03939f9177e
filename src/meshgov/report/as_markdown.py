"""``--format markdown``: a PR comment or a job summary (``>> $GITHUB_STEP_SUMMARY``).

A status line and a summary table, then the findings grouped by policy (one table each),
then waivers, the baseline comparison and the data-product scorecards when present. Long
reports are capped per policy so a comment stays under GitHub's 65,536-character limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from meshgov.core.model import Finding, Report, sort_findings
from meshgov.core.sections import BaselineTrend, Scorecard
from meshgov.report.printable import printable
from meshgov.report.scorecard import CHARACTERISTICS
from meshgov.report.sections import waiver_rows, where, workspace_rows

MAX_ROWS_PER_POLICY = 30
MAX_CHARS = 60_000
STATUS_ICON: Mapping[str, str] = {"pass": "✅ pass", "fail": "❌ fail", "unknown": "❔ unknown"}
SEVERITY_ICON: Mapping[str, str] = {"error": "🔴 error", "warning": "🟠 warning", "info": "🔵 info"}


def cell(text: Any) -> str:
    """Text safe inside a table cell: pipes escaped, newlines as <br>, no HTML injection,
    other control characters (ANSI/OSC escapes, bidi overrides) made visible."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("*", "\\*")
    return "<br>".join(printable(part.strip()) for part in s.replace("\r", "").split("\n")) or " "


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(cell(c) for c in r) + " |")
    return out


def _status(f: Finding, report: Report) -> str:
    if f.waiver is not None:
        return f"waived ({f.waiver.reason}; expires {f.waiver.expires or 'never'})"
    parts = ["blocking" if report.is_blocking(f) else "not blocking"]
    if f.baseline_status:
        parts.append(f.baseline_status)
    return ", ".join(parts)


def render(report: Report, *, color: bool = False) -> str:
    s = report.summary()
    sev = s["by_severity"]
    kinds = s["by_kind"]
    head = "✅ meshgov: compliant" if s["passed"] else "❌ meshgov: blocking findings"
    lines = [f"## {head}", ""]
    ctx = [f"mode `{report.run.mode}`"]
    if report.run.domain:
        ctx.append(f"domain **{cell(report.run.domain)}**")
    ctx.append(f"{report.run.inputs} input(s), {len(report.policies)} policies")
    ctx.append(f"fail on `{report.fail_on}`")
    lines += [", ".join(ctx), ""]
    lines += table(
        ["Findings", "Blocking", "Errors", "Warnings", "Info", "Waived", "Code", "Infra", "Data"],
        [[s["findings"], s["blocking"], sev["error"], sev["warning"], sev["info"], s["waived"],
          kinds["code"], kinds["infra"], kinds["data"]]],
    )
    lines.append("")
    if report.baseline is not None or report.fixed:
        lines += _baseline(report, report.baseline)
    lines += _workspaces(report)
    lines += _findings(report)
    lines += _waivers(report)
    if report.scorecards:
        lines += _scorecards(report.scorecards)
    for note in report.notes:
        lines.append(f"> note: {cell(note)}")
    if report.notes:
        lines.append("")
    lines.append(f"<sub>meshgov {cell(report.tool_version)}</sub>")
    return "\n".join(lines) + "\n"


def _findings(report: Report) -> list[str]:
    titles = {p.id: p for p in report.policies}
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in sort_findings(report.findings):
        groups[f.policy_id].append(f)
    if not groups:
        return ["No findings.", ""]
    lines = ["### Findings by policy", ""]
    budget = MAX_CHARS
    order = sorted(groups, key=lambda pid: (
        -max(report.is_blocking(f) for f in groups[pid]), pid))
    for n, pid in enumerate(order):
        fs = groups[pid]
        p = titles.get(pid)
        title = p.title if p else ""
        open_n = sum(1 for f in fs if not f.waived)
        shown_id = printable(pid).replace("`", "'")
        section = [f"#### `{shown_id}` {cell(title)} — {SEVERITY_ICON[fs[0].severity]}, "
                   f"{open_n} open" + (f", {len(fs) - open_n} waived" if open_n < len(fs) else ""),
                   ""]
        rows = [[where(f), f.subject.ref if f.location.path and f.subject.ref != f.location.path else "",
                 f.message, _status(f, report)] for f in fs[:MAX_ROWS_PER_POLICY]]
        section += table(["Location", "Subject", "Message", "Status"], rows)
        if len(fs) > MAX_ROWS_PER_POLICY:
            section.append(f"\n… and {len(fs) - MAX_ROWS_PER_POLICY} more (see the full report)")
        remediation = (p.remediation if p and p.remediation else fs[0].remediation)
        if remediation:
            section += ["", f"**Fix:** {cell(remediation)}"]
        section.append("")
        size = sum(len(x) + 1 for x in section)
        if size > budget:
            lines += [f"… {len(order) - n} more polic{'y' if len(order) - n == 1 else 'ies'} "
                      "not shown (comment size limit; see the full report)", ""]
            break
        budget -= size
        lines += section
    return lines


def _workspaces(report: Report) -> list[str]:
    rows = workspace_rows(report)
    if not rows:
        return []
    lines = ["### Workspaces", ""]
    lines += table(["Workspace", "Host", "Status", "Objects", "Findings", "Error"],
                   [[r["name"], r["host"], r["status"], r["objects"], r["findings"], r["error"]]
                    for r in rows])
    return lines + [""]


def _waivers(report: Report) -> list[str]:
    rows = waiver_rows(report)
    if not rows:
        return []
    lines = ["### Waivers", ""]
    lines += table(["Policy", "Subject", "Status", "Expires", "Owner", "Reason", "Findings waived"],
                   [[r["policy"], r["subject"], r["status"], r["expires"] or "—", r["owner"],
                     r["reason"], r["findings"]] for r in rows])
    return lines + [""]


def _baseline(report: Report, b: BaselineTrend | None) -> list[str]:
    lines = ["### Against the baseline", ""]
    new = sum(1 for f in report.findings if not f.waived and f.baseline_status == "new")
    unchanged = sum(1 for f in report.findings if not f.waived and f.baseline_status == "unchanged")
    before = b.before.get("findings", "—") if b is not None else "—"
    shown = f"{b.path} {b.started_at}".strip() if b is not None else ""
    lines += table(["Baseline", "Before", "Now", "New", "Unchanged", "Fixed"],
                   [[shown or "—", before,
                     report.summary()["findings"], new, unchanged, len(report.fixed)]])
    if report.fixed:
        lines += ["", "Fixed since the baseline:", ""]
        rows = []
        for d in report.fixed[:MAX_ROWS_PER_POLICY]:
            loc = d.get("location") or {}
            subject = d.get("subject") or {}
            rows.append([d.get("policy_id", ""), loc.get("path") or subject.get("ref", ""),
                         d.get("message", "")])
        lines += table(["Policy", "Where", "Message"], rows)
        if len(report.fixed) > MAX_ROWS_PER_POLICY:
            lines.append(f"\n… and {len(report.fixed) - MAX_ROWS_PER_POLICY} more")
    return lines + [""]


def _scorecards(cards: Sequence[Scorecard]) -> list[str]:
    lines = ["### Data-product scorecards", ""]
    rows = []
    for c in cards:
        row = [f"{c.domain}.{c.product}"]
        for name in CHARACTERISTICS:
            st = c.characteristic(name).status
            row.append(STATUS_ICON.get(st, st))
        row.append(c.score)
        rows.append(row)
    lines += table(["Product", *(n.capitalize() for n in CHARACTERISTICS), "Score"], rows)
    return lines + ["", "<sub>unknown: nothing evaluated it in this run (never counted as a pass)</sub>", ""]
