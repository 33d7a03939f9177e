"""Every benchmark still runs (``bench/run_all.py --quick``): a bench that no longer imports
is found here, not by the next person who needs its figures. Timings are not judged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    tools = str(ROOT / ".tools" / "bin")
    return {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.slow
def test_every_benchmark_runs_at_small_sizes() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for script in ("code_bench", "hook_bench", "infra_bench", "hcl_bench", "data_bench",
                   "data_files_bench", "audit_bench"):
        assert f"=== {script}.py: exit 0" in proc.stdout


@pytest.mark.slow
def test_ab_times_a_revision_against_the_working_tree() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "ab.py"), "--rev", "HEAD",
                           "--runs", "1", "--cwd", str(ROOT / "fixtures" / "domains" / "sales"),
                           "--same-output", "--", "check", "sql", "--kinds", "code", "-f", "json"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    assert set(got["median_seconds"]) == {"HEAD", "working tree"}
    assert got["exit_codes"] == {"HEAD": [1], "working tree": [1]}  # the fixture violates
