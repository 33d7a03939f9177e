"""Reports do not change by accident: every format of the reports of the fixture domains,
of two domains merged (the hook and the gate), with a baseline, and of the recorded audit is
byte-compared with the digests in tests/report/snapshots.sha256 (scripts/report-snapshots.py).

A change meant to change reports records the new digests with
``scripts/report-snapshots.py OUT --write tests/report/snapshots.sha256``; a refactor must
leave them as they are (issue #16).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).parent / "snapshots.sha256"


def test_every_report_is_byte_identical_to_the_recorded_one(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "report-snapshots.py"),
                           str(tmp_path / "out"), "--check", str(MANIFEST)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        proc.stdout + proc.stderr[-3000:]
        + "\nreports changed: diff against the previous commit with scripts/report-snapshots.py"
          " (see its docstring), and if the change is meant, record it with --write")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == len(MANIFEST.read_text().splitlines()) >= 40
