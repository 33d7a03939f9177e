"""The few git questions the gate asks, through the ``git`` command line.

Every function runs ``git`` with ``subprocess.run(..., check=False, capture_output=True)`` and
turns a failure into a :class:`GitError` (exit code 2) that says what to do. No git library.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from meshgov.core.errors import UsageError


class GitError(UsageError):
    """git is missing, the directory is not a repository, or a revision is not available."""


@dataclass(frozen=True)
class Change:
    """One file changed between two commits (``git diff --name-status -M``)."""

    status: str  # A, C, M or R (the diff filter is ACMR)
    path: str  # posix path relative to the repository top level, at the head side
    old_path: str | None = None  # for R (renamed) and C (copied): the path at the base side
    similarity: int | None = None  # for R and C: git's similarity index (0-100)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"  # `git status` must not take the index lock of a busy tree
    env["LC_ALL"] = "C"
    return env


def run_git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd``; raise GitError only when git itself cannot be started."""
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, check=False, capture_output=True, env=_env()
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; meshgov gate needs git") from None
    except NotADirectoryError:
        raise GitError(f"not a directory: {cwd}") from None


def _err(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The last line git wrote on standard error (its actual complaint)."""
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"git exited {proc.returncode}"


def toplevel(cwd: Path) -> Path:
    """The top level of the work tree containing ``cwd``; GitError outside a git work tree."""
    proc = run_git(["rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0 and b"dubious ownership" in proc.stderr:
        raise GitError(
            f"git refuses to work in {cwd}: the repository belongs to another user (typical in "
            f"CI containers); allow it with `git config --global --add safe.directory '*'` "
            "or run as the owner"
        )
    if proc.returncode != 0 or not proc.stdout.strip():
        raise GitError(
            f"{cwd} is not inside a git work tree ({_err(proc)}); `meshgov gate` compares git "
            "revisions: run it in a clone of the repository, or use `meshgov check PATH` "
            "outside git"
        )
    return Path(os.fsdecode(proc.stdout.strip())).resolve()


def resolve_commit(ref: str, cwd: Path) -> str | None:
    """The full commit id ``ref`` names, or None when it is not available locally."""
    if not ref or ref.startswith("-"):
        return None
    proc = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip() or None


def is_shallow(cwd: Path) -> bool:
    proc = run_git(["rev-parse", "--is-shallow-repository"], cwd)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def merge_base(a: str, b: str, cwd: Path) -> str | None:
    """The best common ancestor of two commits, or None (unrelated or history cut by a shallow clone)."""
    proc = run_git(["merge-base", a, b], cwd)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip().splitlines()[0] if proc.stdout.strip() else None


def fetch_hint(ref: str) -> str:
    """The command that fetches ``ref``: ``origin/main`` -> ``git fetch origin main``."""
    remote, sep, branch = ref.partition("/")
    if ref.startswith("refs/remotes/"):
        remote, _, branch = ref[len("refs/remotes/"):].partition("/")
        sep = "/"
    if sep and branch and remote and not remote.startswith("refs"):
        return f"git fetch {remote} {branch}"
    return f"git fetch origin {ref}"


def missing_base_error(ref: str, cwd: Path) -> GitError:
    hint = fetch_hint(ref)
    shallow = is_shallow(cwd)
    text = f"base revision '{ref}' is not available in this clone; fetch it first: `{hint}`"
    if shallow:
        text += (
            " (this is a shallow clone: fetch enough history to reach the merge base, e.g. "
            f"`{hint} --depth=200` or `git fetch --unshallow`; with actions/checkout set "
            "`fetch-depth: 0`)"
        )
    return GitError(text)


def no_merge_base_error(base: str, head: str, cwd: Path) -> GitError:
    if is_shallow(cwd):
        hint = fetch_hint(base)
        return GitError(
            f"no merge base between '{base}' and '{head}' in this shallow clone: the history that "
            f"joins them was not fetched. Fetch more history: `git fetch --unshallow` (or "
            f"`{hint} --deepen=200` until a merge base appears); with actions/checkout set "
            "`fetch-depth: 0`"
        )
    return GitError(
        f"'{base}' and '{head}' have no common ancestor (unrelated histories); give --base a "
        "revision of the branch the changes will be merged into"
    )


def changed_files(base: str, head: str, cwd: Path) -> list[Change]:
    """Files added, copied, modified or renamed from ``base`` to ``head`` (deletions excluded).

    ``git diff --name-status -z -M --diff-filter=ACMR base head``: renames are followed, paths are
    relative to the top level and never quoted.
    """
    proc = run_git(
        ["-c", "core.quotePath=false", "diff", "--no-ext-diff", "--no-textconv", "--name-status",
         "-z", "-M", "--diff-filter=ACMR", base, head, "--"],
        cwd,
    )
    if proc.returncode != 0:
        raise GitError(f"git diff {base[:12]} {head[:12]} failed: {_err(proc)}")
    fields = [os.fsdecode(f) for f in proc.stdout.split(b"\0")]
    out: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        code = status[0]
        if code in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            score = int(status[1:]) if status[1:].isdigit() else None
            out.append(Change(code, new, old, score))
            i += 3
        else:
            out.append(Change(code, fields[i + 1]))
            i += 2
    return out


def dirty_paths(cwd: Path) -> set[str]:
    """Tracked files whose working-tree or staged content differs from HEAD (top-level relative)."""
    proc = run_git(["-c", "core.quotePath=false", "status", "--porcelain=v1", "-z",
                    "--untracked-files=no", "--no-renames"], cwd)
    if proc.returncode != 0:
        raise GitError(f"git status failed: {_err(proc)}")
    out: set[str] = set()
    for entry in proc.stdout.split(b"\0"):
        if len(entry) > 3:
            out.add(os.fsdecode(entry[3:]))
    return out


def add_worktree(commit: str, target: Path, cwd: Path) -> None:
    """Check ``commit`` out (detached) into the new directory ``target``."""
    proc = run_git(["worktree", "add", "--detach", "--quiet", str(target), commit], cwd)
    if proc.returncode != 0:
        raise GitError(f"cannot check out {commit[:12]} into a temporary work tree: {_err(proc)}")


def remove_worktree(target: Path, cwd: Path) -> None:
    run_git(["worktree", "remove", "--force", str(target)], cwd)
    run_git(["worktree", "prune"], cwd)
