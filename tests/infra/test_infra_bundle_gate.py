"""The CI gate on a pull request that changes only a file a bundle includes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
}
BUNDLE = "bundle: {name: b}\ninclude: [resources/*.yml]\nrun_as: {service_principal_name: sp}\n"
JOB = """\
resources:
  jobs:
    nightly:
      name: nightly
      timeout_seconds: 3600
      max_concurrent_runs: 1
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for k in list(os.environ):
        if k.startswith("GIT_"):
            monkeypatch.delenv(k, raising=False)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    root = tmp_path / "repo"
    (root / "infra" / "resources").mkdir(parents=True)
    (root / "meshgov.yaml").write_text("domain: sales\n")
    (root / "infra" / "databricks.yml").write_text(BUNDLE)
    (root / "infra" / "resources" / "jobs.yml").write_text(JOB)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    return root


def test_gate_on_a_changed_included_file_evaluates_the_bundle(run_cli, repo: Path) -> None:  # type: ignore[no-untyped-def]
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "infra" / "resources" / "jobs.yml").write_text(JOB + "      run_as: {user_name: jane@corp.example}\n")
    git(repo, "commit", "-q", "-am", "run the job as a user")
    code, out, _ = run_cli("gate", "--base", "main", "-f", "json")
    doc = json.loads(out)
    assert code == 1, out
    assert [(f["policy_id"], f["location"]["path"], f["location"]["line"], f["subject"]["ref"])
            for f in doc["findings"]] == [("MG-I-020", "infra/resources/jobs.yml", 3, "resources.jobs.nightly")]
    assert doc["run"]["inputs"] == 1  # the changed file; its bundle is read to evaluate it
