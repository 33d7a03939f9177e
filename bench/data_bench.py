"""Data policies: meshgov (GX) validation time vs a hand-written single pass, same counts.

    .venv/bin/python bench/data_bench.py [--rows 1000000] [--runs 3] [--backends files,sqlite,postgres]

Generates one table (parquet file, SQLite database, PostgreSQL table on a throw-away server
started like the tests do), then per backend times, in the same process and alternating:

- meshgov: ``validate_bindings`` with 10 data policies (GX imported and context warm: the
  one-off GX import, ~3 s, is reported separately);
- the single pass: pandas/numpy over the same parquet file, or ONE SQL query with conditional
  aggregates (a CTE for the duplicate count), computing the same unexpected counts.

Both sides include reading the table (pandas reads the parquet file each run). Counts are
checked equal before timing is reported. Prints a Markdown table (median of --runs).
"""

from __future__ import annotations

import argparse
import io
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib  # bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data"))
sys.path.insert(0, str(ROOT / "src"))

TABLE = "bench_prod.published.FACTS"
STATUSES = ["active", "closed", "pending"]
REGEX = r"^[A-Z]{2}[0-9]{3}$"
RULES: list[tuple[str, str, dict[str, Any]]] = [
    ("B-01", "not_null", {"column": "score"}),
    ("B-02", "unique", {"column": "id"}),
    ("B-03", "positive", {"column": "qty"}),
    ("B-04", "non_negative", {"column": "amount"}),
    ("B-05", "between", {"column": "qty", "min": 1, "max": 100}),
    ("B-06", "in_set", {"column": "status", "values": STATUSES}),
    ("B-07", "matches_regex", {"column": "code", "regex": REGEX}),
    ("B-08", "max_length", {"column": "name", "length": 12}),
    ("B-09", "row_count_between", {"min": 1}),
    ("B-10", "not_null", {"column": "name"}),
]


def make_frame(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(42)
    ids = np.arange(rows, dtype="int64")
    ids[rng.integers(0, rows, rows // 1000)] = 7  # some duplicates
    score = rng.normal(size=rows)
    score[rng.random(rows) < 0.01] = np.nan
    codes = np.array(["AB123", "XY999", "ab123", "Q1"], dtype=object)
    names = np.array(["ann", "bob", "christopher-long", None, "dora"], dtype=object)
    return pd.DataFrame({
        "id": ids,
        "qty": rng.integers(-2, 120, rows),
        "amount": rng.normal(100, 60, rows).round(2),
        "status": np.array(STATUSES + ["lost"], dtype=object)[
            rng.choice(4, rows, p=[0.4, 0.3, 0.29, 0.01])],
        "code": codes[rng.choice(4, rows, p=[0.5, 0.48, 0.01, 0.01])],
        "name": names[rng.choice(5, rows, p=[0.3, 0.3, 0.05, 0.05, 0.3])],
        "score": score,
    })


# -- hand-written single passes ----------------------------------------------------------


def pandas_single_pass(path: Path) -> dict[str, int]:
    import pandas as pd

    df = pd.read_parquet(path)
    qty, amount, code, name = df["qty"], df["amount"], df["code"], df["name"]
    code_nn = code.dropna()
    name_nn = name.dropna()
    return {
        "B-01": int(df["score"].isna().sum()),
        "B-02": int(df["id"].duplicated(keep=False).sum()),
        "B-03": int((qty <= 0).sum()),
        "B-04": int((amount < 0).sum()),
        "B-05": int(((qty < 1) | (qty > 100)).sum()),
        "B-06": int((~df["status"].isin(STATUSES) & df["status"].notna()).sum()),
        "B-07": int((~code_nn.str.match(REGEX)).sum()),
        "B-08": int((name_nn.str.len() > 12).sum()),
        "B-09": 0 if len(df) >= 1 else 1,
        "B-10": int(name.isna().sum()),
    }


SQL = """
WITH dup AS (SELECT COALESCE(SUM(c), 0) AS n FROM
             (SELECT COUNT(*) AS c FROM {t} WHERE id IS NOT NULL GROUP BY id HAVING COUNT(*) > 1) d)
SELECT
  SUM(CASE WHEN score IS NULL THEN 1 ELSE 0 END),
  (SELECT n FROM dup),
  SUM(CASE WHEN qty <= 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN qty < 1 OR qty > 100 THEN 1 ELSE 0 END),
  SUM(CASE WHEN status NOT IN ('active', 'closed', 'pending') THEN 1 ELSE 0 END),
  SUM(CASE WHEN code IS NOT NULL AND NOT ({regex}) THEN 1 ELSE 0 END),
  SUM(CASE WHEN LENGTH(name) > 12 THEN 1 ELSE 0 END),
  CASE WHEN COUNT(*) >= 1 THEN 0 ELSE 1 END,
  SUM(CASE WHEN name IS NULL THEN 1 ELSE 0 END)
FROM {t}
"""


def sql_single_pass(run: Callable[[str], tuple[Any, ...]], regex_sql: str) -> dict[str, int]:
    row = run(SQL.format(t="facts", regex=regex_sql))
    return {pid: int(v or 0) for (pid, _, _), v in zip(RULES, row)}


def sqlite_single_pass(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    rx = re.compile(REGEX)
    con.create_function("REGEXP", 2, lambda p, v: v is not None and rx.search(str(v)) is not None,
                        deterministic=True)
    try:
        return sql_single_pass(lambda q: con.execute(q).fetchone(), "code REGEXP 'x'")
    finally:
        con.close()


def pg_single_pass(url: str) -> dict[str, int]:
    import psycopg2

    con = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    try:
        with con.cursor() as cur:
            def run(q: str) -> tuple[Any, ...]:
                cur.execute(q)
                return cur.fetchone()  # type: ignore[no-any-return]

            return sql_single_pass(run, f"code ~ '{REGEX}'")
    finally:
        con.close()


# -- meshgov -----------------------------------------------------------------------------


def meshgov_runner(root: Path, binding: dict[str, Any], examples: int,
                   rules: list[tuple[str, str, dict[str, Any]]] | None = None
                   ) -> Callable[[], dict[str, int]]:
    """validate_bindings with ``rules`` (default RULES) on the table; -> unexpected counts."""
    rules = RULES if rules is None else rules
    from data_helpers import data_policy, make_context

    from meshgov.data.evaluator import validate_bindings

    policies = [data_policy(pid, rule, [TABLE], **params) for pid, rule, params in rules]
    bindings = {TABLE: binding}
    ctx = make_context(root, bindings, policies, params={"data.max_unexpected_examples": examples})

    def run() -> dict[str, int]:
        result = validate_bindings(bindings, ctx)
        counts = {pid: 0 for pid, _, _ in rules}
        for f in result.findings:
            if f.policy_id == "MG-INPUT":
                raise RuntimeError(f.message)
            counts[f.policy_id] = int(f.evidence.get("unexpected_count", 1))
        return counts

    return run


def timed(fn: Callable[[], dict[str, int]]) -> tuple[float, dict[str, int]]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def machine() -> str:
    return benchlib.describe()


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{p} {version(p)}" for p in
                     ("great_expectations", "pandas", "numpy", "SQLAlchemy", "psycopg2-binary"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backends", default="files,sqlite,postgres")
    ap.add_argument("--examples", type=int, default=5,
                    help="data.max_unexpected_examples (0: no second step for examples)")
    ap.add_argument("--sql-examples", choices=("second-step", "inline"), default="second-step",
                    help="how SQL backends fetch example values (meshgov's default: second-step)")
    args = ap.parse_args()
    if args.sql_examples == "inline":  # measurement only: what one run with examples costs on SQL
        import meshgov.data.evaluator as evaluator

        evaluator.INLINE_EXAMPLES = frozenset({"files", "spark", "sql"})
    backends = [b for b in args.backends.split(",") if b]

    t = time.perf_counter()
    from meshgov.data.gxrun import new_context

    new_context()
    gx_import = time.perf_counter() - t

    work = Path(tempfile.mkdtemp(prefix="meshgov-bench-"))
    df = make_frame(args.rows)
    parquet = work / "facts.parquet"
    df.to_parquet(parquet, index=False)
    server = None
    rows_out = []
    try:
        cases: list[tuple[str, Callable[[], dict[str, int]], Callable[[], dict[str, int]]]] = []
        if "files" in backends:
            cases.append(("pandas (parquet file)",
                          meshgov_runner(work, {"path": "facts.parquet"}, args.examples),
                          lambda: pandas_single_pass(parquet)))
        if "sqlite" in backends:
            db = work / "facts.sqlite"
            con = sqlite3.connect(db)
            df.to_sql("facts", con, index=False)
            con.close()
            cases.append(("SQLite", meshgov_runner(work, {"url": "sqlite:///facts.sqlite",
                                                          "table": "facts"}, args.examples),
                          lambda: sqlite_single_pass(db)))
        if "postgres" in backends:
            import sqlalchemy as sa
            from data_helpers import PgServer

            server = PgServer.start()
            engine = sa.create_engine(server.url)
            df.head(0).to_sql("facts", engine, index=False)
            buf = io.StringIO()
            df.to_csv(buf, index=False, header=False)
            buf.seek(0)
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cur:
                    cur.copy_expert("COPY facts FROM STDIN WITH (FORMAT csv)", buf)
                    cur.execute("ANALYZE facts")
                raw.commit()
            finally:
                raw.close()
            engine.dispose()
            url = server.url
            cases.append(("PostgreSQL 15", meshgov_runner(work, {"url": url, "table": "facts"}, args.examples),
                          lambda: pg_single_pass(url)))
        for name, ours, theirs in cases:
            a, b = ours(), theirs()  # warm-up, and the counts must agree
            if a != b:
                print(f"{name}: COUNTS DIFFER\n meshgov {a}\n single  {b}", file=sys.stderr)
                return 1
            ts_ours, ts_theirs = [], []
            for _ in range(args.runs):
                ts_ours.append(timed(ours)[0])
                ts_theirs.append(timed(theirs)[0])
            mo, mt = statistics.median(ts_ours), statistics.median(ts_theirs)
            rows_out.append((name, mo, mt, mo / mt, a))
            print(f"{name}: meshgov {mo:.2f}s, single pass {mt:.2f}s, ratio {mo / mt:.2f}",
                  file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    print(f"rows: {args.rows:,}, rules: {len(RULES)}, runs: {args.runs} (median), "
          f"examples: {args.examples} (SQL: {args.sql_examples}), "
          f"GX import + context (once): {gx_import:.1f}s\n")
    print("| backend | meshgov (GX) | hand-written single pass | ratio |")
    print("|---|---:|---:|---:|")
    for name, mo, mt, ratio, _ in rows_out:
        print(f"| {name} | {mo:.2f} s | {mt:.2f} s | {ratio:.2f}x |")
    if rows_out:
        print(f"\nunexpected counts (identical on both sides): {rows_out[0][4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
