"""Data checks on files (and PostgreSQL): meshgov vs a hand-written one pass vs Soda Core.

    .venv/bin/python bench/data_files_bench.py [--rows 1000000,10000000] [--rules 8,30]
        [--formats csv,parquet] [--runs 3] [--postgres] [--soda]

One generated table (12 columns: ints with duplicates and gaps, floats with NaN, codes, names,
e-mails, dates, flags) is written as CSV and Parquet. Each measurement is its own process, so
that its peak RSS (``ru_maxrss``) is its own; the three sides alternate, run by run:

- **meshgov**: ``validate_bindings`` with the 8 or 30 data policies on the file binding;
- **one pass**: the hand-written baseline - pyarrow reads the columns the rules need (the
  whole table, multi-threaded) and ``pyarrow.compute`` computes the same unexpected counts,
  vectorized (regex: RE2);
- **Soda Core** (``--soda``; pinned in bench/requirements-soda.txt, its own virtualenv
  ``.venv-soda``): the same rules as SodaCL checks, on DuckDB over the same file
  (``read_csv_auto`` / ``read_parquet`` view) or on the PostgreSQL table, failed-row samples
  limited to 5 like meshgov's examples.

Counts of meshgov and the one pass must be equal before any time is reported (Soda's
``duplicate_count`` counts values, not rows, so its results are not compared). Wall time is
the validation only (what ``validate_bindings`` takes, lazy imports of pyarrow included): on
PostgreSQL GX's import is done before the clock starts and reported apart; on files GX is not
imported at all when every expectation is one the scanner computes (the last column says).
Prints Markdown tables of medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import benchlib  # bench/ is on sys.path when a script runs
from data_bench import REGEX, STATUSES, TABLE
from data_bench import RULES as BASE_RULES

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["DE", "FR", "NL", "US", "GB"]
CODE_RX = REGEX
EMAIL_RX = r"^[a-z0-9.]+@[a-z]+\.[a-z]{2,3}$"
DAY_RX = r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$"

#: (id, rule, params); the first 8 are the 8-rule set: bench/data_bench.py's first eight
RULES: list[tuple[str, str, dict[str, Any]]] = list(BASE_RULES[:8]) + [
    ("B-09", "not_null", {"column": "name"}),
    ("B-10", "not_null", {"column": "email"}),
    ("B-11", "not_null", {"column": "age"}),
    ("B-12", "not_null", {"column": "status"}),
    ("B-13", "not_null", {"column": "created"}),
    ("B-14", "unique", {"column": "email"}),
    ("B-15", "between", {"column": "amount", "min": -50, "max": 250}),
    ("B-16", "between", {"column": "age", "min": 18, "max": 99}),
    ("B-17", "between", {"column": "score", "min": -3, "max": 3}),
    ("B-18", "in_set", {"column": "country", "values": COUNTRIES}),
    ("B-19", "matches_regex", {"column": "email", "regex": EMAIL_RX}),
    ("B-20", "matches_regex", {"column": "created", "regex": DAY_RX}),
    ("B-21", "max_length", {"column": "email", "length": 24}),
    ("B-22", "max_length", {"column": "country", "length": 2}),
    ("B-23", "non_negative", {"column": "age"}),
    ("B-24", "row_count_between", {"min": 1}),
    ("B-25", "positive", {"column": "amount",
                          "where": [{"column": "status", "op": "==", "value": "active"}]}),
    ("B-26", "not_null", {"column": "score",
                          "where": [{"column": "qty", "op": ">", "value": 50}]}),
    ("B-27", "in_set", {"column": "country", "values": ["DE", "FR"],
                        "where": [{"column": "status", "op": "==", "value": "closed"}]}),
    ("B-28", "matches_regex", {"column": "code", "regex": CODE_RX, "mostly": 0.9}),
    ("B-29", "between", {"column": "qty", "min": 0, "max": 119, "mostly": 0.999}),
    ("B-30", "not_null", {"column": "flag"}),
]


# -- data ----------------------------------------------------------------------------------


def make_table(rows: int) -> Any:
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(42)
    ids = np.arange(rows, dtype="int64")
    ids[rng.integers(0, rows, rows // 1000)] = 7
    score = rng.normal(size=rows)
    score[rng.random(rows) < 0.01] = np.nan
    amount = rng.normal(100, 60, rows).round(2)
    amount[rng.random(rows) < 0.005] = np.nan
    age = pa.array(rng.integers(10, 100, rows), mask=rng.random(rows) < 0.02)
    codes = np.array(["AB123", "XY999", "ab123", "Q1"], dtype=object)
    names = np.array(["ann", "bob", "christopher-long", None, "dora"], dtype=object)
    users = np.char.add("user", (np.arange(rows) % max(1, rows - rows // 500)).astype(str))
    email = np.char.add(users, np.where(rng.random(rows) < 0.01, "@mail", "@mail.com"))
    day = np.char.add("2024-0", (rng.integers(1, 10, rows)).astype(str))
    created = np.char.add(day, np.where(rng.random(rows) < 0.001, "-1", "-15"))
    return pa.table({
        "id": ids,
        "qty": rng.integers(-2, 120, rows),
        "amount": amount,
        "score": score,
        "status": np.array(STATUSES + ["lost"], dtype=object)[
            rng.choice(4, rows, p=[0.4, 0.3, 0.29, 0.01])],
        "code": codes[rng.choice(4, rows, p=[0.5, 0.48, 0.01, 0.01])],
        "name": names[rng.choice(5, rows, p=[0.3, 0.3, 0.05, 0.05, 0.3])],
        "email": pa.array(email.astype(object), mask=rng.random(rows) < 0.001),
        "country": np.array(COUNTRIES + ["XX"], dtype=object)[
            rng.choice(6, rows, p=[0.3, 0.2, 0.2, 0.2, 0.095, 0.005])],
        "age": age,
        "created": created.astype(object),
        "flag": pa.array(rng.random(rows) < 0.5, mask=rng.random(rows) < 0.001),
    })


def files_for(rows: int, work: Path) -> dict[str, Path]:
    """The CSV and Parquet files of ``rows`` rows (generated once, kept in ``work``)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out = {"parquet": work / f"facts-{rows}.parquet", "csv": work / f"facts-{rows}.csv"}
    if not all(p.exists() for p in out.values()):
        table = make_table(rows)
        pq.write_table(table, out["parquet"])
        pacsv.write_csv(table, out["csv"])
    return out


# -- the children ---------------------------------------------------------------------------


def _mask_where(table: Any, where: list[dict[str, Any]]) -> Any:
    import pyarrow.compute as pc

    m = None
    for w in where:
        fn = {"==": pc.equal, ">": pc.greater}[w["op"]]
        part = pc.fill_null(fn(table[w["column"]], w["value"]), False)
        m = part if m is None else pc.and_(m, part)
    return m


def one_pass(path: Path, rules: list[tuple[str, str, dict[str, Any]]]) -> dict[str, int]:
    """The hand-written baseline: read what the rules need, count vectorized."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = sorted({p["column"] for _, _, p in rules if "column" in p} |
                  {w["column"] for _, _, p in rules for w in p.get("where", [])})
    if path.suffix == ".csv":
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            include_columns=cols, column_types={"created": pa.string()},
            strings_can_be_null=True))
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=cols)
    out: dict[str, int] = {}
    for pid, rule, p in rules:
        t = table
        if p.get("where"):
            t = table.filter(_mask_where(table, p["where"]))
        if rule == "row_count_between":
            out[pid] = 0 if t.num_rows >= p["min"] else 1
            continue
        col = t[p["column"]]
        missing = pc.is_null(col, nan_is_null=True)
        if rule == "not_null":
            out[pid] = int(pc.sum(missing).as_py() or 0)
            continue
        v = col.filter(pc.invert(missing))
        if rule == "unique":
            vc = pc.value_counts(v)
            dup = vc.field("counts").filter(pc.greater(vc.field("counts"), 1))
            bad = int(pc.sum(dup).as_py() or 0)
        elif rule == "positive":
            bad = int(pc.sum(pc.less_equal(v, 0)).as_py() or 0)
        elif rule == "non_negative":
            bad = int(pc.sum(pc.less(v, 0)).as_py() or 0)
        elif rule == "between":
            bad = int(pc.sum(pc.or_(pc.less(v, p["min"]), pc.greater(v, p["max"]))).as_py() or 0)
        elif rule == "in_set":
            bad = int(pc.sum(pc.invert(pc.is_in(v, value_set=pa.array(p["values"])))).as_py()
                      or 0)
        elif rule == "matches_regex":
            bad = int(pc.sum(pc.invert(pc.match_substring_regex(v, p["regex"]))).as_py() or 0)
        else:  # max_length
            bad = int(pc.sum(pc.greater(pc.utf8_length(v), p["length"])).as_py() or 0)
        mostly = p.get("mostly")
        if mostly is not None and len(v) and 1 - bad / len(v) >= mostly:
            bad = 0
        out[pid] = bad
    return out


def meshgov_side(binding: dict[str, Any], root: Path,
                 rules: list[tuple[str, str, dict[str, Any]]]) -> Any:
    from data_bench import meshgov_runner  # puts tests/data and src on sys.path

    return meshgov_runner(root, binding, int(os.environ.get("BENCH_EXAMPLES", "5")), rules)


SODA_VALID = {"positive": lambda p: {"valid min": 1} if p["column"] == "qty" else
              {"valid min": 0.000001},
              "non_negative": lambda p: {"valid min": 0},
              "between": lambda p: {"valid min": p["min"], "valid max": p["max"]},
              "in_set": lambda p: {"valid values": p["values"]},
              "matches_regex": lambda p: {"valid regex": p["regex"]},
              "max_length": lambda p: {"valid max length": p["length"]}}


def soda_checks(rules: list[tuple[str, str, dict[str, Any]]]) -> str:
    checks: list[Any] = []
    for pid, rule, p in rules:
        cfg: dict[str, Any] = {"name": pid, "samples limit": 5}
        if p.get("where"):
            w = p["where"][0]
            value = f"'{w['value']}'" if isinstance(w["value"], str) else w["value"]
            cfg["filter"] = f"{w['column']} {'=' if w['op'] == '==' else w['op']} {value}"
        if rule == "row_count_between":
            checks.append({"row_count >= 1": {"name": pid}})
        elif rule == "not_null":
            checks.append({f"missing_count({p['column']}) = 0": cfg})
        elif rule == "unique":
            checks.append({f"duplicate_count({p['column']}) = 0": cfg})
        else:
            cfg.update(SODA_VALID[rule](p))
            metric = f"invalid_percent({p['column']}) < {round((1 - p['mostly']) * 100, 3)}" \
                if p.get("mostly") is not None else f"invalid_count({p['column']}) = 0"
            checks.append({metric: cfg})
    return json.dumps({"checks for facts": checks})  # JSON is YAML (no pyyaml in .venv-soda)


def soda_side(source: str, target: str, rules: list[tuple[str, str, dict[str, Any]]]) -> Any:
    from soda.scan import Scan  # .venv-soda

    checks = soda_checks(rules)

    def run() -> dict[str, int]:
        scan = Scan()
        scan.set_scan_definition_name("bench")
        if source == "postgres":
            url = target.split("://", 1)[1]
            user, rest = url.split("@", 1)
            hostport, db = rest.split("/", 1)
            host, port = hostport.split(":")
            scan.set_data_source_name("pg")
            scan.add_configuration_yaml_str(
                f"data_source pg:\n  type: postgres\n  host: {host}\n  port: {port}\n"
                f"  username: {user.split(':')[0]}\n  password: ''\n  database: {db}\n"
                f"  schema: public\n")
        else:
            import duckdb

            con = duckdb.connect()
            reader = f"read_parquet('{target}')" if target.endswith(".parquet") else \
                f"read_csv_auto('{target}', types={{'created': 'VARCHAR'}})"
            con.execute(f"CREATE VIEW facts AS SELECT * FROM {reader}")
            scan.add_duckdb_connection(con, data_source_name="bench")
            scan.set_data_source_name("bench")
        scan.add_sodacl_yaml_str(checks)
        scan.execute()
        if scan.has_error_logs():
            raise RuntimeError(scan.get_error_logs_text())
        return {"failed": len(scan.get_checks_fail())}

    return run


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> int:
    rules = RULES[:args.rules]
    gx_import = 0.0
    path = Path(args.file) if args.file else None
    if args.child == "onepass":
        assert path is not None
        run = lambda: one_pass(path, rules)  # noqa: E731
    elif args.child == "meshgov":
        if args.pg:  # GX is needed on SQL: its import is excluded from the time, reported apart
            t = time.perf_counter()
            import great_expectations  # noqa: F401

            gx_import = time.perf_counter() - t
        binding: dict[str, Any] = {"url": args.pg, "table": "facts"} if args.pg else \
            {"path": path.name if path else ""}
        run = meshgov_side(binding, path.parent if path else Path.cwd(), rules)
    elif args.child == "onepass-sql":
        run = lambda: pg_one_pass(args.pg, rules)  # noqa: E731
    else:
        run = soda_side("postgres" if args.pg else "files", args.pg or str(path), rules)
    t = time.perf_counter()
    counts = run()
    wall = time.perf_counter() - t
    rss = peak_rss_mb()
    print(json.dumps({"wall": wall, "rss_mb": rss, "counts": counts, "gx_import": gx_import,
                      "gx_imported": "great_expectations" in sys.modules,
                      "pandas_imported": "pandas" in sys.modules}))
    return 0


# -- PostgreSQL -----------------------------------------------------------------------------


def _sql_cond(p: dict[str, Any]) -> str:
    c = p.get("column")
    rule = p["_rule"]
    if rule == "not_null":  # SQL semantics: NaN is a value (and greater than any number)
        return f"{c} IS NULL"
    nn = f"{c} IS NOT NULL"
    body = {
        "positive": f"{c} <= 0", "non_negative": f"{c} < 0",
        "between": f"({c} < {p.get('min')} OR {c} > {p.get('max')})",
        "in_set": f"{c} NOT IN ({', '.join(repr(v) for v in p.get('values', []))})",
        "matches_regex": f"NOT ({c} ~ '{p.get('regex')}')",
        "max_length": f"LENGTH({c}) > {p.get('length')}",
    }.get(rule)
    return f"{nn} AND {body}"


def pg_one_pass(url: str, rules: list[tuple[str, str, dict[str, Any]]]) -> dict[str, int]:
    """ONE query with conditional aggregates (a CTE per unique column)."""
    import psycopg2

    sel, ctes, basis = [], [], []
    for pid, rule, p in rules:
        q = dict(p, _rule=rule)
        where = " AND ".join(f"{w['column']} {'=' if w['op'] == '==' else w['op']} "
                             f"{w['value']!r}" for w in p.get("where", [])) or "TRUE"
        if rule == "row_count_between":
            sel.append(f"CASE WHEN COUNT(*) >= {p['min']} THEN 0 ELSE 1 END")
        elif rule == "unique":
            name = f"dup_{p['column']}"
            ctes.append(f"{name} AS (SELECT COALESCE(SUM(c), 0) AS n FROM (SELECT COUNT(*) AS c "
                        f"FROM facts WHERE {p['column']} IS NOT NULL GROUP BY {p['column']} "
                        f"HAVING COUNT(*) > 1) d)")
            sel.append(f"(SELECT n FROM {name})")
        else:
            sel.append(f"SUM(CASE WHEN ({where}) AND ({_sql_cond(q)}) THEN 1 ELSE 0 END)")
        if p.get("mostly") is not None:
            basis.append((pid, f"SUM(CASE WHEN {p['column']} IS NOT NULL THEN 1 ELSE 0 END)"))
    sql = (f"WITH {', '.join(ctes)} " if ctes else "") + \
        f"SELECT {', '.join(sel + [b for _, b in basis])} FROM facts"
    con = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
    finally:
        con.close()
    out = {pid: int(v or 0) for (pid, _, _), v in zip(rules, row)}
    for i, (pid, _) in enumerate(basis):
        n = int(row[len(rules) + i] or 0)
        mostly = next(p["mostly"] for q, _, p in rules if q == pid)
        if n and 1 - out[pid] / n >= mostly:
            out[pid] = 0
    return out


def load_postgres(table_path: Path) -> Any:
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    import psycopg2
    from data_helpers import PgServer

    server = PgServer.start()
    con = psycopg2.connect(server.url.replace("postgresql+psycopg2", "postgresql"))
    with con.cursor() as cur:
        cur.execute("CREATE TABLE facts (id bigint, qty bigint, amount double precision, "
                    "score double precision, status text, code text, name text, email text, "
                    "country text, age bigint, created text, flag boolean)")
        with table_path.open() as fh:
            cur.copy_expert("COPY facts FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
        cur.execute("ANALYZE facts")
    con.commit()
    con.close()
    return server


# -- the parent -----------------------------------------------------------------------------


def gx_note(runs: list[Any]) -> str:
    if not runs[0]["gx_imported"]:
        return "no"
    t = statistics.median(r["gx_import"] for r in runs)
    return f"yes ({t:.1f} s, excluded)" if t else "yes (included)"


def measure(kind: str, rules: int, *, file: Path | None = None, pg: str | None = None) -> Any:
    py = str(ROOT / (".venv-soda" if kind == "soda" else ".venv") / "bin" / "python")
    cmd = [py, __file__, "--child", kind, "--rules", str(rules)]
    if file is not None:
        cmd += ["--file", str(file)]
    if pg:
        cmd += ["--pg", pg]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "bench"))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1000000")
    ap.add_argument("--rules", default="8,30")
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--postgres", action="store_true", help="also PostgreSQL (30 checks)")
    ap.add_argument("--soda", action="store_true", help="also Soda Core (.venv-soda)")
    ap.add_argument("--work", default="/tmp/meshgov-data-bench")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--pg", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.rules = int(args.rules)
        return child(args)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows_list = [int(r) for r in args.rows.split(",")]
    rule_sets = [int(r) for r in args.rules.split(",")]
    lines = []
    for rows in rows_list:
        paths = files_for(rows, work)
        targets: list[tuple[str, dict[str, Any]]] = [
            (fmt, {"file": paths[fmt]}) for fmt in args.formats.split(",") if fmt]
        server = None
        if args.postgres:
            server = load_postgres(paths["csv"])
            targets.append(("PostgreSQL 15", {"pg": server.url}))
        try:
            for name, where in targets:
                for n in rule_sets:
                    sides = ["meshgov", "onepass-sql" if "pg" in where else "onepass"] + \
                        (["soda"] if args.soda else [])
                    got: dict[str, list[Any]] = {s: [] for s in sides}
                    for _ in range(args.runs):
                        for s in sides:
                            got[s].append(measure(s, n, **where))
                    a, b = got[sides[0]][0]["counts"], got[sides[1]][0]["counts"]
                    if a != b:
                        print(f"{name} {rows} {n}: COUNTS DIFFER\n meshgov {a}\n one pass {b}",
                              file=sys.stderr)
                        return 1
                    med = {s: (statistics.median(r["wall"] for r in got[s]),
                               statistics.median(r["rss_mb"] for r in got[s])) for s in sides}
                    m, o = med["meshgov"], med[sides[1]]
                    soda = f"{med['soda'][0]:.2f} s / {med['soda'][1]:.0f} MiB" \
                        if "soda" in med else "-"
                    line = (f"| {name} | {rows:,} | {n} | {m[0]:.2f} s / {m[1]:.0f} MiB | "
                            f"{o[0]:.2f} s / {o[1]:.0f} MiB | {m[0] / o[0]:.2f}x | "
                            f"{m[1] / o[1]:.2f}x | {soda} | "
                            f"{gx_note(got['meshgov'])} |")
                    print(line, file=sys.stderr)
                    lines.append(line)
        finally:
            if server is not None:
                server.stop()
    print(f"machine: {benchlib.describe()}")
    from importlib.metadata import version

    print("versions: " + ", ".join(f"{p} {version(p)}" for p in
                                   ("pyarrow", "pandas", "great_expectations", "numpy")))
    print(f"runs: {args.runs} per side, alternating, median; wall = validation only\n")
    print("| data | rows | rules | meshgov (wall / peak RSS) | one pass | time ratio | "
          "RSS ratio | Soda Core | GX imported |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
