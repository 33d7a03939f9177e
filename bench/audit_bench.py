"""Benchmark of ``meshgov audit``: crawl + evaluate throughput, peak memory, offline re-evaluation.

The loopback REST server (tests/audit/audit_loopback.py) runs in this process with N synthetic
workspaces of ~M objects each; the audit runs in a fresh child process (the real
databricks-sdk, PAT auth, default client factory) so that its peak RSS is its own.

    .venv/bin/python bench/audit_bench.py                       # 20 x 2,000, 3 runs, RSS 5/10/20
    .venv/bin/python bench/audit_bench.py --workspaces 5 --runs 1 --rss

Prints a JSON summary (medians) on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "audit"))

from audit_loopback import TOKEN, clean_sdk_env, inventory_objects, loopback, make_inventory  # noqa: E402

#: make_inventory(i, SIZE_FACTOR * M) yields about M records per workspace (tags/grants add up)
SIZE_FACTOR = 0.857


def child(args: argparse.Namespace) -> None:
    """Run one audit in this (fresh) process and print timing and peak RSS."""
    import resource
    import time

    import databricks.sdk  # noqa: F401 - import cost is not crawl cost
    import meshgov.audit.run as audit_run
    from meshgov.core.context import RunOptions

    kinds = tuple(k for k in args.kinds.split(",") if k)
    t0 = time.perf_counter()
    report = audit_run.audit_command(
        config=None, options=RunOptions(kinds=kinds), workspaces_file=args.workspaces_file,
        snapshot=args.snapshot, audit_dir=args.audit_dir, concurrency=args.concurrency,
        resume=False)
    seconds = time.perf_counter() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # the report's JSON shape is the contract (the Python objects changed between revisions)
    failed = [w["name"] for w in report.to_dict().get("workspaces", []) if w["status"] != "ok"]
    by_policy: dict[str, int] = {}
    for f in report.findings:
        by_policy[f.policy_id] = by_policy.get(f.policy_id, 0) + 1
    print(json.dumps({"seconds": seconds, "objects": report.run.inputs,
                      "findings": len(report.findings), "failed": failed,
                      "findings_by_policy": dict(sorted(by_policy.items())),
                      "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                      "main_cpu_seconds": me.ru_utime + me.ru_stime,
                      "workers_cpu_seconds": kids.ru_utime + kids.ru_stime,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "worker_maxrss_mb":
                          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def run_child(extra: list[str], env: dict[str, str], kinds: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", "--kinds", kinds, *extra],
                         env=env, cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--workspaces-file")
    ap.add_argument("--snapshot")
    ap.add_argument("--audit-dir")
    ap.add_argument("--workspaces", type=int, default=20)
    ap.add_argument("--objects", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--kinds", default="code,infra,data",
                    help="policy kinds evaluated (code,infra,data)")
    ap.add_argument("--rss", nargs="*", type=int, default=[5, 10, 20],
                    help="workspace counts for the peak-RSS series (default, and `--rss` "
                    "without values: 5 10 20; `--rss 0`: none)")
    args = ap.parse_args()
    if not args.rss:  # a bare `--rss` means the default series, not none
        args.rss = [5, 10, 20]
    args.rss = [n for n in args.rss if n > 0]
    if args.child:
        child(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="meshgov-audit-bench-"))
    env = clean_sdk_env(dict(os.environ), str(tmp / "no-databrickscfg"))
    env["DATABRICKS_TOKEN"] = TOKEN
    env["PYTHONPATH"] = str(ROOT / "src")
    result: dict[str, Any] = {"workspaces": args.workspaces, "concurrency": args.concurrency,
                              "kinds": args.kinds, "cpus": os.cpu_count()}
    with loopback() as lb:
        hosts = {}
        expected = 0
        for i in range(max([args.workspaces, *args.rss])):
            inv = make_inventory(i, int(args.objects * SIZE_FACTOR))
            if i < args.workspaces:
                expected += inventory_objects(inv)
            hosts[f"ws-{i:02d}"] = lb.add_workspace(f"ws-{i:02d}", inv)
            del inv

        def config(n: int) -> Path:
            p = tmp / f"audit-{n}.yaml"
            lines = ["workspaces:"]
            for i in range(n):
                lines += [f"  - name: ws-{i:02d}", f"    host: {hosts[f'ws-{i:02d}']}",
                          f"    warehouse_id: wh{i:02d}"]
            p.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return p

        runs = []
        for r in range(args.runs):
            d = tmp / f"run-{r}"
            before = resource.getrusage(resource.RUSAGE_SELF)
            runs.append(run_child(["--workspaces-file", str(config(args.workspaces)),
                                   "--audit-dir", str(d), "--concurrency",
                                   str(args.concurrency)], env, args.kinds))
            after = resource.getrusage(resource.RUSAGE_SELF)  # this process = the REST server
            runs[-1]["server_cpu_seconds"] = (after.ru_utime + after.ru_stime
                                              - before.ru_utime - before.ru_stime)
        assert all(not x["failed"] for x in runs), runs
        assert runs[0]["objects"] == expected, (runs[0]["objects"], expected)
        secs = statistics.median(x["seconds"] for x in runs)
        assert all(x["findings_by_policy"] == runs[0]["findings_by_policy"] for x in runs), runs
        result.update(objects=runs[0]["objects"], findings=runs[0]["findings"],
                      findings_by_policy=runs[0]["findings_by_policy"],
                      crawl_evaluate_seconds=[round(x["seconds"], 2) for x in runs],
                      median_seconds=round(secs, 2),
                      audit_cpu_seconds=[round(x["cpu_seconds"], 2) for x in runs],
                      main_cpu_seconds=[round(x["main_cpu_seconds"], 2) for x in runs],
                      workers_cpu_seconds=[round(x["workers_cpu_seconds"], 2) for x in runs],
                      server_cpu_seconds=[round(x["server_cpu_seconds"], 2) for x in runs],
                      load_average_1m=round(os.getloadavg()[0], 2),
                      objects_per_second=round(runs[0]["objects"] / secs))
        snap = next((tmp / "run-0" / "runs").iterdir())
        offline = [run_child(["--snapshot", str(snap)], env, args.kinds)
                   for _ in range(args.runs)]
        result["offline_reevaluate_seconds"] = [round(x["seconds"], 2) for x in offline]
        result["offline_median_seconds"] = round(statistics.median(x["seconds"] for x in offline), 2)
        result["offline_cpu_seconds"] = [round(x["cpu_seconds"], 2) for x in offline]
        rss = {}
        for n in args.rss:
            x = run_child(["--workspaces-file", str(config(n)), "--audit-dir",
                           str(tmp / f"rss-{n}"), "--concurrency", str(args.concurrency)], env,
                          args.kinds)
            rss[str(n)] = {"main_mb": round(x["maxrss_mb"], 1),
                           "largest_worker_mb": round(x["worker_maxrss_mb"], 1),
                           "findings": x["findings"]}
        result["peak_rss_by_workspaces"] = rss
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
