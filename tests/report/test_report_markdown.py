from __future__ import annotations

import re

import mistune

from meshgov.report import render

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def tables(text: str) -> list[list[str]]:
    out, cur = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def test_markdown_tables_are_well_formed(rich_report):
    text = render(rich_report, "markdown")
    found = tables(text)
    assert len(found) >= 5  # summary, baseline (+fixed), findings per policy, waivers, scorecards
    for t in found:
        width = len(UNESCAPED_PIPE.findall(t[0]))
        assert re.fullmatch(r"\|(---\|)+", t[1]), t[1]
        for row in t:
            assert len(UNESCAPED_PIPE.findall(row)) == width, row
    # a real Markdown parser (GFM tables) sees the same tables, with the same cell counts
    html = mistune.create_markdown(escape=False, plugins=["table"])(text)  # HTML allowed, like GitHub
    assert html.count("<table>") == len(found)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_markdown_summary_then_findings_grouped_by_policy(rich_report):
    text = render(rich_report, "markdown")
    assert text.startswith("## ❌ meshgov: blocking findings")
    headings = re.findall(r"^#### `([^`]+)`", text, flags=re.M)
    assert sorted(headings) == sorted({f.policy_id for f in rich_report.findings})
    assert headings.index("MG-C-002") < headings.index("MG-C-010")  # blocking policies first
    star = text.split("#### `MG-C-002`")[1].split("####")[0]
    assert "sql/a.sql:3:8" in star and "sql/a.sql:9:1" in star and "waived (legacy" in star
    assert "### Waivers" in text and "expired" in text and "### Data-product scorecards" in text
    assert "### Against the baseline" in text and "sql/b.sql" in text


def test_markdown_stays_under_comment_limit(rich_report):
    from dataclasses import replace

    many = tuple(
        replace(rich_report.findings[0], message=f"SELECT * number {i} " + "x" * 200,
                location=replace(rich_report.findings[0].location, line=i + 1), fingerprint=str(i))
        for i in range(2000)
    )
    text = render(replace(rich_report, findings=many), "markdown")
    assert len(text) < 65_536 and "more (see the full report)" in text


def test_markdown_compliant_and_deterministic(empty_report, rich_report):
    text = render(empty_report, "markdown")
    assert text.startswith("## ✅ meshgov: compliant") and "No findings." in text
    assert render(rich_report, "markdown") == render(rich_report, "markdown")
