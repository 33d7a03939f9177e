"""Time one meshgov command under a git revision and under this working tree, interleaved.

Runs ``python -m meshgov ARGS`` alternately with ``PYTHONPATH=<rev>/src`` (the revision's
src/, rego/, checks/ extracted to a temporary directory) and with a copy of this tree's, so
that both see the same machine load and the same file system; prints the median wall time of each, and fails when the
two disagree on the exit code or (``--same-output``) on what they print::

    .venv/bin/python bench/ab.py --rev HEAD~1 --runs 21 --cwd fixtures/domains/sales -- \\
        check sql/orders.sql --kinds code,infra
    .venv/bin/python bench/ab.py --rev main --cwd /tmp/corpus --same-output -- \\
        check . --kinds code -f json -o /dev/stdout

The report's run times and timestamps differ between any two runs: ``--same-output``
compares stdout with ``"started_at"``/``"finished_at"``/``"duration_ms"`` values masked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

#: values that differ between any two runs of one command
VOLATILE = re.compile(r'("(?:started_at|finished_at|duration_ms|generated_at)"\s*:\s*)("[^"]*"|[\d.]+)')


def timed(args: list[str], src: Path, cwd: Path) -> tuple[float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "meshgov", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc.returncode, VOLATILE.sub(r"\1<masked>", proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rev", required=True, help="git revision to compare with (A)")
    ap.add_argument("--runs", type=int, default=9, help="runs of each side (default 9)")
    ap.add_argument("--cwd", default=".", help="directory the command runs in")
    ap.add_argument("--same-output", action="store_true", help="fail when stdout differs")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then meshgov's arguments")
    ns = ap.parse_args(argv)
    command = ns.command[1:] if ns.command[:1] == ["--"] else ns.command
    if not command:
        ap.error("give the meshgov arguments after --")
    cwd = Path(ns.cwd).resolve()
    with tempfile.TemporaryDirectory(prefix="meshgov-ab-") as tmp:
        # both sides are copies in the same place: run from the checkout itself, the working
        # tree was measured ~15 % faster than a copy of the same commit under /tmp
        tree = benchlib.revision_tree(ns.rev, Path(tmp) / "a")
        here = Path(tmp) / "b"
        for part in ("src", "rego", "checks", "bench"):
            shutil.copytree(benchlib.ROOT / part, here / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
        sides = {ns.rev: tree / "src", "working tree": here / "src"}
        times: dict[str, list[float]] = {k: [] for k in sides}
        seen: dict[str, set[tuple[int, str]]] = {k: set() for k in sides}
        for name, src in sides.items():  # warm-up: bytecode compiled, files in the page cache
            timed(command, src, cwd)
        for _ in range(ns.runs):
            for name, src in sides.items():
                seconds, code, out = timed(command, src, cwd)
                times[name].append(seconds)
                seen[name].add((code, out if ns.same_output else ""))
    medians = {k: statistics.median(v) for k, v in times.items()}
    a, b = medians[ns.rev], medians["working tree"]
    print(json.dumps({"command": command, "cwd": str(cwd), "runs": ns.runs,
                      "median_seconds": {k: round(v, 4) for k, v in medians.items()},
                      "ratio": round(b / a, 3) if a else None,
                      "exit_codes": {k: sorted(c for c, _ in v) for k, v in seen.items()},
                      "machine": benchlib.describe()}, indent=2))
    if len(seen[ns.rev] | seen["working tree"]) != 1:
        print("the two sides disagree (exit code or output)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
