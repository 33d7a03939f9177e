"""`meshgov gate --base REF` on real git repositories built in tmp dirs."""

from __future__ import annotations

import json
import subprocess

import pytest
from gate_helpers import BAD_SQL, CONFIG, GOOD_SQL, Repo

from meshgov.cli import main


@pytest.fixture()
def gate(capsys):
    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["gate", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def _json(out: str) -> dict:
    return json.loads(out)


def _ids(report: dict, *, waived: bool | None = None) -> list[tuple[str, str]]:
    return sorted(
        (f["policy_id"], f["location"]["path"])
        for f in report["findings"]
        if waived is None or (f["waiver"] is not None) == waived
    )


WAIVER = """\
waivers:
  - policy: MG-C-002
    subject: {subject}
    reason: "legacy extract, ticket DATA-1"
    owner: sales-lead@corp.example
    expires: 2099-12-31
"""


def test_pr_adding_a_violation_fails_with_the_finding(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("add a model with select star")
    code, out, _ = gate("--base", "main")
    assert code == 1
    assert "sql/new.sql:1:8" in out and "MG-C-002" in out
    code, out, _ = gate("--base", "main", "-f", "json")
    report = _json(out)
    assert report["run"]["mode"] == "gate"
    assert report["run"]["inputs"] == 1  # only the changed file, not sql/orders.sql
    assert _ids(report) == [("MG-C-002", "sql/new.sql")]


def test_only_changed_files_are_inputs(repo: Repo, gate) -> None:
    # main already holds a violation; a PR that does not touch it passes
    repo.write("sql/legacy.sql", BAD_SQL)
    repo.commit("legacy violation on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/other.sql", GOOD_SQL)
    repo.commit("compliant change")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    assert _json(out)["run"]["inputs"] == 1


def test_pr_fixing_a_violation_passes(repo: Repo, gate) -> None:
    repo.write("sql/orders.sql", BAD_SQL)
    repo.commit("violation on main")
    repo.git("checkout", "-q", "-b", "fix")
    repo.write("sql/orders.sql", GOOD_SQL)
    repo.commit("fix it")
    code, out, _ = gate("--base", "main")
    assert code == 0, out
    assert "PASSED" in out


def test_merge_base_not_base_tip_is_compared(repo: Repo, gate) -> None:
    """Changes that landed on main after the PR branched are not the PR's inputs."""
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/pr.sql", GOOD_SQL)
    repo.commit("pr change")
    repo.git("checkout", "-q", "main")
    repo.write("sql/main_only.sql", BAD_SQL)
    repo.write("sql/orders.sql", BAD_SQL)  # a diff against the tip of main would list it
    repo.commit("violation lands on main later")
    repo.git("checkout", "-q", "pr")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    assert _json(out)["run"]["inputs"] == 1


def test_deleted_file_is_not_an_input(repo: Repo, gate) -> None:
    repo.write("sql/old.sql", BAD_SQL)
    repo.commit("violation on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.git("rm", "-q", "sql/old.sql")
    repo.commit("delete it")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    report = _json(out)
    assert report["run"]["inputs"] == 0 and report["findings"] == []


def test_rename_keeps_the_waiver_of_the_old_path(repo: Repo, gate) -> None:
    repo.write("meshgov.yaml", CONFIG + WAIVER.format(subject="sql/old.sql"))
    repo.write("sql/old.sql", BAD_SQL + "-- a long enough body for rename detection\n" * 3)
    repo.commit("waived violation on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.git("mv", "sql/old.sql", "sql/renamed.sql")
    repo.commit("rename")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    report = _json(out)
    assert _ids(report, waived=True) == [("MG-C-002", "sql/renamed.sql")]
    assert _ids(report, waived=False) == []
    assert any("renamed from sql/old.sql" in n and "sql/renamed.sql" in n for n in report["notes"])
    # the old-path waiver is not reported stale in a gate run (it may still name other files)
    assert not any(f["policy_id"] == "MG-WAIVER-002" for f in report["findings"])


def test_rename_with_waiver_moved_to_the_new_path(repo: Repo, gate) -> None:
    repo.write("meshgov.yaml", CONFIG + WAIVER.format(subject="sql/old.sql"))
    repo.write("sql/old.sql", BAD_SQL + "-- a long enough body for rename detection\n" * 3)
    repo.commit("waived violation on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.git("mv", "sql/old.sql", "sql/renamed.sql")
    repo.write("meshgov.yaml", CONFIG + WAIVER.format(subject="sql/renamed.sql"))
    repo.commit("rename and move the waiver")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    report = _json(out)
    assert _ids(report, waived=True) == [("MG-C-002", "sql/renamed.sql")]
    assert not any("renamed from" in n for n in report.get("notes", []))


def test_rename_without_waiver_still_fails(repo: Repo, gate) -> None:
    repo.write("sql/old.sql", BAD_SQL + "-- a long enough body for rename detection\n" * 3)
    repo.commit("violation on main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.git("mv", "sql/old.sql", "sql/renamed.sql")
    repo.commit("rename")
    code, out, _ = gate("--base", "main")
    assert code == 1
    assert "sql/renamed.sql:1:8" in out


def test_binary_file_is_ignored_and_binary_sql_fails_closed(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("docs/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe")
    repo.commit("a binary file")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    assert _json(out)["run"]["inputs"] == 0
    repo.write("sql/blob.sql", b"\x00\x01\x02\xff\xfe\x00binary")
    repo.commit("a binary .sql")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 1
    assert _ids(_json(out)) == [("MG-INPUT", "sql/blob.sql")]


def test_invalid_utf8_is_mg_input_and_the_run_goes_on(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/latin1.sql", "SELECT 'caf\xe9' AS x FROM sales_prod.core.t\n".encode("latin-1"))
    repo.write("sql/star.sql", BAD_SQL)
    repo.commit("latin-1 file and a violation")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 1
    report = _json(out)
    assert _ids(report) == [("MG-C-002", "sql/star.sql"), ("MG-INPUT", "sql/latin1.sql")]
    bad = next(f for f in report["findings"] if f["policy_id"] == "MG-INPUT")
    assert "UTF-8" in bad["message"] and bad["severity"] == "error"


def test_dirty_tree_evaluates_the_work_tree_content(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("violation")
    repo.write("sql/new.sql", GOOD_SQL)  # fixed, not committed
    repo.write("untracked.sql", BAD_SQL)  # untracked files are not part of the diff
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 0, out
    report = _json(out)
    assert report["run"]["inputs"] == 1
    assert any("uncommitted" in n and "sql/new.sql" in n for n in report["notes"])


def test_head_other_than_checked_out_uses_a_temporary_worktree(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("violation")
    repo.git("checkout", "-q", "main")
    code, out, _ = gate("--base", "main", "--head", "pr", "-f", "json")
    assert code == 1
    report = _json(out)
    assert _ids(report) == [("MG-C-002", "sql/new.sql")]
    assert "temporary work tree" in " ".join(report["notes"])
    assert repo.git("worktree", "list").count("\n") == 1  # cleaned up


def test_paths_restrict_to_a_subtree(repo: Repo, gate) -> None:
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/a.sql", BAD_SQL)
    repo.write("views/b.sql", GOOD_SQL)
    repo.commit("two changes")
    assert gate("--base", "main", "views")[0] == 0
    assert gate("--base", "main", "sql")[0] == 1
    assert gate("--base", "main", "missing-dir")[0] == 2


def test_outside_git_is_a_usage_error(git_env, monkeypatch, gate) -> None:
    plain = git_env / "plain"
    plain.mkdir()
    (plain / "x.sql").write_text(BAD_SQL)
    monkeypatch.chdir(plain)
    code, out, err = gate("--base", "main")
    assert code == 2
    assert "not inside a git work tree" in err and "meshgov check" in err


def test_unknown_base_and_head_are_usage_errors(repo: Repo, gate) -> None:
    code, _, err = gate("--base", "origin/release")
    assert code == 2 and "git fetch origin release" in err
    code, _, err = gate("--base", "main", "--head", "no-such-branch")
    assert code == 2 and "no-such-branch" in err


def test_shallow_clone_names_what_to_fetch(repo: Repo, git_env, monkeypatch, gate) -> None:
    for i in range(3):
        repo.write(f"sql/m{i}.sql", GOOD_SQL)
        repo.commit(f"main {i}")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/pr1.sql", GOOD_SQL)
    repo.commit("pr 1")
    repo.write("sql/pr2.sql", BAD_SQL)
    repo.commit("pr 2")
    clone = git_env / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "pr",
                    f"file://{repo.path}", str(clone)], check=True, capture_output=True)
    monkeypatch.chdir(clone)
    c = Repo(clone)
    # 1. the base branch was never fetched
    code, _, err = gate("--base", "origin/main")
    assert code == 2
    assert "git fetch origin main" in err and "shallow" in err
    # 2. the base is there but the history joining it to HEAD is not
    c.git("fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    code, _, err = gate("--base", "origin/main")
    assert code == 2
    assert "no merge base" in err and "--unshallow" in err
    # 3. with the history, the gate runs
    c.git("fetch", "-q", "--unshallow", "origin")
    code, out, _ = gate("--base", "origin/main")
    assert code == 1 and "sql/pr2.sql" in out


def test_changed_config_alone_is_evaluated(repo: Repo, gate) -> None:
    """A PR that only edits meshgov.yaml still loads it: a broken config fails with exit 2."""
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("meshgov.yaml", CONFIG + "unknown_key: 1\n")
    repo.commit("break the config")
    code, _, err = gate("--base", "main")
    assert code == 2 and "unknown_key" in err


def test_monorepo_groups_files_by_nearest_config(repo: Repo, gate) -> None:
    repo.write("domains/finance/meshgov.yaml",
               "domain: finance\ncatalogs: [finance_prod]\npolicies:\n  packs: [../../council]\n")
    repo.commit("second domain")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("domains/finance/sql/ledger.sql", BAD_SQL.replace("sales_prod", "finance_prod"))
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("violations in two domains")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 1
    report = _json(out)
    assert report["run"]["domain"] == "finance,sales"
    # locations are relative to the repository top level (SARIF annotations need that)
    assert _ids(report) == [("MG-C-002", "domains/finance/sql/ledger.sql"), ("MG-C-002", "sql/new.sql")]
    domains = {f["location"]["path"]: f["subject"]["domain"] for f in report["findings"]}
    assert domains == {"domains/finance/sql/ledger.sql": "finance", "sql/new.sql": "sales"}


def test_builtin_pack_also_runs_in_the_gate(repo: Repo, gate) -> None:
    """With the shipped pack (whatever rules exist by now) the select-star finding is there."""
    repo.write("meshgov.yaml", "domain: sales\ncatalogs: [sales_prod]\n")
    repo.commit("use the builtin pack")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/new.sql", BAD_SQL)
    repo.commit("violation")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 1
    assert ("MG-C-002", "sql/new.sql") in _ids(_json(out))


def test_unusual_file_names_are_not_mangled(repo: Repo, gate) -> None:
    """git quotes such paths unless asked not to (-z, core.quotePath=false)."""
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("sql/weekly sales é.sql", BAD_SQL)
    repo.commit("a file name with a space and an accent")
    code, out, _ = gate("--base", "main", "-f", "json")
    assert code == 1
    assert _ids(_json(out)) == [("MG-C-002", "sql/weekly sales é.sql")]


def test_without_git_on_path_is_a_usage_error(repo: Repo, gate, monkeypatch, tmp_path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, _, err = gate("--base", "main")
    assert code == 2 and "git is not installed" in err
