"""Hostile inputs and a runner that bounds time and memory (shared by the security tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from meshgov.core.bounded import group_rss

ROOT = Path(__file__).resolve().parents[2]
#: resident memory a hostile run may use (with its children) before the test fails
MEMORY_LIMIT = 3 * 1024 ** 3
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
    peak_rss: int


def run_meshgov(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = TIME_LIMIT, memory: int = MEMORY_LIMIT) -> Result:
    """``python -m meshgov ARGS`` in a child watched for ``timeout`` seconds and ``memory``
    resident bytes (with its children): exceeding either kills it and fails the test (a hang
    or a blow-up is the bug these tests look for). Measured, not limited with RLIMIT_AS:
    rego-cpp reserves 256 GB of address space when it starts."""
    full_env = {**os.environ, **(env or {})}
    p = subprocess.Popen([sys.executable, "-m", "meshgov", *args], cwd=cwd, env=full_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    deadline = time.monotonic() + timeout
    peak = 0
    import threading

    outs: dict[str, str] = {}
    reader = threading.Thread(target=lambda: outs.update(zip(("out", "err"), p.communicate())))
    reader.start()
    try:
        while reader.is_alive():
            peak = max(peak, group_rss(p.pid))
            if peak > memory:
                raise AssertionError(f"meshgov {' '.join(args)} used more than {memory:,} bytes")
            if time.monotonic() > deadline:
                raise AssertionError(f"meshgov {' '.join(args)} did not end within {timeout:g} s")
            reader.join(0.05)
    finally:
        if reader.is_alive():
            os.killpg(p.pid, signal.SIGKILL)
            reader.join()
    return Result(p.returncode, outs.get("out", ""), outs.get("err", ""), peak)
