"""The `meshgov` hook under the real pre-commit framework, in real git repos.

The fast tests use a `repo: local` hook built from this repo's `.pre-commit-hooks.yaml` (same
entry arguments, files, pass_filenames, require_serial) with the test venv's `meshgov`; the
slow test consumes the real manifest the way users do (pre-commit clones this checkout and
builds the hook's own virtualenv with `pip install .`).
"""

from __future__ import annotations

import json

import pytest
from hook_helpers import BAD_SQL, BIN, CONFIG, GOOD_SQL, ROOT, Repo, local_hook_config

SUPPRESSED = (
    "-- meshgov:ignore MG-C-002 legacy extract read by the finance team, ticket DATA-412\n"
    + BAD_SQL
)


def _commit(repo: Repo, *files: str, message: str = "change"):
    repo.git("add", *files)
    return repo.git("commit", "-m", message, check=False)


def test_non_compliant_commit_is_refused_with_the_finding(hooked_repo: Repo) -> None:
    before = hooked_repo.head()
    hooked_repo.write("sql/bad.sql", BAD_SQL)
    proc = _commit(hooked_repo, "sql/bad.sql")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "meshgov" in out and "Failed" in out
    assert "sql/bad.sql:1:8" in out and "MG-C-002" in out
    assert hooked_repo.head() == before  # nothing committed


def test_compliant_commit_passes(hooked_repo: Repo) -> None:
    before = hooked_repo.head()
    hooked_repo.write("sql/good.sql", GOOD_SQL)
    proc = _commit(hooked_repo, "sql/good.sql")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout + proc.stderr
    assert hooked_repo.head() != before


def test_suppression_with_reason_lets_it_through(hooked_repo: Repo) -> None:
    hooked_repo.write("sql/legacy.sql", SUPPRESSED)
    proc = _commit(hooked_repo, "sql/legacy.sql")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_suppression_without_reason_does_not(hooked_repo: Repo) -> None:
    hooked_repo.write("sql/legacy.sql", "-- meshgov:ignore MG-C-002\n" + BAD_SQL)
    proc = _commit(hooked_repo, "sql/legacy.sql")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "MG-C-002" in out and "MG-SUPPRESS" in out


def test_only_the_staged_files_are_evaluated(hooked_repo: Repo) -> None:
    """A violation already in the repo (committed with --no-verify) does not block other commits."""
    hooked_repo.write("sql/old_bad.sql", BAD_SQL)
    hooked_repo.git("add", "sql/old_bad.sql")
    hooked_repo.git("commit", "-q", "-m", "bypass", "--no-verify")
    hooked_repo.write("sql/good.sql", GOOD_SQL)
    hooked_repo.write("sql/unstaged_bad.sql", BAD_SQL)  # not staged: not part of this commit
    proc = _commit(hooked_repo, "sql/good.sql")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_non_matching_files_skip_the_hook(hooked_repo: Repo) -> None:
    hooked_repo.write("docs/notes.md", "SELECT * is not SQL here\n")
    proc = _commit(hooked_repo, "docs/notes.md")
    assert proc.returncode == 0
    assert "(no files to check)Skipped" in proc.stdout + proc.stderr


def test_pre_commit_run_all_files_sees_every_file(hooked_repo: Repo) -> None:
    hooked_repo.write("sql/old_bad.sql", BAD_SQL)
    hooked_repo.git("add", "sql/old_bad.sql")
    hooked_repo.git("commit", "-q", "-m", "bypass", "--no-verify")
    proc = hooked_repo.run(str(BIN / "pre-commit"), "run", "--all-files", check=False)
    assert proc.returncode == 1
    assert "sql/old_bad.sql:1:8" in proc.stdout


def test_hook_invocation_evaluates_exactly_the_files_given(domain_repo: Repo) -> None:
    """What pre-commit runs (`meshgov check --kinds code,infra FILES`) reads only those files."""
    for i in range(20):
        domain_repo.write(f"sql/other_{i}.sql", BAD_SQL)
    domain_repo.write("sql/one.sql", GOOD_SQL)
    proc = domain_repo.run(str(BIN / "meshgov"), "check", "--kinds", "code,infra", "sql/one.sql",
                           "-f", "json", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["run"]["inputs"] == 1 and report["run"]["domain"] == "sales"


@pytest.mark.slow
def test_real_manifest_as_users_consume_it(domain_repo: Repo) -> None:
    """`repo: <this checkout>` at its HEAD: pre-commit builds the hook venv with `pip install .`."""
    rev = Repo(ROOT, domain_repo.env).git("rev-parse", "HEAD").stdout.strip()
    domain_repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: meshgov\n",
    )
    domain_repo.write("sql/bad.sql", BAD_SQL)
    domain_repo.write("sql/legacy.sql", SUPPRESSED)
    domain_repo.git("add", "-A")
    proc = domain_repo.run(str(BIN / "pre-commit"), "run", "--files", "sql/bad.sql",
                           "sql/legacy.sql", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "sql/bad.sql:1:8" in out and "MG-C-002" in out
    assert "sql/legacy.sql" not in out.replace("sql/legacy.sql:", "")  # suppressed: no finding line
    domain_repo.write("sql/bad.sql", GOOD_SQL)
    proc = domain_repo.run(str(BIN / "pre-commit"), "run", "--files", "sql/bad.sql",
                           "sql/legacy.sql", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_data_hook_is_opt_in_and_checks_bound_tables(domain_repo: Repo) -> None:
    """`meshgov-data` runs only when listed; it validates the tables meshgov.yaml binds."""
    domain_repo.write("meshgov.yaml", CONFIG + (
        "  local: [policies/]\n"
        "data:\n  sales_prod.published.ORDERS: {path: data/orders.csv}\n"))
    domain_repo.write("policies/data.yaml", (
        "kind: data\npolicies:\n  - id: SALES-D-001\n    title: Amounts are positive\n"
        "    tables: [sales_prod.published.ORDERS]\n    column: amount\n    rule: positive\n"))
    domain_repo.write("data/orders.csv", "id,amount\n1,10\n2,-5\n")
    # only the code hook configured: the data policy does not run
    domain_repo.write(".pre-commit-config.yaml", local_hook_config("meshgov"))
    domain_repo.git("add", "-A")
    proc = domain_repo.run(str(BIN / "pre-commit"), "run", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # opted in: the bad row blocks
    domain_repo.write(".pre-commit-config.yaml", local_hook_config("meshgov", "meshgov-data"))
    domain_repo.git("add", "-A")
    proc = domain_repo.run(str(BIN / "pre-commit"), "run", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "SALES-D-001" in out and "meshgov data policies" in out
    domain_repo.write("data/orders.csv", "id,amount\n1,10\n2,5\n")
    domain_repo.git("add", "-A")
    proc = domain_repo.run(str(BIN / "pre-commit"), "run", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
