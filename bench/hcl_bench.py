"""Terraform sources (HCL, no plan): `meshgov check` end to end on a module directory.

    .venv/bin/python bench/hcl_bench.py                    # 500 resources, 5 runs each
    .venv/bin/python bench/hcl_bench.py --resources 500 --small 20 --runs 7

Generates a module of N resources (clusters and SQL warehouses in 5 files, with a variable, a
local, interpolation and a data source; 1 in 10 violates a rule) and times, as subprocesses,
median of --runs (wall):

- ``meshgov check <dir> --kinds infra``: the gate's run over the directory (target <= 1 s at 500);
- ``meshgov check <one .tf> --kinds infra``: a pre-commit run on one changed file, which
  evaluates its whole module (the file's siblings give its variables and locals); on the
  N-resource module and on a typical small module of --small resources (target <= 0.35 s);
- the same plan, as ``terraform show -json`` would give it, checked as plan.json, for comparison;
- python-hcl2 alone parsing the files (in-process, median), the floor of the HCL path.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib  # bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
MESHGOV = Path(sys.executable).parent / "meshgov"


def write_module(dest: Path, n: int, files: int = 5) -> None:
    blocks = ['variable "size" {\n  default = "Small"\n}\n\nlocals {\n  domain = "sales"\n}\n']
    for i in range(n // 2):
        blocks.append(f'''
resource "databricks_cluster" "c{i}" {{
  cluster_name            = "${{local.domain}}-c{i}"
  spark_version           = data.databricks_spark_version.lts.id
  num_workers             = {i % 12}
  autotermination_minutes = {0 if i % 10 == 0 else 30}
  data_security_mode      = "USER_ISOLATION"
  custom_tags = {{
    domain = local.domain
  }}
}}
''')
        blocks.append(f'''
resource "databricks_sql_endpoint" "w{i}" {{
  name           = "w{i}"
  cluster_size   = {'"2X-Large"' if i % 10 == 0 else 'var.size'}
  auto_stop_mins = 10
}}
''')
    per = -(-len(blocks) // files)
    for k in range(files):
        (dest / f"part{k}.tf").write_text("".join(blocks[k * per:(k + 1) * per]))


def plan_of(n: int) -> dict:
    changes = []
    for i in range(n // 2):
        after_c = {"cluster_name": f"sales-c{i}", "num_workers": i % 12,
                   "autotermination_minutes": 0 if i % 10 == 0 else 30,
                   "data_security_mode": "USER_ISOLATION", "custom_tags": {"domain": "sales"}}
        after_w = {"name": f"w{i}", "cluster_size": "2X-Large" if i % 10 == 0 else "Small",
                   "auto_stop_mins": 10}
        for typ, name, after, unknown in (("databricks_cluster", f"c{i}", after_c, {"spark_version": True}),
                                          ("databricks_sql_endpoint", f"w{i}", after_w, {})):
            changes.append({"address": f"{typ}.{name}", "mode": "managed", "type": typ, "name": name,
                            "change": {"actions": ["create"], "before": None, "after": after,
                                       "after_unknown": {"id": True, **unknown}}})
    return {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes}


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None,
          before: Any = None) -> tuple[float, int, int]:
    """Median wall seconds, exit code and finding count of ``cmd`` (JSON report on stdout);
    ``before(i)`` runs before each run, untimed (the edit of the changed file)."""
    walls, code, count = [], 0, 0
    for i in range(runs):
        if before is not None:
            before(i)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        walls.append(time.perf_counter() - start)
        code = proc.returncode
        if code not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {proc.stderr[-2000:]}")
        count = len(json.loads(proc.stdout)["findings"])
    return statistics.median(walls), code, count


def parse_only(directory: Path, runs: int) -> float:
    import hcl2

    texts = [p.read_text() for p in sorted(directory.glob("*.tf"))]
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        for t in texts:
            hcl2.load(io.StringIO(t), with_meta=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=500)
    ap.add_argument("--small", type=int, default=20, help="resources of the small module")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {benchlib.describe()}")
    import hcl2

    print(f"versions: python-hcl2 {getattr(hcl2, '__version__', '7.3.1')}")
    with tempfile.TemporaryDirectory() as tmp:
        big, small, plan = Path(tmp) / "big", Path(tmp) / "small", Path(tmp) / "plan"
        for d in (big, small, plan):
            d.mkdir()
        write_module(big, args.resources)
        write_module(small, args.small, files=2)
        (plan / "plan.json").write_text(json.dumps(plan_of(args.resources), indent=1))
        base = [str(MESHGOV), "check", "--kinds", "infra", "--format", "json"]
        no_cache = {**os.environ, "MESHGOV_NO_CACHE": "1"}
        cache = {**os.environ, "MESHGOV_CACHE_DIR": str(Path(tmp) / "cache")}
        cache.pop("MESHGOV_NO_CACHE", None)

        def edit(path: Path, whole: bool = False) -> Any:
            original = path.read_text()

            def before(i: int) -> None:
                # a new change each run, never seen before: one resource's num_workers (its
                # block is parsed again), or (whole) a line that defeats the block split
                stamp = time.time_ns() % 1000 + 1000 * i
                if whole:
                    path.write_text(f"# {stamp}\nx = 1\n" + original)
                else:
                    path.write_text(original.replace("num_workers", f"num_workers = {stamp}\n"
                                                     "  min_workers", 1))
            return before

        rows = [
            (f"directory, {args.resources} resources (no parse cache)", base + [str(big)],
             no_cache, None),
            (f"directory, {args.resources} resources (parse cache warm)", base + [str(big)],
             cache, None),
            (f"one changed .tf of the {args.resources}-resource module (no parse cache)",
             base + [str(big / "part0.tf")], no_cache, edit(big / "part0.tf")),
            (f"one changed .tf of the {args.resources}-resource module (siblings cached, "
             "file parsed whole)", base + [str(big / "part1.tf")], cache,
             edit(big / "part1.tf", whole=True)),
            (f"one changed .tf of the {args.resources}-resource module (one block changed)",
             base + [str(big / "part0.tf")], cache, edit(big / "part0.tf")),
            (f"one changed .tf of a {args.small}-resource module (siblings cached)",
             base + [str(small / "part0.tf")], cache, edit(small / "part0.tf")),
            (f"the same {args.resources} resources as plan.json", base + [str(plan / "plan.json")],
             no_cache, None),
        ]
        subprocess.run(base + [str(big)], capture_output=True, env=cache, check=False)  # warm it
        subprocess.run(base + [str(small)], capture_output=True, env=cache, check=False)
        for label, cmd, env, before in rows:
            wall, code, count = timed(cmd, args.runs, env, before)
            print(f"{label:75} {wall:7.3f} s wall (median of {args.runs})  exit {code}  {count} findings",
                  flush=True)
        print(f"{'python-hcl2 parsing the ' + str(args.resources) + '-resource module alone':75} "
              f"{parse_only(big, args.runs):7.3f} s (in-process)")


if __name__ == "__main__":
    main()
