"""Resume after a killed run: only the workspaces not yet crawled are crawled again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audit_helpers import audit_yaml, serve_recorded
from audit_loopback import TOKEN, Faults, clean_sdk_env, load_recorded

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = clean_sdk_env(dict(os.environ), str(tmp_path / "no-databrickscfg"))
    env["DATABRICKS_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _spawned_children(pid: int) -> list[int]:
    """The multiprocessing ``spawn`` workers whose parent is ``pid`` (from /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes()
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait(cond, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_run_resumes_with_the_remaining_workspaces(lb, tmp_path: Path) -> None:
    gate = threading.Event()
    hosts = serve_recorded(lb, ["sales-prod", "hr-prod", "finance-dev"])
    hosts["zz-blocked"] = lb.add_workspace("zz-blocked", load_recorded("hr-prod"),
                                           Faults(block=gate))
    cfg = audit_yaml(tmp_path / "audit.yaml", hosts)
    audit_dir = tmp_path / "audit"
    cmd = [sys.executable, "-m", "meshgov", "audit", "--workspaces", str(cfg), "--audit-dir",
           str(audit_dir), "--concurrency", "1", "-f", "json", "-o", str(tmp_path / "r.json")]
    proc = subprocess.Popen(cmd, env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        snaps = lambda: sorted(p.name for p in audit_dir.glob("runs/*/workspaces/*.jsonl"))  # noqa: E731
        _wait(lambda: len(snaps()) == 3 and lb.requests("zz-blocked"))
        assert proc.poll() is None  # still running: blocked inside zz-blocked's crawl
        workers = _spawned_children(proc.pid)  # evaluation worker processes
        if (os.cpu_count() or 1) >= 2:
            assert workers
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert snaps() == ["finance-dev.jsonl", "hr-prod.jsonl", "sales-prod.jsonl"]
    # the killed run's evaluation workers do not outlive it (they watch their parent)
    _wait(lambda: not any(_alive(w) for w in workers), timeout=20)
    (run,) = list((audit_dir / "runs").iterdir())
    assert not (run / "report.json").exists()  # the run did not finish
    # the blocked workspace's half-written temp file is not a snapshot
    assert not (run / "workspaces" / "zz-blocked.jsonl").exists()

    before = {n: len(lb.requests(n)) for n in hosts}
    gate.set()
    out = subprocess.run(cmd, env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1, out.stderr  # findings, not a crash
    crawled_again = {n for n in hosts if len(lb.requests(n)) > before[n]}
    assert crawled_again == {"zz-blocked"}
    report = json.loads((tmp_path / "r.json").read_text())
    ws = {w["name"]: w for w in report["workspaces"]}
    assert {n: (w["status"], w["resumed"]) for n, w in ws.items()} == {
        "finance-dev": ("ok", True), "hr-prod": ("ok", True), "sales-prod": ("ok", True),
        "zz-blocked": ("ok", False)}
    assert any("resumed" in n for n in report["notes"])
    assert (run / "report.json").is_file()
    assert list((audit_dir / "runs").iterdir()) == [run]  # the same run, completed
    assert not list(run.glob("workspaces/.*.tmp"))
    # plain log lines (stderr is not a TTY)
    assert "already crawled" in out.stderr and "zz-blocked: ok" in out.stderr
