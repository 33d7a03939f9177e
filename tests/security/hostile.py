"""Hostile inputs and a runner that bounds time and memory (shared by the security tests)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 3 * 1024 ** 3  # address space: a run that tries to expand a bomb dies here
TIME_LIMIT = 90.0


def alias_bomb(levels: int = 9, width: int = 9, key: str = "x") -> str:
    """~700 bytes whose aliases expand to width**levels nodes ("billion laughs")."""
    lines = [f'{key}0: &{key}0 [' + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"{key}{i}: &{key}{i} [" + ", ".join([f"*{key}{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_meshgov(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = TIME_LIMIT) -> Result:
    """``python -m meshgov ARGS`` in a child limited to MEMORY_LIMIT and ``timeout`` seconds
    (a hang raises subprocess.TimeoutExpired: the test fails)."""
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([sys.executable, "-m", "meshgov", *args], cwd=cwd, env=full_env,
                       capture_output=True, text=True, timeout=timeout, preexec_fn=_limits,
                       check=False)
    return Result(p.returncode, p.stdout, p.stderr)
