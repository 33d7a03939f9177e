"""meshgov on public projects nobody here wrote: inputs read, findings by policy, MG-INPUT and
why, crashes, wall time (median of 3). Results: bench/REALWORLD.md.

    python bench/realworld.py /path/to/checkout [...]      # each checkout: a git work tree

Each project is checked as a new user would, from its root, without a meshgov.yaml (the
builtin pack, no domain): ``meshgov check . --format json``. Nothing of the projects is
committed here; the problems they showed became cases of meshgov's own (see REALWORLD.md).
"""

from __future__ import annotations

import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MESHGOV = str(Path(sys.executable).with_name("meshgov"))


def run(project: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        times, code = [], None
        for _ in range(3):
            start = time.perf_counter()
            proc = subprocess.run([MESHGOV, "check", ".", "--format", "json", "--output", str(out)],
                                  cwd=project, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            code = proc.returncode
        report = json.loads(out.read_text()) if out.exists() else {}
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=project,
                            capture_output=True, text=True, check=False).stdout.strip()
    findings = report.get("findings", [])
    return {
        "project": project.name, "commit": commit, "exit": code,
        "wall_s": round(statistics.median(times), 2),
        "inputs": report.get("run", {}).get("inputs"),
        "by_policy": dict(collections.Counter(f["policy_id"] for f in findings).most_common()),
        "mg_input": [(f["location"]["path"], f["location"]["line"], f["message"][:90])
                     for f in findings if f["policy_id"] == "MG-INPUT"],
        "notes": len(report.get("notes", [])),
    }


def main(argv: list[str]) -> int:
    import argparse  # noqa: PLC0415

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkouts", nargs="+", type=Path, help="git work trees of the projects")
    args = ap.parse_args(argv)
    missing = [str(p) for p in args.checkouts if not p.is_dir()]
    if missing:
        ap.error(f"not a directory: {', '.join(missing)}")
    rows = [run(p.resolve()) for p in args.checkouts]
    print("| project | commit | exit | inputs | findings by policy | MG-INPUT | wall (median of 3) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        pol = ", ".join(f"{k} {v}" for k, v in r["by_policy"].items())
        print(f"| {r['project']} | {r['commit']} | {r['exit']} | {r['inputs']} | {pol} | "
              f"{len(r['mg_input'])} | {r['wall_s']} s |")
    for r in rows:
        for path, line, msg in r["mg_input"]:
            print(f"- {r['project']}: MG-INPUT {path}:{line} {msg}")
    crashes = [r["project"] for r in rows if r["exit"] not in (0, 1)]
    print(f"\ncrashes (exit not 0/1): {crashes or 'none'}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
