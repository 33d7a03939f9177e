"""Fixtures: real git repositories built in tmp dirs for the gate tests."""

from __future__ import annotations

import os

import pytest
from gate_helpers import CONFIG, GIT_ENV, GOOD_SQL, PACK_POLICIES, Repo


@pytest.fixture()
def git_env(tmp_path, monkeypatch):
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    for k in list(os.environ):
        if k.startswith("GIT_") and k not in GIT_ENV and k != "GIT_CONFIG_GLOBAL":
            monkeypatch.delenv(k, raising=False)
    return tmp_path


@pytest.fixture()
def repo(git_env, monkeypatch) -> Repo:
    """A domain repo on `main` with one compliant model; the cwd is its top level."""
    path = git_env / "repo"
    path.mkdir()
    r = Repo(path)
    r.git("init", "-q", "-b", "main")
    r.write("meshgov.yaml", CONFIG)
    r.write("council/code.yaml", PACK_POLICIES)
    r.write("council/pack.yaml", "name: test-council\n")
    r.write("sql/orders.sql", GOOD_SQL)
    r.write("README.md", "# sales\n")
    r.commit("base")
    monkeypatch.chdir(path)
    return r
