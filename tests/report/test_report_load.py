from __future__ import annotations

import json

import jsonschema
import pytest

from meshgov.core.errors import UsageError
from meshgov.report import FORMATS, render
from meshgov.report.load import load_report


@pytest.mark.parametrize("fail_on", ["error", "warning", "never", "new"])
def test_saved_report_re_renders_identically_in_every_format(tmp_path, rich_report, fail_on, report_schema):
    from dataclasses import replace

    report = replace(rich_report, fail_on=fail_on)
    saved = tmp_path / "saved.json"
    saved.write_text(render(report, "json"), encoding="utf-8")
    jsonschema.validate(json.loads(saved.read_text()), report_schema)
    loaded = load_report(saved)
    assert loaded.passed == report.passed and len(loaded.blocking) == len(report.blocking)
    for fmt in FORMATS:
        assert render(loaded, fmt) == render(report, fmt), fmt


def test_load_rejects_what_is_not_a_report(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"runs": []}')
    with pytest.raises(UsageError, match="not a meshgov report"):
        load_report(bad)
    bad.write_text("{not json")
    with pytest.raises(UsageError, match="not JSON"):
        load_report(bad)


def test_report_command_re_renders_and_rejects_bad_files(tmp_path, run_cli, rich_report):
    saved = tmp_path / "saved.json"
    saved.write_text(render(rich_report, "json"), encoding="utf-8")
    code, out, _ = run_cli("report", str(saved), "-f", "json")
    assert code == 0 and out == saved.read_text()
    code, _, _ = run_cli("report", str(saved), "-f", "html", "-o", str(tmp_path / "r.html"),
                         "-f", "sarif", "-o", str(tmp_path / "r.sarif"))
    assert code == 0
    assert (tmp_path / "r.html").read_text() == render(rich_report, "html")
    assert (tmp_path / "r.sarif").read_text() == render(rich_report, "sarif")
    (tmp_path / "x.json").write_text("[]")
    code, _, err = run_cli("report", str(tmp_path / "x.json"), "-f", "html")
    assert code == 2 and "not a meshgov report" in err


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_is_deterministic(rich_report, empty_report, fmt):
    for report in (rich_report, empty_report):
        assert render(report, fmt) == render(report, fmt)
