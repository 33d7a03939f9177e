"""Latency of the pre-commit hook on one changed file in a 500-model domain repo.

Generates a git repo (plain SQL models, or a dbt project with schema.yml files and ref()s),
then times, as subprocess wall time over several runs:

1. ``meshgov check --kinds code,infra <one file>``: what pre-commit executes;
2. ``pre-commit run --files <one file>``: the whole framework around it (a ``repo: local``
   hook built from this checkout's .pre-commit-hooks.yaml, running the venv's meshgov).

Target (issue 6): (1) <= 0.4 s. Usage::

    .venv/bin/python bench/hook_bench.py                 # both layouts, 500 models, 15 runs
    .venv/bin/python bench/hook_bench.py --layout dbt --models 500 --runs 20
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib  # bench/ is on sys.path when a script runs

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_S = 0.4

CONFIG = """\
domain: sales
owner: sales-data@corp.example
catalogs: [sales_prod, sales_dev]
products:
  - name: orders
    tables: [sales_prod.published.ORDERS]
"""


def _sql_model(i: int) -> str:
    return (
        f"-- model {i}\n"
        f"CREATE OR REPLACE VIEW sales_prod.published.V_ORDERS_{i} AS\n"
        "SELECT o.order_id, o.customer_id, o.amount, c.region\n"
        f"FROM sales_prod.core.ORDERS_{i % 50} AS o\n"
        "JOIN sales_prod.core.CUSTOMERS AS c ON c.customer_id = o.customer_id\n"
        "WHERE o.amount > 0\n"
    )


def _dbt_model(i: int) -> str:
    upstream = f"{{{{ ref('m_{i - 1:04d}') }}}}" if i else "{{ source('core', 'ORDERS') }}"
    return (
        "{{ config(materialized='view') }}\n"
        "SELECT o.order_id, o.customer_id, o.amount\n"
        f"FROM {upstream} AS o\n"
        "WHERE o.amount > 0\n"
    )


def generate(root: Path, layout: str, models: int) -> str:
    """Write the repo; return the path (relative) of the file the benchmark changes."""
    (root / "meshgov.yaml").write_text(CONFIG)
    per_dir = 25
    if layout == "dbt":
        (root / "dbt_project.yml").write_text(
            "name: sales\nversion: '1.0'\nprofile: sales\nmodel-paths: [models]\n"
        )
    for i in range(models):
        d = root / "models" / f"area_{i // per_dir:02d}"
        d.mkdir(parents=True, exist_ok=True)
        if layout == "dbt":
            (d / f"m_{i:04d}.sql").write_text(_dbt_model(i))
        else:
            (d / f"m_{i:04d}.sql").write_text(_sql_model(i))
    if layout == "dbt":
        (root / "models" / "sources.yml").write_text(
            "version: 2\nsources:\n  - name: core\n    database: sales_prod\n    schema: core\n"
            "    tables:\n      - name: ORDERS\n"
        )
        for d in sorted((root / "models").glob("area_*")):
            entries = [
                {"name": p.stem, "description": f"model {p.stem}", "config": {"tags": ["sales"]},
                 "meta": {"owner": "sales-data@corp.example"},
                 "columns": [{"name": "order_id", "description": "id"}]}
                for p in sorted(d.glob("*.sql"))
            ]
            (d / "schema.yml").write_text(yaml.safe_dump({"version": 2, "models": entries}))
    target = f"models/area_{(models // 2) // per_dir:02d}/m_{models // 2:04d}.sql"
    return target


def local_hook_config() -> str:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = dict(next(h for h in hooks if h["id"] == "meshgov"))
    _, _, args = hook["entry"].partition(" ")
    hook["entry"] = f"{BIN / 'meshgov'} {args}"
    hook["language"] = "unsupported"
    hook.pop("minimum_pre_commit_version", None)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)


def _env(tmp: Path, cold_bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.pop("PYTHONPYCACHEPREFIX", None)
    if cold_bytecode:  # every run compiles meshgov from source (PYTHONDONTWRITEBYTECODE=1)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:  # like an installed package (pip writes .pyc at install): a warm bytecode cache,
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # kept out of the source tree
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env.update({
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "NO_COLOR": "1",
    })
    return env


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _time(cmd: list[str], cwd: Path, env: dict[str, str], runs: int) -> tuple[list[float], list[float], int]:
    """(wall times, CPU times of the child processes, last exit code)."""
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)  # warm-up (page cache)
    times, cpu = [], []
    rc = 0
    for _ in range(runs):
        c0, t0 = _cpu(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
        rc = proc.returncode
    return times, cpu, rc


def bench(layout: str, models: int, runs: int, cold_bytecode: bool) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix=f"meshgov-hook-bench-{layout}-") as tmp_s:
        tmp = Path(tmp_s)
        repo = tmp / "repo"
        repo.mkdir()
        env = _env(tmp, cold_bytecode)
        target = generate(repo, layout, models)
        (repo / ".pre-commit-config.yaml").write_text(local_hook_config())
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
        # the change being committed: one edited model
        path = repo / target
        path.write_text(path.read_text().replace("o.amount > 0", "o.amount >= 0"))
        subprocess.run(["git", "add", target], cwd=repo, env=env, check=True)
        rows = []
        for label, cmd in (
            ("meshgov check <1 file>", [str(BIN / "meshgov"), "check", "--kinds", "code,infra", target]),
            ("pre-commit run --files <1 file>", [str(BIN / "pre-commit"), "run", "--files", target]),
        ):
            times, cpu, rc = _time(cmd, repo, env, runs)
            rows.append({
                "layout": layout, "models": models, "what": label, "runs": runs, "exit": rc,
                "median": statistics.median(times), "min": min(times), "max": max(times),
                "cpu": statistics.median(cpu),
            })
        return rows


def machine() -> str:
    return benchlib.describe()


def versions() -> str:
    from importlib.metadata import version

    parts = [f"Python {platform.python_version()}"]
    for dist in ("meshgov", "sqlglot", "pre-commit", "regopy"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except Exception:  # noqa: BLE001 - a missing dist is just not listed
            pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    parts.append(git.stdout.strip())
    return ", ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layout", choices=["sql", "dbt", "both"], default="both")
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--cold-bytecode", action="store_true",
                    help="no .pyc cache: compile meshgov from source on every run")
    args = ap.parse_args()
    layouts = ["sql", "dbt"] if args.layout == "both" else [args.layout]
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    print(f"bytecode cache: {'none (compiled on every run)' if args.cold_bytecode else 'warm'}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print()
    print("| layout | models | command | runs | median s | min s | max s | CPU median s | exit |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for layout in layouts:
        for r in bench(layout, args.models, args.runs, args.cold_bytecode):
            print(f"| {r['layout']} | {r['models']} | `{r['what']}` | {r['runs']} | "
                  f"{r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {r['cpu']:.3f} | "
                  f"{r['exit']} |", flush=True)
            if str(r["what"]).startswith("meshgov"):
                worst = max(worst, float(r["median"]))  # type: ignore[arg-type]
    print()
    print(f"target: meshgov check on one file <= {TARGET_S} s: "
          f"{'met' if worst <= TARGET_S else 'MISSED'} (worst median {worst:.3f} s)")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
