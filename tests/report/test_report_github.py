from __future__ import annotations

import re

from meshgov.report import render

# https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<msg>[^\r\n]*)$")
PROP = re.compile(r"^(?P<k>file|line|endLine|col|endColumn|title)=(?P<v>[^,:\r\n]*)$")


def unescape(value: str) -> str:
    return (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse(line: str):
    m = COMMAND.match(line)
    assert m, f"not a workflow command: {line!r}"
    props = {}
    for part in (m.group("props") or "").split(","):
        pm = PROP.match(part)
        assert pm, f"bad property {part!r} in {line!r}"
        props[pm.group("k")] = unescape(pm.group("v"))
    return m.group("cmd"), props, unescape(m.group("msg"))


def test_one_annotation_per_unwaived_finding_with_valid_syntax(rich_report):
    lines = render(rich_report, "github").splitlines()
    notices = [line for line in lines if line.startswith("::notice title=meshgov note::")]
    assert len(notices) == len(rich_report.notes)  # each note is a notice without a file
    commands = [parse(line) for line in lines if line.startswith("::") and line not in notices]
    assert len(commands) == sum(1 for f in rich_report.findings if not f.waived)
    assert not lines[-1].startswith("::") and "FAILED" in lines[-1]
    by_title = {}
    for cmd, props, msg in commands:
        by_title.setdefault(props["title"].split()[0], []).append((cmd, props, msg))
    cmd, props, msg = by_title["MG-C-002"][0]
    assert cmd == "error" and props["file"] == "sql/a.sql" and props["line"] == "3" and props["col"] == "8"
    assert props["title"] == "MG-C-002 No SELECT * in models and views"
    assert by_title["MG-C-010"][0][0] == "warning"
    assert "MG-D-002" not in by_title  # waived
    cmd, props, msg = by_title["MG-I-002"][0]
    assert "file" not in props and msg.startswith("[0101-abc] ")


def test_escaping_round_trips(rich_report):
    from dataclasses import replace

    from meshgov.core.model import Location

    tricky = 'bad: 100% "quoted", a|pipe\r\nsecond line'
    f = replace(rich_report.findings[3], message=tricky, remediation="",
                location=Location("dir,with:odd%name.sql", 4, 2))
    out = render(replace(rich_report, findings=(f,)), "github")
    cmd, props, msg = parse(out.splitlines()[0])
    assert msg.endswith(tricky.replace("\r\n", "\r\n")) and "second line" in msg
    assert props["file"] == "dir,with:odd%name.sql"
    assert "%2C" in out and "%3A" in out and "%25" in out and "%0D%0A" in out
