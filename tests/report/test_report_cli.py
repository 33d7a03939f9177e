"""Every format in one invocation on a fixture domain, each checked by its consumer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from junitparser import JUnitXml

from test_report_github import parse as parse_github
from test_report_markdown import UNESCAPED_PIPE, tables
from test_report_sarif import HERE, SHARED


def _sarif_schema():
    path = SHARED if SHARED.is_file() else HERE / "sarif-schema-2.1.0.json"
    return json.loads(path.read_text())


def test_all_formats_in_one_run(run_cli, fixtures_dir, tmp_path, report_schema):
    sales = fixtures_dir / "domains" / "sales"
    out = {f: tmp_path / f"report.{f}" for f in ("json", "sarif", "junit", "github", "markdown", "html")}
    # FORMAT:FILE inline pairs, then --output by position (text to stdout with "-")
    code, stdout, _ = run_cli(
        "check", str(sales), "--kinds", "code",
        "-f", f"json:{out['json']}", "-f", f"sarif:{out['sarif']}", "-f", f"junit:{out['junit']}",
        "-f", "text", "-f", "github", "-f", "markdown", "-f", "html",
        "-o", "-", "-o", str(out["github"]), "-o", str(out["markdown"]), "-o", str(out["html"]),
    )
    report = json.loads(out["json"].read_text())
    jsonschema.validate(report, report_schema)
    n = report["summary"]["findings"]
    assert code == (0 if report["summary"]["passed"] else 1)
    assert n >= 1 and stdout.splitlines()[-1].startswith("FAILED")
    sarif = json.loads(out["sarif"].read_text())
    jsonschema.validate(sarif, _sarif_schema())
    assert len(sarif["runs"][0]["results"]) == len(report["findings"])
    junit = JUnitXml.fromfile(str(out["junit"]))
    assert [s.name for s in junit] == ["meshgov.code", "meshgov.infra", "meshgov.data"]
    assert sum(s.failures + s.errors for s in junit) >= 1
    commands = [parse_github(line) for line in out["github"].read_text().splitlines() if line.startswith("::")]
    assert len(commands) == n
    md = out["markdown"].read_text()
    for t in tables(md):
        assert len({len(UNESCAPED_PIPE.findall(row)) for row in t}) == 1
    html = out["html"].read_text()
    assert html.startswith("<!DOCTYPE html>") and not re.search(r"https?://", html)
    # re-rendering the saved JSON gives the same bytes for every format
    for fmt, path in out.items():
        code, text, _ = run_cli("report", str(out["json"]), "-f", fmt)
        assert code == 0 and text == path.read_text(), fmt


def test_saved_fixture_report_as_baseline(run_cli, fixtures_dir, tmp_path, report_schema):
    saved = fixtures_dir / "reports" / "sales-baseline.json"
    now = tmp_path / "now.json"
    run_cli("check", str(fixtures_dir / "domains" / "sales"), "--kinds", "code",
            "--baseline", str(saved), "-f", f"json:{now}")
    doc = json.loads(now.read_text())
    jsonschema.validate(doc, report_schema)
    assert all(f["baseline_status"] in ("new", "unchanged") for f in doc["findings"])
    assert doc["baseline"]["path"] == "sales-baseline.json"
    # whatever the evaluators find today, every saved finding is either still there or fixed
    unchanged = sum(1 for f in doc["findings"] if f["baseline_status"] == "unchanged")
    assert unchanged + len(doc.get("fixed", [])) == len(json.loads(saved.read_text())["findings"])


def test_output_pairing_errors_are_usage_errors(run_cli, fixtures_dir, tmp_path):
    sales = str(fixtures_dir / "domains" / "sales")
    assert run_cli("check", sales, "-f", "html", "-f", "markdown")[0] == 2  # two to stdout
    assert run_cli("check", sales, "-f", "json", "-o", "a", "-o", "b")[0] == 2
    assert Path(tmp_path).is_dir()
