"""Infra policy figures: evaluation throughput and scaling per engine, and a plan end to end.

    .venv/bin/python bench/infra_bench.py                 # 1k, 10k, 100k resources, every engine
    .venv/bin/python bench/infra_bench.py --sizes 1000,10000 --runs 3

For each embedded engine and size N, a generated Terraform plan (bench/infra_plan.py: clusters,
SQL warehouses, jobs with a job cluster, grants, schemas; 1 in 10 violates a rule) is normalized
once, then ``evaluate_resources`` (compile the pack + evaluate every resource + build findings)
is timed: median of ``--runs`` runs, wall and CPU time (the machine is shared: CPU time is the
steadier figure). "resources/s" counts resource documents evaluated against the whole pack;
"policy evals/s" counts (resource, applicable policy) pairs. Then ``meshgov check plan.json``
on a 1,000-change plan is timed end to end as a subprocess (median of 5, wall).
"""

from __future__ import annotations

import argparse
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

from meshgov.core.catalog import load_catalog  # noqa: E402
from meshgov.core.config import default_config  # noqa: E402
from meshgov.core.context import EvalContext, RunOptions  # noqa: E402
from meshgov.infra.engines.regorus_engine import available  # noqa: E402
from meshgov.infra.evaluator import evaluate_resources  # noqa: E402
from meshgov.infra.normalize.terraform import from_plan  # noqa: E402


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, load average {load:.1f} at start"


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


def time_eval(engine: str, resources: list, runs: int) -> tuple[float, float, int]:
    cfg = default_config(ROOT)
    ctx = EvalContext(cfg, load_catalog(cfg, ("infra",)), RunOptions(embedded_engine=engine))
    walls, cpus, findings = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = evaluate_resources(resources, ctx)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        findings = len(result.findings)
    return statistics.median(walls), statistics.median(cpus), findings


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
    ap.add_argument("--engines", default="regorus,regopy" if available() else "regopy")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    cat = load_catalog(default_config(ROOT), ("infra",))
    sizes = [int(s) for s in args.sizes.split(",")]
    plans = {n: from_plan(json.dumps(generated(n)), "plan.json") for n in sizes}
    print(f"{'engine':8} {'changes':>8} {'resources':>9} {'wall s':>8} {'cpu s':>8} "
          f"{'resources/s (cpu)':>18} {'policy evals/s (cpu)':>21} {'findings':>8}")
    base: dict[str, float] = {}
    for engine in args.engines.split(","):
        for n in sizes:
            res = plans[n]
            runs = args.runs if len(res) <= 20000 else max(1, args.runs - 2)
            wall, cpu, findings = time_eval(engine, res, runs)
            base.setdefault(engine, cpu)
            print(f"{engine:8} {n:>8} {len(res):>9} {wall:>8.3f} {cpu:>8.3f} {len(res) / cpu:>18,.0f} "
                  f"{applicable(res, cat) / cpu:>21,.0f} {findings:>8}  "
                  f"(x{cpu / base[engine]:.1f} the CPU time of {sizes[0]})", flush=True)
    wall, cpu, code = end_to_end()
    print(f"end to end: meshgov check plan.json (1,000 changes, 1,200 resources), "
          f"median of 5: {wall:.3f} s wall, {cpu:.3f} s CPU, exit {code}")


if __name__ == "__main__":
    main()
