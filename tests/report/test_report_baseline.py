from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshgov.core.model import Finding, Location, Report, RunInfo, Subject
from meshgov.report.baseline import diff

PACK = """\
kind: code
policies:
  - id: T-STAR
    rule: select_star
    title: No SELECT *
    severity: error
"""


def _f(path: str, line: int, content: str) -> Finding:
    return Finding("T-STAR", "code", "error", f"SELECT {content}", Subject("sql", path), Location(path, line, 1)
                   ).with_fingerprint(content)


def test_diff_is_keyed_on_content_not_lines():
    before = [_f("a.sql", 3, "x.*").to_dict(), _f("a.sql", 9, "y.*").to_dict(), _f("b.sql", 1, "*").to_dict()]
    now = [_f("a.sql", 13, "x.*"), _f("a.sql", 19, "y.*"), _f("a.sql", 30, "z.*")]
    marked, fixed = diff(now, before)
    assert [f.baseline_status for f in marked] == ["unchanged", "unchanged", "new"]
    assert [d["location"]["path"] for d in fixed] == ["b.sql"]


def test_diff_matches_identical_keys_as_a_multiset():
    before = [_f("a.sql", 1, "*").to_dict()] * 2
    marked, fixed = diff([_f("a.sql", 1, "*"), _f("a.sql", 5, "*"), _f("a.sql", 9, "*")], before)
    assert [f.baseline_status for f in marked] == ["unchanged", "unchanged", "new"] and not fixed
    marked, fixed = diff([_f("a.sql", 1, "*")], before)
    assert len(fixed) == 1


def test_fail_on_new_blocks_only_new_errors():
    findings = (
        Finding("T", "code", "error", "old", Subject("sql", "a"), baseline_status="unchanged"),
        Finding("T", "code", "warning", "new warning", Subject("sql", "b"), baseline_status="new"),
    )
    report = Report("0", RunInfo(), (), findings, fail_on="new")
    assert report.passed
    new_error = Finding("T", "code", "error", "new", Subject("sql", "c"), baseline_status="new")
    assert not Report("0", RunInfo(), (), findings + (new_error,), fail_on="new").passed


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "code.yaml").write_text(PACK)
    root = tmp_path / "dom"
    (root / "sql").mkdir(parents=True)
    (root / "meshgov.yaml").write_text("domain: d\npolicies:\n  packs: [../pack]\n")
    (root / "sql" / "a.sql").write_text("SELECT *\nFROM t1;\n")
    (root / "sql" / "b.sql").write_text("SELECT x.* FROM t2 AS x;\n")
    return root


def test_baseline_end_to_end_with_the_cli(repo, tmp_path, run_cli, report_schema):
    import jsonschema

    base = tmp_path / "base.json"
    code, _, _ = run_cli("check", str(repo), "--kinds", "code", "-f", f"json:{base}")
    assert code == 1 and len(json.loads(base.read_text())["findings"]) == 2
    # an edit above a finding moves it: not new; fixing b.sql lists it as fixed; c.sql is new
    (repo / "sql" / "a.sql").write_text("-- header\n-- more header\n\nSELECT *\nFROM t1;\n")
    (repo / "sql" / "b.sql").write_text("SELECT x.id FROM t2 AS x;\n")
    (repo / "sql" / "c.sql").write_text("SELECT * FROM t3;\n")
    now = tmp_path / "now.json"
    code, out, _ = run_cli("check", str(repo), "--kinds", "code", "--baseline", str(base),
                           "--fail-on", "new", "-f", "text", "-f", f"json:{now}")
    doc = json.loads(now.read_text())
    jsonschema.validate(doc, report_schema)
    status = {f["location"]["path"]: (f["baseline_status"], f["location"]["line"]) for f in doc["findings"]}
    assert status == {"sql/a.sql": ("unchanged", 4), "sql/c.sql": ("new", 1)}
    assert [d["location"]["path"] for d in doc["fixed"]] == ["sql/b.sql"]
    assert doc["baseline"]["path"] == "base.json" and doc["baseline"]["before"]["findings"] == 2
    assert code == 1 and "baseline: 1 new, 1 unchanged, 1 fixed" in out
    # without the new violation, --fail-on new passes although an old error remains
    (repo / "sql" / "c.sql").unlink()
    code, _, _ = run_cli("check", str(repo), "--kinds", "code", "--baseline", str(base), "--fail-on", "new")
    assert code == 0
    code, _, _ = run_cli("check", str(repo), "--kinds", "code", "--baseline", str(base))
    assert code == 1  # --fail-on error still fails on the old error


def test_bad_baseline_is_a_usage_error(repo, tmp_path, run_cli):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, _, err = run_cli("check", str(repo), "--kinds", "code", "--baseline", str(bad))
    assert code == 2 and "not a meshgov report" in err
    assert run_cli("check", str(repo), "--kinds", "code", "--fail-on", "new")[0] == 2
