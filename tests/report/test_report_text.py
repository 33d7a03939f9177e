from __future__ import annotations

from meshgov.report import render


def test_text_colour_only_when_asked(rich_report):
    plain = render(rich_report, "text")
    coloured = render(rich_report, "text", color=True)
    assert "\033[" not in plain and "\033[31m" in coloured
    assert [line for line in plain.splitlines() if "  MG-C-002  " in line][0].startswith("sql/a.sql:3:8  ERROR")


def test_text_shows_waivers_baseline_and_summary(rich_report):
    out = render(rich_report, "text")
    assert "(waived: legacy, ticket DATA-412; owner hr-lead@corp.example; expires 2027-03-31)" in out
    assert "[new]" in out
    assert "baseline: 5 new, 2 unchanged, 1 fixed" in out and "fixed: sql/b.sql  MG-C-002" in out
    assert out.splitlines()[-1].startswith("FAILED: 7 finding(s)")


def test_cli_text_has_no_colour_when_not_a_tty(run_cli, tmp_path, rich_report):
    saved = tmp_path / "saved.json"
    saved.write_text(render(rich_report, "json"))
    code, out, _ = run_cli("report", str(saved))
    assert code == 0 and "\033[" not in out and "MG-C-002" in out
    code, out, _ = run_cli("report", str(saved), "--color")
    assert "\033[31m" in out
