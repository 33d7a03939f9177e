"""Write every format of the reports meshgov gives on the fixtures, for a byte comparison.

    .venv/bin/python scripts/report-snapshots.py OUT_DIR

A refactor that must not change behaviour (issue #16) runs this before and after, on the same
machine, and diffs the two directories (``diff -r``). Run times and timestamps are fixed so
that the files are byte-comparable; everything else is the report as the CLI renders it.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNS = {
    "sales": ([ROOT / "fixtures" / "domains" / "sales"], ROOT / "fixtures" / "domains" / "sales" / "meshgov.yaml",
              ("code", "infra")),
    "hr": ([ROOT / "fixtures" / "domains" / "hr"], ROOT / "fixtures" / "domains" / "hr" / "meshgov.yaml",
           ("code", "infra", "data")),
    "infra": ([ROOT / "fixtures" / "infra"], None, ("infra",)),
}


def main(argv: list[str]) -> int:
    from meshgov.api import evaluate
    from meshgov.report import FORMATS, render

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, (paths, config, kinds) in RUNS.items():
        report = evaluate(paths, config=config, kinds=kinds)
        run = dataclasses.replace(report.run, started_at="T0", finished_at="T1")
        report = dataclasses.replace(report, run=run)
        for fmt in FORMATS:
            (out / f"{name}.{fmt}").write_text(render(report, fmt), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
