"""Fixtures: a domain repo in a tmp dir with the real pre-commit installed as its git hook."""

from __future__ import annotations

import pytest
from hook_helpers import BIN, CONFIG, GOOD_SQL, PACK_POLICIES, Repo, isolated_env, local_hook_config


@pytest.fixture()
def domain_repo(tmp_path) -> Repo:
    """A committed domain repo (no hook yet): meshgov.yaml, a council pack, one compliant model."""
    env = isolated_env(tmp_path)
    path = tmp_path / "repo"
    path.mkdir()
    r = Repo(path, env)
    r.git("init", "-q", "-b", "main")
    r.write("meshgov.yaml", CONFIG)
    r.write("council/code.yaml", PACK_POLICIES)
    r.write("council/pack.yaml", "name: test-council\n")
    r.write("sql/orders.sql", GOOD_SQL)
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "base")
    return r


@pytest.fixture()
def hooked_repo(domain_repo: Repo) -> Repo:
    """The domain repo with `pre-commit install` run and a local hook built from the manifest."""
    domain_repo.write(".pre-commit-config.yaml", local_hook_config("meshgov"))
    domain_repo.git("add", ".pre-commit-config.yaml")
    domain_repo.git("commit", "-q", "-m", "pre-commit config", "--no-verify")
    domain_repo.run(str(BIN / "pre-commit"), "install")
    return domain_repo
