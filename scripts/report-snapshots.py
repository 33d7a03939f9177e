"""Write every format of the reports meshgov gives on the fixtures, for a byte comparison.

    .venv/bin/python scripts/report-snapshots.py OUT_DIR
    .venv/bin/python scripts/report-snapshots.py OUT_DIR --check tests/report/snapshots.sha256
    .venv/bin/python scripts/report-snapshots.py OUT_DIR --write tests/report/snapshots.sha256

A refactor that must not change behaviour (issue #16) runs this before and after, on the same
machine, and diffs the two directories (``diff -r``); for the previous commit, put its
``src`` first: ``PYTHONPATH=<worktree>/src .venv/bin/python scripts/report-snapshots.py A``.
Runs: ``check`` on the fixture domains (with a baseline), files of two domains merged into one
report (what the hook and the gate build), and the nightly audit of the recorded workspaces on
the loopback REST server (tests/audit). Timestamps, run times and loopback ports are replaced
by fixed text so that the files are byte-comparable; everything else is the report as the CLI
renders it (meshgov's version too is replaced).

``--check FILE`` compares the files' SHA-256 with the manifest a test keeps
(tests/report/test_report_snapshots.py) and names those that differ; after a change that is
meant to change reports, ``--write FILE`` records the new digests (say why in the commit).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SALES = ROOT / "fixtures" / "domains" / "sales"
HR = ROOT / "fixtures" / "domains" / "hr"
BASELINE = ROOT / "fixtures" / "reports" / "sales-baseline.json"

RUNS = {
    "sales": ([SALES], SALES / "meshgov.yaml", ("code", "infra"), None),
    "sales-baseline": ([SALES], SALES / "meshgov.yaml", ("code", "infra"), BASELINE),
    "hr": ([HR], HR / "meshgov.yaml", ("code", "infra", "data"), None),
    "infra": ([ROOT / "fixtures" / "infra"], None, ("infra",), None),
}
_VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)?"), "<time>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"\d{8}T\d{6}Z"), "<run-id>"),
    (re.compile(r"(\"crawl_seconds\": )[0-9.]+"), r"\1<s>"),
]


def _write(out: Path, name: str, report: Any) -> None:
    from meshgov.report import FORMATS, render

    run = dataclasses.replace(report.run, started_at="T0", finished_at="T1")
    report = dataclasses.replace(report, run=run, tool_version="<version>")
    for fmt in FORMATS:
        text = render(report, fmt)
        for rx, sub in _VOLATILE:
            text = rx.sub(sub, text)
        (out / f"{name}.{fmt}").write_text(text, encoding="utf-8")


def _merged() -> Any:
    """Changed files of two domains, each with its own meshgov.yaml, in one report."""
    from meshgov.core.context import RunOptions
    from meshgov.gate import evaluate_files

    files = sorted(str(p.relative_to(ROOT)) for p in [*(SALES / "sql").rglob("*.sql"),
                                                      *(HR / "sql").rglob("*.sql")])
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        return evaluate_files(files, options=RunOptions(explicit_files=True, baseline=BASELINE))
    finally:
        os.chdir(cwd)


def _audit(work: Path) -> Any:
    sys.path.insert(0, str(ROOT / "tests" / "audit"))
    from audit_helpers import audit_yaml, serve_recorded
    from audit_loopback import loopback, sdk_factory

    from meshgov.audit.run import audit_command
    from meshgov.core.context import RunOptions

    for key in list(os.environ):
        if key.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_")):
            del os.environ[key]
    os.environ["DATABRICKS_CONFIG_FILE"] = str(work / "no-databrickscfg")
    with loopback() as lb:
        hosts = serve_recorded(lb)
        cfg = audit_yaml(work / "audit.yaml", hosts)
        return audit_command(config=None, options=RunOptions(), workspaces_file=cfg,
                             audit_dir=work / "audit", client_factory=sdk_factory(None),
                             eval_workers=0)


def digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--check", type=Path, metavar="FILE", help="compare with this manifest")
    ap.add_argument("--write", type=Path, metavar="FILE", help="record the digests here")
    args = ap.parse_args(argv)
    snapshots(args.out)
    got = digests(args.out)
    if args.write:
        args.write.write_text("".join(f"{d}  {n}\n" for n, d in got.items()), encoding="utf-8")
    if args.check:
        want = dict(reversed(line.split(None, 1)) for line in
                    args.check.read_text(encoding="utf-8").splitlines() if line.strip())
        differ = sorted(n for n in set(want) | set(got) if want.get(n) != got.get(n))
        for n in differ:
            print(f"differs: {n}" + ("" if n in got else " (not written)")
                  + ("" if n in want else " (not in the manifest)"))
        return 1 if differ else 0
    return 0


def snapshots(out: Path) -> None:
    from meshgov.api import evaluate

    out.mkdir(parents=True, exist_ok=True)
    for name, (paths, config, kinds, baseline) in RUNS.items():
        _write(out, name, evaluate(paths, config=config, kinds=kinds, baseline=baseline))
    _write(out, "merged", _merged())
    work = Path("/tmp/meshgov-report-snapshots")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _write(out, "audit", _audit(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
