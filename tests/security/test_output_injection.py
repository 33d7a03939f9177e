"""#18.2: a file name or an identifier cannot forge lines or terminal escapes in text output."""

from __future__ import annotations

import json

import pytest

from meshgov.core.model import Finding, Location, Report, RunInfo, Subject
from meshgov.report import render
from meshgov.report.printable import printable

FORGED = "a\n::error file=forged.sql,line=1::forged\r\x1b]8;;http://x\x07link\x1b[2J\u202egpj.sql"


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_no_control_character_reaches_a_line_format(fmt):
    f = Finding("MG-C-002", "code", "error", f"SELECT * from {FORGED}",
                Subject("sql", FORGED, "hr"), Location(FORGED, 1, 1))
    report = Report("0", RunInfo(mode="check"), (), (f,), notes=(f"read {FORGED}",))
    out = render(report, fmt)
    for line in out.splitlines():
        assert not line.startswith("::error file=forged"), line
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x07" not in out


def test_printable_escapes_are_visible_and_plain_text_unchanged():
    assert printable("plain ünïcode\ttab") == "plain ünïcode\ttab"
    assert printable("a\nb\x1b[31m\u2028") == "a\\nb\\x1b[31m\\u2028"


def test_real_file_name_with_newline_in_a_repo(run_cli, tmp_path):
    """End to end: a SQL file whose name carries a workflow command, checked with --format text."""
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "x\n::error file=forged.sql::pwned.sql").write_text("SELECT * FROM `t\n::warning::x`\n")
    code, out, _ = run_cli("check", str(tmp_path), "--format", "text")
    assert code in (0, 1), out
    assert "MG-C-002" in out  # the file was read and its finding reported
    assert not [ln for ln in out.splitlines() if ln.startswith("::")], out
    assert "\\n::error file=forged.sql::pwned.sql" in out
    code, out_json, _ = run_cli("check", str(tmp_path), "--format", "json")
    paths = {f["location"]["path"] for f in json.loads(out_json)["findings"]}
    assert any("\n" in p for p in paths)  # JSON keeps the exact name, escaped by JSON itself
