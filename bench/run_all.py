"""Run every benchmark in sequence (``make bench``); each prints its own JSON/table.

Results are recorded by hand in bench/RESULTS.md with the machine, the versions and the load
at the time. Run one benchmark alone with ``.venv/bin/python bench/<name>.py --help``.
``--quick`` uses small sizes to check that every benchmark still runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (script, full arguments, quick arguments)
BENCHES: tuple[tuple[str, list[str], list[str]], ...] = (
    ("code_bench.py", [], ["--sizes", "50", "--runs", "1", "--sqlfluff-sample", "10", "--one-runs", "3"]),
    ("hook_bench.py", [], ["--models", "50", "--runs", "3"]),
    ("infra_bench.py", ["--engines", "regorus,regopy,opa,conftest"], ["--sizes", "100,1000", "--runs", "1"]),
    ("hcl_bench.py", [], ["--resources", "100", "--runs", "1"]),
    ("data_bench.py", [], ["--rows", "20000", "--runs", "1", "--backends", "files,sqlite"]),
    ("data_files_bench.py", ["--postgres"], ["--rows", "20000", "--runs", "1"]),
    ("audit_bench.py", [], ["--workspaces", "2", "--objects", "200", "--runs", "1", "--rss"]),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes: check the benchmarks run")
    ap.add_argument("--only", help="comma-separated script names (e.g. code_bench,hook_bench)")
    args = ap.parse_args(argv)
    only = {n.strip().removesuffix(".py") for n in args.only.split(",")} if args.only else None
    failed = []
    for script, full, quick in BENCHES:
        if only and script.removesuffix(".py") not in only:
            continue
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"=== {script}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
