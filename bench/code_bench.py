"""Code policies: `meshgov check` vs `sqlfluff lint` vs bare sqlglot parsing, same files, same run.

Corpora (generated, deterministic):

- ``sql``: N plain Databricks SQL models (CREATE OR REPLACE TABLE ... AS WITH ... CTEs, joins,
  window functions) in a domain repo; about one in ten carries a violation (SELECT *,
  another domain's raw table, a lower-case name, a forbidden function) so the rules do work;
- ``dbt``: N dbt models with ``{{ config() }}``, ``{{ ref() }}``, ``{{ source() }}``, ``var()``
  and ``is_incremental()`` (bench/gen_dbt_corpus.py), rendered by meshgov's Jinja stubs.

Timed as subprocess wall time, median of ``--runs``, the three commands of 1.–3. interleaved
run by run (the machine is shared: its speed drifts):

1. ``meshgov check DIR`` (default kinds and ``--jobs``: hundreds of files are split over one
   process per CPU; text report to /dev/null), and ``meshgov check DIR --jobs 1`` (one
   process: meshgov's CPU cost per file against bare parsing);
2. ``sqlfluff lint --dialect databricks`` on the same files (jinja templater with dbt builtins
   for the dbt corpus). With ``--sqlfluff-sample K`` only K files are linted and the time is
   extrapolated per file to N (said so in the output);
3. bare ``sqlglot.parse(text, read="databricks")`` of every file in one Python process
   (for dbt: of the SQL meshgov rendered, written out beforehand, untimed).

Plus ``meshgov check one_file.sql`` in a domain repo (the pre-commit path), median of
``--one-runs``. Bytecode caching is left on (PYTHONDONTWRITEBYTECODE removed, one warm-up run),
as for an installed package.

Usage::

    .venv/bin/python bench/code_bench.py                      # 200 and 2000, both corpora
    .venv/bin/python bench/code_bench.py --sizes 200 --corpora sql --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib  # bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))

CONFIG = """\
domain: sales
owner: sales-data@corp.example
catalogs: [sales_prod, sales_dev]
products:
  - name: orders
    tables: [sales_prod.published.ORDERS]
policies:
  packs: [builtin, {governance}]
"""

WINDOWS = (
    "ROW_NUMBER() OVER (PARTITION BY o.customer_id ORDER BY o.ordered_at DESC)",
    "RANK() OVER (PARTITION BY c.segment ORDER BY o.amount DESC)",
    "SUM(o.amount) OVER (PARTITION BY c.country ORDER BY o.ordered_at "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
    "LAG(o.amount, 1) OVER (PARTITION BY o.customer_id ORDER BY o.ordered_at)",
)


def sql_model(i: int, rng: random.Random) -> str:
    """One plain SQL model; every 10th has one violation of a code policy."""
    kind = i % 40
    name = f"MODEL_{i:05d}" if kind != 7 else f"model_{i:05d}"
    upstream = (f"sales_prod.marts.MODEL_{rng.randrange(i):05d}" if i else "sales_prod.raw.orders")
    dims = "hr_prod.raw.employees_src" if kind == 17 else "hr_prod.published.EMPLOYEES"
    projection = "*" if kind == 27 else "order_id, customer_id, amount, segment, country, rn, metric"
    extra = ",\n    input_file_name() AS src" if kind == 37 else ""
    return (
        f"-- {name}: generated for benchmarks\n"
        f"CREATE OR REPLACE TABLE sales_prod.marts.{name} AS\n"
        "WITH base AS (\n"
        "  SELECT o.order_id, o.customer_id, o.amount, o.ordered_at, o.booked_by\n"
        f"  FROM {upstream} AS o\n"
        f"  WHERE o.amount > {rng.randint(0, 50)} AND o.ordered_at >= DATE '2025-01-01'\n"
        "),\n"
        "dims AS (\n"
        "  SELECT c.customer_id, c.segment, c.country\n"
        "  FROM sales_prod.published.CUSTOMERS AS c\n"
        "  WHERE c.country IN ('DE', 'FR', 'NL')\n"
        "),\n"
        "joined AS (\n"
        "  SELECT\n"
        "    o.order_id,\n    o.customer_id,\n    o.amount,\n    c.segment,\n    c.country,\n"
        f"    {rng.choice(WINDOWS)} AS rn,\n"
        f"    {rng.choice(WINDOWS)} AS metric{extra}\n"
        "  FROM base AS o\n"
        f"  {rng.choice(('LEFT JOIN', 'JOIN'))} dims AS c ON c.customer_id = o.customer_id\n"
        f"  JOIN {dims} AS e ON e.emp_num = o.booked_by\n"
        ")\n"
        f"SELECT {projection}\n"
        "FROM joined\n"
        f"WHERE rn <= {rng.randint(1, 20)};\n"
    )


def make_sql_corpus(out: Path, n: int) -> list[Path]:
    rng = random.Random(20261122)
    out.mkdir(parents=True, exist_ok=True)
    (out / "meshgov.yaml").write_text(
        CONFIG.format(governance=ROOT / "fixtures" / "governance"), encoding="utf-8")
    d = out / "sql"
    d.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        f = d / f"model_{i:05d}.sql"
        f.write_text(sql_model(i, rng), encoding="utf-8")
        files.append(f)
    return files


def make_dbt_corpus(out: Path, n: int) -> tuple[list[Path], list[Path]]:
    """(model files, rendered SQL files for the bare-parse baseline)."""
    from gen_dbt_corpus import generate

    files = generate(out, n)
    rendered_dir = out.parent / f"{out.name}-rendered"
    rendered_dir.mkdir(exist_ok=True)
    from meshgov.code.evaluator import dbt_session
    from meshgov.core.catalog import load_catalog
    from meshgov.core.config import load_config
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import discover

    cfg = load_config(out / "meshgov.yaml")
    ctx = EvalContext(config=cfg, catalog=load_catalog(cfg, ("code",)))
    inputs = [i for i in discover([out], cfg.root, (), ("code",)) if i.type == "dbt_model"]
    session = dbt_session(inputs, ctx)
    rendered = []
    for inp in inputs:
        for doc in session.load(inp):
            text = getattr(doc, "text", None)
            if text is None:
                raise SystemExit(f"{inp.rel} does not render: {doc}")
            f = rendered_dir / inp.path.name
            f.write_text(text, encoding="utf-8")
            rendered.append(f)
    return files, rendered


# -- timing ---------------------------------------------------------------------------------------

BARE_PARSE = """
import sys, sqlglot
for p in sys.argv[1:]:
    with open(p, encoding="utf-8") as fh:
        sqlglot.parse(fh.read(), read="databricks")
"""


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e


def timed(cmd: list[str], cwd: Path, runs: int) -> tuple[float, list[float], int, float]:
    """(median wall s, all wall s, exit code, median CPU s of the child: user + sys)."""
    times, cpus = [], []
    code = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        code = proc.returncode
        if code not in (0, 1):
            raise SystemExit(f"{cmd[:3]} exited {code}: {proc.stderr[-2000:]}")
    return statistics.median(times), times, code, statistics.median(cpus)


def timed_interleaved(cmds: dict[str, list[str]], cwd: Path,
                      runs: int) -> dict[str, tuple[float, list[float], int, float]]:
    """``timed`` of each command, one run of each in turn (the machine is shared and its speed
    drifts: interleaving exposes every command to the same drift), after one warm-up each."""
    for cmd in cmds.values():
        timed(cmd, cwd, 1)  # warm-up: bytecode, page cache
    got: dict[str, list[tuple[float, int, float]]] = {k: [] for k in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            wall, _, code, cpu = timed(cmd, cwd, 1)
            got[name].append((wall, code, cpu))
    return {name: (statistics.median(w for w, _, _ in rs), [w for w, _, _ in rs], rs[-1][1],
                   statistics.median(c for _, _, c in rs)) for name, rs in got.items()}


def bench_corpus(kind: str, n: int, base: Path, runs: int, fluff_runs: int,
                 fluff_sample: int | None) -> dict[str, object]:
    out = base / f"{kind}-{n}"
    if kind == "sql":
        files = make_sql_corpus(out, n)
        parse_files = files
    else:
        files, parse_files = make_dbt_corpus(out, n)
    meshgov = [str(BIN / "meshgov"), "check", str(out)]
    bare = [sys.executable, "-c", BARE_PARSE, *map(str, parse_files)]
    load_before = os.getloadavg()[0]
    got = timed_interleaved({"meshgov": meshgov, "meshgov_jobs1": [*meshgov, "--jobs", "1"],
                             "bare": bare}, out, runs)
    m_med, m_all, m_code, m_cpu = got["meshgov"]
    j_med, j_all, _, j_cpu = got["meshgov_jobs1"]
    b_med, b_all, _, b_cpu = got["bare"]
    sample = files if not fluff_sample or fluff_sample >= n else files[:fluff_sample]
    fluff = [str(BIN / "sqlfluff"), "lint", "--dialect", "databricks", "--disable-progress-bar",
             "--nocolor", *(["--templater", "jinja"] if kind == "dbt" else []),
             *map(str, sample)]
    f_med, f_all, _, f_cpu = timed(fluff, out, fluff_runs)
    f_full = f_med * n / len(sample)
    return {
        "corpus": kind, "files": n, "meshgov_s": m_med, "meshgov_runs": m_all,
        "meshgov_exit": m_code, "bare_sqlglot_s": b_med, "bare_runs": b_all,
        "meshgov_jobs1_s": j_med, "meshgov_jobs1_runs": j_all,
        "jobs1_x_of_bare_sqlglot": j_med / b_med,
        "sqlfluff_files_linted": len(sample), "sqlfluff_s": f_med, "sqlfluff_runs": f_all,
        "sqlfluff_s_for_all": f_full, "extrapolated": len(sample) != n,
        "x_faster_than_sqlfluff": f_full / m_med, "x_of_bare_sqlglot": m_med / b_med,
        "cpu_s": {"meshgov": m_cpu, "meshgov_jobs1": j_cpu, "bare_sqlglot": b_cpu, "sqlfluff": f_cpu,
                  "sqlfluff_for_all": f_cpu * n / len(sample)},
        "cpu_x_faster_than_sqlfluff": f_cpu * n / len(sample) / m_cpu,
        "cpu_x_of_bare_sqlglot": m_cpu / b_cpu,
        "jobs1_cpu_x_of_bare_sqlglot": j_cpu / b_cpu,
        "load_1m": [load_before, os.getloadavg()[0]],  # before and after this corpus
    }


def bench_one_file(base: Path, runs: int) -> dict[str, object]:
    out = base / "one-file"
    files = make_sql_corpus(out, 50)
    one = files[10]
    cmd = [str(BIN / "meshgov"), "check", str(one.relative_to(out))]
    load_before = os.getloadavg()[0]
    timed(cmd, out, 2)
    med, all_runs, _, cpu = timed(cmd, out, runs)
    return {"one_file_s": med, "runs": all_runs, "cpu_s": cpu, "repo_files": len(files),
            "load_1m": [load_before, os.getloadavg()[0]]}


def machine() -> dict[str, str]:
    import sqlglot

    fluff = subprocess.run([str(BIN / "sqlfluff"), "--version"], capture_output=True,
                           text=True, check=False).stdout.strip()
    return {**benchlib.machine(), "sqlglot": sqlglot.__version__, "sqlfluff": fluff}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,2000")
    ap.add_argument("--corpora", default="sql,dbt")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fluff-runs", type=int, default=1)
    ap.add_argument("--sqlfluff-sample", type=int, default=200,
                    help="lint at most this many files with sqlfluff and extrapolate (0: all)")
    ap.add_argument("--one-runs", type=int, default=15)
    ap.add_argument("--keep", help="write the corpora here instead of a temp dir")
    args = ap.parse_args(argv)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="meshgov-code-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"machine": machine(), "corpora": []}
    try:
        results["one_file"] = bench_one_file(base, args.one_runs)
        print(json.dumps(results["one_file"]), flush=True)
        for kind in args.corpora.split(","):
            for n in map(int, args.sizes.split(",")):
                r = bench_corpus(kind, n, base, args.runs, args.fluff_runs,
                                 args.sqlfluff_sample or None)
                results["corpora"].append(r)  # type: ignore[union-attr]
                print(json.dumps(r), flush=True)
    finally:
        results["machine"]["load_after"] = " ".join(map(str, os.getloadavg()))  # type: ignore[index]
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
