"""The gate writes its CI artefacts alongside the exit code, and `--fail-on new` against a baseline."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from gate_helpers import BAD_SQL, GOOD_SQL, Repo

from meshgov.cli import main

CI_FORMATS = ("sarif", "junit", "markdown")


@pytest.fixture()
def cli(capsys):
    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def test_all_reports_written_in_one_run_with_the_exit_code(repo: Repo, cli, tmp_path) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("violation")
    out_dir = tmp_path / "out"
    args = ["gate", "--base", "main", "-f", "text", "-f", f"json:{out_dir}/meshgov.json"]
    args += [f"-f{fmt}:{out_dir}/meshgov.{fmt}" for fmt in CI_FORMATS]
    code, out, _ = cli(*args)
    assert code == 1
    assert "sql/new.sql:1:8" in out  # text on stdout
    report = json.loads((out_dir / "meshgov.json").read_text())
    assert report["run"]["mode"] == "gate" and report["summary"]["blocking"] == 1
    sarif = json.loads((out_dir / "meshgov.sarif").read_text())
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] for loc in r["locations"]]
    assert uris == ["sql/new.sql"]  # repository-relative: code scanning annotates the PR line
    root = ET.parse(out_dir / "meshgov.junit").getroot()
    assert "MG-C-002" in ET.tostring(root, encoding="unicode")
    assert "MG-C-002" in (out_dir / "meshgov.markdown").read_text()


@pytest.fixture()
def baseline(repo: Repo, cli, tmp_path):
    """main holds two known violations; its full report is the baseline."""
    repo.write("sql/legacy.sql", BAD_SQL)
    repo.write("sql/legacy2.sql", BAD_SQL.replace("orders", "returns"))
    repo.commit("known violations on main")
    path = tmp_path / "main-report.json"
    code, _, _ = cli("check", ".", "-f", f"json:{path}")
    assert code == 1 and path.is_file()
    repo.git("checkout", "-q", "-b", "pr")
    return path


def test_fail_on_new_ignores_what_the_base_already_had(repo: Repo, cli, baseline) -> None:
    # touch the legacy file (its finding moves down a line but stays the same finding)
    repo.write("sql/legacy.sql", "-- owner: sales\n" + BAD_SQL)
    repo.commit("touch legacy")
    assert cli("gate", "--base", "main")[0] == 1  # without a baseline: blocking
    code, out, _ = cli("gate", "--base", "main", "--baseline", str(baseline), "--fail-on", "new",
                       "-f", "json")
    assert code == 0, out
    [f] = json.loads(out)["findings"]
    assert f["baseline_status"] == "unchanged" and f["location"]["line"] == 2


def test_fail_on_new_fails_on_what_the_pr_adds(repo: Repo, cli, baseline) -> None:
    repo.write("sql/legacy.sql", "-- owner: sales\n" + BAD_SQL)
    repo.write("sql/added.sql", BAD_SQL.replace("orders", "invoices"))
    repo.commit("touch legacy, add a violation")
    code, out, _ = cli("gate", "--base", "main", "--baseline", str(baseline), "--fail-on", "new",
                       "-f", "json")
    assert code == 1
    status = {f["location"]["path"]: f["baseline_status"] for f in json.loads(out)["findings"]}
    assert status == {"sql/added.sql": "new", "sql/legacy.sql": "unchanged"}


def test_fixed_lists_only_the_changed_files(repo: Repo, cli, baseline) -> None:
    repo.write("sql/legacy.sql", GOOD_SQL)
    repo.commit("fix legacy")
    code, out, _ = cli("gate", "--base", "main", "--baseline", str(baseline), "--fail-on", "new",
                       "-f", "json")
    assert code == 0
    fixed = json.loads(out).get("fixed", [])
    # legacy2.sql was not evaluated (unchanged): it is not "fixed"
    assert [f["location"]["path"] for f in fixed] == ["sql/legacy.sql"]
