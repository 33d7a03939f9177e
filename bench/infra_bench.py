"""Infra policy figures: evaluation throughput and scaling per engine, and a plan end to end.

    .venv/bin/python bench/infra_bench.py                 # 1k, 10k, 100k resources, every engine
    .venv/bin/python bench/infra_bench.py --sizes 1000,10000 --runs 3
    PATH=.tools/bin:$PATH .venv/bin/python bench/infra_bench.py --engines regorus,opa,conftest --jobs 1

``--engines opa,conftest`` adds the real OPA server (meshgov's ``--engine opa`` path) and
conftest, the peer, on the same plans (bench/opa_peers.py).

For each embedded engine and size N, a generated Terraform plan (bench/infra_plan.py: clusters,
SQL warehouses, jobs with a job cluster, grants, schemas; 1 in 10 violates a rule) is normalized
once, then ``evaluate_resources`` (compile the pack + evaluate every resource + build findings)
is timed: median of ``--runs`` runs, wall and CPU time (CPU includes the forked evaluation
processes), for each ``--jobs`` mode: ``1`` (one process) and ``auto`` (what ``meshgov check``
does by default: large inputs split over one process per CPU, at most 4). "resources/s" counts resource documents evaluated against the whole pack;
"policy evals/s" counts (resource, applicable policy) pairs. Then ``meshgov check plan.json``
on a 1,000-change plan is timed end to end as a subprocess (median of 5, wall).

``--baseline REV`` also times the same plans with the code and pack of git revision REV
(``git archive`` of src/, rego/, checks/, bench/ into a temporary directory, run in a child
process with that src/ first on the path), each size right after the current code's, so that
before and after are measured side by side under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from infra_plan import generated  # noqa: E402

import benchlib  # bench/ is on sys.path when a script runs
import opa_peers  # noqa: E402

from meshgov.core.catalog import load_catalog  # noqa: E402
from meshgov.core.config import default_config  # noqa: E402
from meshgov.core.context import EvalContext, RunOptions  # noqa: E402
from meshgov.infra.engines.regorus_engine import available  # noqa: E402
from meshgov.infra.evaluator import evaluate_resources  # noqa: E402
from meshgov.infra.normalize.terraform import from_plan  # noqa: E402
from meshgov.infra.pack import load_pack  # noqa: E402


def machine() -> str:
    return benchlib.describe()


def versions() -> str:
    from importlib.metadata import version

    out = [f"Python {platform.python_version()}", f"regopy {version('regopy')}"]
    if available():
        out.append(f"hobofan-regorus {version('hobofan-regorus')}")
    return ", ".join(out)


def applicable(resources: list, catalog) -> int:  # type: ignore[no-untyped-def]
    by_type: dict[str, int] = {}
    for p in catalog.by_kind("infra"):
        for t in p.scope.get("resource_types") or []:
            by_type[t] = by_type.get(t, 0) + 1
    return sum(by_type.get(r.type, 0) for r in resources)


def cpu_now() -> float:
    """CPU time of this process and its waited-for children (forked evaluation parts)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_eval(engine: str, resources: list, runs: int, jobs: int | None = 1,
              opa: tuple[str, int] | None = None) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``evaluate_resources`` and its finding count.

    ``opa`` (URL, pid of a running ``opa run --server``): meshgov's ``--engine opa`` path; the
    server's CPU time is added to this process's.
    """
    cfg = default_config(ROOT)
    if opa is not None:
        options = RunOptions(engine="opa", opa_url=opa[0], jobs=1)
    else:
        try:
            options = RunOptions(embedded_engine=engine, jobs=jobs)
        except TypeError:  # a baseline from before --jobs
            options = RunOptions(embedded_engine=engine)
    ctx = EvalContext(cfg, load_catalog(cfg, ("infra",)), options)

    def cpu() -> float:
        return cpu_now() + (opa_peers.proc_cpu(opa[1]) if opa is not None else 0.0)

    walls, cpus, findings = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), cpu()
        result = evaluate_resources(resources, ctx)
        walls.append(time.perf_counter() - w)
        cpus.append(cpu() - c)
        findings = len(result.findings)
    return statistics.median(walls), statistics.median(cpus), findings


def time_eval_in(tree: Path, engine: str, n: int, runs: int) -> tuple[float, float, int]:
    """``time_eval`` of the code and pack in ``tree`` (a baseline), in a child process."""
    code = ("import json, sys; sys.path[:0] = [sys.argv[1] + '/src', sys.argv[1] + '/bench']\n"
            "import infra_bench as B; from infra_plan import generated\n"
            "from meshgov.infra.normalize.terraform import from_plan\n"
            "res = from_plan(json.dumps(generated(int(sys.argv[3]))), 'plan.json')\n"
            "print(json.dumps(B.time_eval(sys.argv[2], res, int(sys.argv[4]))))\n")
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, "-c", code, str(tree), engine, str(n), str(runs)],
                         capture_output=True, text=True, check=True, env=env, cwd=tree).stdout
    wall, cpu, findings = json.loads(out.strip().splitlines()[-1])
    return wall, cpu, findings


def end_to_end(runs: int = 5) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps(generated(1000), indent=1))
        walls, cpus = [], []
        code = 0
        for _ in range(runs):
            before = os.times()
            start = time.perf_counter()
            proc = subprocess.run([str(Path(sys.executable).parent / "meshgov"), "check", str(plan),
                                   "-f", "json", "-o", str(Path(tmp) / "r.json")],
                                  capture_output=True, cwd=tmp)
            walls.append(time.perf_counter() - start)
            after = os.times()
            cpus.append(after.children_user + after.children_system
                        - before.children_user - before.children_system)
            code = proc.returncode
        return statistics.median(walls), statistics.median(cpus), code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="regorus,regopy" if available() else "regopy",
                    help="comma-separated: regorus, regopy (embedded), opa (meshgov --engine opa "
                    "against a real `opa run --server` started here), conftest (the peer: "
                    "`conftest test` with the same pack); opa and conftest are built by "
                    "scripts/go-tools.sh on first use")
    ap.add_argument("--baseline", metavar="REV", help="also time git revision REV, side by side")
    ap.add_argument("--jobs", default="1,auto",
                    help="evaluation processes to time, comma-separated: 1 (one process), N, auto "
                    "(the default of meshgov check: one per CPU, at most 4)")
    ap.add_argument("--no-end-to-end", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        opa = stack.enter_context(opa_peers.opa_server()) if "opa" in args.engines.split(",") else None
        run(args, benchlib.revision_tree(args.baseline, Path(tmp)) if args.baseline else None, opa)


def run(args: argparse.Namespace, baseline: Path | None,  # noqa: C901
        opa: tuple[str, int] | None = None) -> None:
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    for name in ("opa", "conftest"):
        if name in args.engines.split(","):
            print(f"{name}: {opa_peers.version(name)}")
    cat = load_catalog(default_config(ROOT), ("infra",))
    if opa is not None:
        print(f"opa: pushing the pack ({len(load_pack(cat).all_modules())} modules) to a fresh server: "
              f"{opa_peers.time_push(opa[0], load_pack(cat)):.3f} s wall, once per pack hash "
              "(the runs below find it loaded)")
    sizes = [int(s) for s in args.sizes.split(",")]
    plans = {n: from_plan(json.dumps(generated(n)), "plan.json") for n in sizes}
    job_modes: list[int | None] = [None if j == "auto" else int(j) for j in args.jobs.split(",")]
    print(f"{'engine':8} {'jobs':>4} {'changes':>8} {'resources':>9} {'wall s':>8} {'cpu s':>8} "
          f"{'resources/s (wall)':>19} {'resources/s (cpu)':>18} {'pairs/s (wall)':>15} {'findings':>8}")
    base: dict[str, float] = {}
    for engine in args.engines.split(","):
        for n in sizes:
            res = plans[n]
            runs = args.runs if len(res) <= 20000 else max(1, args.runs - 2)
            if engine == "opa":
                rows = [("1", "", time_eval(engine, res, runs, 1, opa))]
            elif engine == "conftest":
                rows = [("1", "", opa_peers.time_conftest(load_pack(cat), res, runs))]
            else:
                rows = [(f"{j or 'auto'}", "", time_eval(engine, res, runs, j)) for j in job_modes]
            if baseline is not None and engine not in ("opa", "conftest"):
                rows.append(("1", args.baseline, time_eval_in(baseline, engine, n, runs)))
            for jobs, label, (wall, cpu, findings) in rows:
                key = f"{engine} {jobs} {label}"
                base.setdefault(key, wall)
                print(f"{engine:8} {jobs:>4} {n:>8} {len(res):>9} {wall:>8.3f} {cpu:>8.3f} "
                      f"{len(res) / wall:>19,.0f} {len(res) / cpu:>18,.0f} "
                      f"{applicable(res, cat) / wall:>15,.0f} {findings:>8}  "
                      f"(x{wall / base[key]:.1f} the wall time of {sizes[0]})"
                      f"{'  baseline ' + label if label else ''}  load {os.getloadavg()[0]:.1f}", flush=True)
    if args.no_end_to_end:
        return
    wall, cpu, code = end_to_end()
    print(f"end to end: meshgov check plan.json (1,000 changes, 1,200 resources), "
          f"median of 5: {wall:.3f} s wall, {cpu:.3f} s CPU, exit {code}")


if __name__ == "__main__":
    main()
