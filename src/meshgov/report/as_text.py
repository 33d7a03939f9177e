"""``--format text``: one line per finding like a linter, then a summary (colour on a TTY only)."""

from __future__ import annotations

from meshgov.core.model import Finding, Report, sort_findings
from meshgov.report.printable import printable

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
_DIM = "\033[2m"
_BOLD = "\033[1m"
_GREEN = "\033[32m"


def _where(f: Finding) -> str:
    return printable(_where_raw(f))


def _where_raw(f: Finding) -> str:
    loc = f.location
    if loc.path:
        parts = [loc.path]
        if loc.line:
            parts.append(str(loc.line))
            if loc.column:
                parts.append(str(loc.column))
        where = ":".join(parts)
        if f.subject.ref and f.subject.ref != loc.path:
            where += f" [{f.subject.ref}]"
        return where
    return f"{f.subject.type}:{f.subject.ref}"


def render(report: Report, *, color: bool = False) -> str:
    lines: list[str] = []
    for f in sort_findings(report.findings):
        sev = f.severity.upper()
        if color:
            sev = f"{_COLORS[f.severity]}{sev:<7}{_RESET}"
        else:
            sev = f"{sev:<7}"
        suffix = ""
        if f.waiver is not None:
            suffix = f"  (waived: {printable(f.waiver.reason)}"
            suffix += f"; owner {printable(f.waiver.owner)}" if f.waiver.owner else ""
            suffix += f"; expires {printable(f.waiver.expires)})" if f.waiver.expires else ")"
            if color:
                suffix = f"{_DIM}{suffix}{_RESET}"
        if f.baseline_status == "new":
            suffix += "  [new]"
        lines.append(f"{_where(f)}  {sev}  {printable(f.policy_id)}  {printable(f.message)}{suffix}")
    for note in report.notes:
        lines.append(f"note: {printable(note)}")
    if report.fixed or any(f.baseline_status for f in report.findings):
        open_f = [f for f in report.findings if not f.waived]
        new = sum(1 for f in open_f if f.baseline_status == "new")
        unchanged = sum(1 for f in open_f if f.baseline_status == "unchanged")
        lines.append(f"baseline: {new} new, {unchanged} unchanged, {len(report.fixed)} fixed")
        for d in report.fixed:
            loc = d.get("location") or {}
            where = loc.get("path") or (d.get("subject") or {}).get("ref", "")
            lines.append(f"  fixed: {printable(where)}  {printable(d.get('policy_id', ''))}  "
                         f"{printable(d.get('message', ''))}")
    s = report.summary()
    sev = s["by_severity"]
    status = "PASSED" if s["passed"] else "FAILED"
    if color:
        hue = _GREEN if s["passed"] else _COLORS["error"]
        status = f"{_BOLD}{hue}{status}{_RESET}"
    lines.append(
        f"{status}: {s['findings']} finding(s) ({sev['error']} error, {sev['warning']} warning, "
        f"{sev['info']} info), {s['blocking']} blocking, {s['waived']} waived; "
        f"{report.run.inputs} input(s), {len(report.policies)} policies"
        + (f", domain {printable(report.run.domain)}" if report.run.domain else "")
    )
    return "\n".join(lines) + "\n"
