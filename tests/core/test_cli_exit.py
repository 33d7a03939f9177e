"""The `meshgov` command ends without the interpreter's shutdown only when that loses nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SALES = ROOT / "fixtures" / "domains" / "sales"

PROBE = textwrap.dedent("""
    import sys, tempfile, threading
    from meshgov.cli import fast_exit_is_safe, main
    main(["check", sys.argv[1], "--kinds", "code", "-o", "/dev/null"])
    out = {"after_check": fast_exit_is_safe()}
    d = tempfile.TemporaryDirectory()
    out["pending_temp_dir"] = fast_exit_is_safe()
    d.cleanup()
    ev = threading.Event(); t = threading.Thread(target=ev.wait); t.start()
    out["thread_running"] = fast_exit_is_safe()
    ev.set(); t.join()
    import atexit; atexit.register(print, "bye")
    out["exit_handler"] = fast_exit_is_safe()
    print(out)
""")


def test_fast_exit_only_when_nothing_waits_for_the_shutdown() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(SALES)], capture_output=True,
                          text=True, check=True, timeout=120)
    got = eval(proc.stdout.strip().splitlines()[0])  # noqa: S307 - our own dict literal
    assert got == {"after_check": True, "pending_temp_dir": False, "thread_running": False,
                   "exit_handler": False}
    assert proc.stdout.strip().endswith("bye")  # the normal exit ran the handler


def test_a_large_report_on_a_pipe_is_complete_and_the_exit_code_kept(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "meshgov", "check", str(SALES), "-f", "json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the fixture has blocking findings
    doc = json.loads(proc.stdout)
    assert doc["findings"] and doc["summary"]
