"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=L,col=C,title=POLICY-ID title::message`` (``warning`` and ``notice``
by severity). Values are escaped as the Actions runner expects: in the message ``%``, ``\\r``,
``\\n``; in properties also ``:`` and ``,``; other control characters (ANSI/OSC escapes,
bidi overrides) are made visible, since the job log renders them. Waived findings are not
annotated; each report note is a ``::notice`` without a file; a last plain line gives the
summary (plain lines are only logged).
"""

from __future__ import annotations

from collections.abc import Mapping

from meshgov.core.model import Finding, Report, sort_findings
from meshgov.report.printable import printable

COMMAND: Mapping[str, str] = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, title: str = "") -> str:
    props: list[tuple[str, str]] = []
    loc = f.location
    if loc.path:
        props.append(("file", loc.path))
        if loc.line:
            props.append(("line", str(loc.line)))
            if loc.column:
                props.append(("col", str(loc.column)))
    props.append(("title", f"{f.policy_id} {title}".strip()))
    message = f.message
    if f.subject.ref and f.subject.ref != loc.path:
        message = f"[{f.subject.ref}] {message}"
    if f.remediation:
        message += f"\n{f.remediation}"
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMAND[f.severity]} {prop_text}::{escape_data(message)}"


def render(report: Report, *, color: bool = False) -> str:
    titles = {p.id: p.title for p in report.policies}
    lines = [annotation(f, titles.get(f.policy_id, "")) for f in sort_findings(report.findings)
             if not f.waived]
    # notes (what the run did not check, among others) are notices without a file
    lines += [f"::notice title=meshgov note::{escape_data(n)}" for n in report.notes]
    s = report.summary()
    status = "passed" if s["passed"] else "FAILED"
    lines.append(
        f"meshgov {status}: {s['findings']} finding(s), {s['blocking']} blocking, "
        f"{s['waived']} waived"
    )
    return "\n".join(lines) + "\n"
