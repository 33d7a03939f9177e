"""Helpers for the pre-commit hook tests: real git repos and the real pre-commit, isolated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv running the tests: meshgov and pre-commit live here
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

from mesh_samples import BAD_SQL, CONFIG, GOOD_SQL, PACK_POLICIES  # noqa: F401 - re-exported


def manifest_hook(hook_id: str) -> dict:
    hooks = yaml.safe_load(MANIFEST.read_text())
    return next(h for h in hooks if h["id"] == hook_id)


def local_hook_config(*hook_ids: str) -> str:
    """A `repo: local` config running this checkout's meshgov with the manifest's settings.

    Same entry arguments, files, pass_filenames and require_serial as `.pre-commit-hooks.yaml`;
    only the executable is the test venv's (no hook virtualenv to build).
    """
    hooks = []
    for hook_id in hook_ids or ("meshgov",):
        hook = dict(manifest_hook(hook_id))
        exe, _, args = hook["entry"].partition(" ")
        assert exe == "meshgov"
        hook["entry"] = f"{BIN / 'meshgov'} {args}"
        hook["language"] = "unsupported"
        hook.pop("additional_dependencies", None)
        hook.pop("minimum_pre_commit_version", None)
        hooks.append(hook)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


class Repo:
    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(list(args), cwd=self.path, env=self.env, capture_output=True,
                              text=True, check=False, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, check=check)

    def write(self, rel: str, content: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()


def isolated_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    gitconfig = tmp / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    env.update({
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    return env
