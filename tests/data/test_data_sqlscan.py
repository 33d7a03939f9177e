"""The one-statement SQL scanner (meshgov.data.sqlscan) against plain GX on the same table.

The differential: hypothesis builds small tables (NULLs, NaN, -0.0, infinities, non-ASCII
digits, newlines) and suites of the expectation types the scanner claims (row conditions,
``mostly``), writes them to SQLite and to the session's PostgreSQL server, runs the scanner's
one statement and plain GX's SQL engine on the same table: every result field GX returns must
be equal. When the statement fails (a regex PostgreSQL rejects), GX must fail on it too.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from data_helpers import data_policy, make_context
from test_data_scan import assert_same_results, expectations, tables

from meshgov.data import sqlscan
from meshgov.data.gxrun import new_context, run_suite

#: generated cases per engine and run (MESHGOV_SCAN_EXAMPLES=1000 was run once: all equal)
EXAMPLES = int(os.environ.get("MESHGOV_SCAN_EXAMPLES", "100"))

TYPES = {"sqlite": {"i": "INTEGER", "f": "REAL", "s": "TEXT", "b": "BOOLEAN"},
         "postgresql": {"i": "BIGINT", "f": "DOUBLE PRECISION", "s": "TEXT", "b": "BOOLEAN"}}


class Target:
    """One database table the cases are written to, with GX's batch definition over it."""

    def __init__(self, url: str, backend: str) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.backend = backend
        with self.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS t"))
            cols = ", ".join(f"{c} {t}" for c, t in TYPES[backend].items())
            conn.execute(sa.text(f"CREATE TABLE t ({cols})"))
        self.ctx = new_context()
        ds = self.ctx.data_sources.add_sqlite("d", connection_string=url) if backend == "sqlite" \
            else self.ctx.data_sources.add_postgres("d", connection_string=url)
        self.batch = ds.add_table_asset("t", table_name="t").add_batch_definition_whole_table("a")
        self.columns = {"i": "number", "f": "number", "s": "string", "b": "bool"}

    def load(self, table: Any) -> None:
        rows = table.to_pylist()
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM t"))
            if rows:
                conn.execute(sa.text("INSERT INTO t VALUES (:i, :f, :s, :b)"), rows)


@pytest.fixture(scope="module")
def sqlite_target(tmp_path_factory: Any) -> Iterator[Target]:
    path = Path(tmp_path_factory.mktemp("sqlscan")) / "t.db"
    target = Target(f"sqlite:///{path}", "sqlite")
    yield target
    target.engine.dispose()


@pytest.fixture(scope="module")
def pg_target(pg_server: Any) -> Iterator[Target]:
    target = Target(pg_server.url, "postgresql")
    yield target
    target.engine.dispose()


def _check(target: Target, table: Any, configs: list[dict[str, Any]]) -> None:
    mine, _ = sqlscan.split(configs, target.columns, target.backend)
    if not mine:
        return
    target.load(table)
    try:
        with target.engine.connect() as conn:
            got = sqlscan.run(conn, sa.table("t"), mine)
    except sa.exc.DBAPIError:
        got = None
    want = run_suite(target.ctx, "differential", target.batch, None, mine)
    if got is None:  # the database rejected the statement: GX hits the same wall
        assert any(want[c["meta"]["meshgov"]["policy"]].error for c in mine), mine
        return
    assert_same_results(mine, got, want)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=tables(), data=st.data())
def test_sqlite_statement_equals_gx(sqlite_target: Target, table: Any, data: Any) -> None:
    configs = [data.draw(expectations(i)) for i in range(data.draw(st.integers(1, 6)))]
    _check(sqlite_target, table, configs)


@pytest.mark.postgres
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=tables(), data=st.data())
def test_postgres_statement_equals_gx(pg_target: Target, table: Any, data: Any) -> None:
    configs = [data.draw(expectations(i)) for i in range(data.draw(st.integers(1, 6)))]
    _check(pg_target, table, configs)


def test_regexes_and_other_backends_are_left_for_gx() -> None:
    regex = {"type": "expect_column_values_to_match_regex",
             "kwargs": {"column": "s", "regex": "^a"}}
    cols = {"s": "string", "d": "datetime"}
    assert sqlscan.split([regex], cols, "sqlite") == ([], [regex])
    assert sqlscan.split([regex], cols, "postgresql") == ([regex], [])
    assert sqlscan.split([regex], cols, "mysql") == ([], [regex])
    dated = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "d"}}
    assert sqlscan.split([dated], cols, "postgresql") == ([], [dated])


def test_one_statement_for_a_suite(sqlite_target: Target) -> None:
    import pyarrow as pa

    configs = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "i"},
         "meta": {"meshgov": {"policy": "A"}}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "s"},
         "meta": {"meshgov": {"policy": "B"}}},
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "f", "min_value": 0, "mostly": 0.5,
                    "row_condition": {"type": "comparison", "column": {"name": "b"},
                                      "operator": "==", "parameter": True}},
         "meta": {"meshgov": {"policy": "C"}}},
    ]
    table = pa.table({"i": [1, None, 3], "f": [-1.0, 2.0, math.inf], "s": ["a", "a", None],
                      "b": [True, True, False]})
    sqlite_target.load(table)
    seen: list[str] = []
    sa.event.listen(sqlite_target.engine, "before_cursor_execute",
                    lambda *a: seen.append(a[2]))
    with sqlite_target.engine.connect() as conn:
        got = sqlscan.run(conn, sa.table("t"), configs)
    assert len(seen) == 1
    assert got["A"].result["unexpected_count"] == 1 and not got["A"].success
    assert got["B"].result["unexpected_count"] == 2
    assert got["C"].result["element_count"] == 2 and got["C"].success  # 1 of 2 below 0


@pytest.mark.postgres
def test_a_statement_the_database_rejects_leaves_every_check_to_gx(pg_server: Any,
                                                                   tmp_path: Path) -> None:
    from meshgov.data.evaluator import validate_bindings

    engine = sa.create_engine(pg_server.url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS rejects"))
        conn.execute(sa.text("CREATE TABLE rejects (code text)"))
        conn.execute(sa.text("INSERT INTO rejects VALUES ('ab'), (NULL)"))
    engine.dispose()
    table = "x_prod.s.rejects"
    bindings = {table: {"url": pg_server.url, "table": "rejects"}}
    policies = [data_policy("P-1", "matches_regex", [table], column="code",
                            regex="(?P<x>a)b"),  # Python's syntax; PostgreSQL refuses it
                data_policy("P-2", "not_null", [table], column="code")]
    found = validate_bindings(bindings, make_context(tmp_path, bindings, policies)).findings
    by = {f.policy_id: f for f in found}
    assert sorted(by) == ["MG-INPUT", "P-2"], [f.message for f in found]
    assert "P-1 was not checked" in by["MG-INPUT"].message
    assert "GX could not evaluate" in by["MG-INPUT"].message
    assert by["P-2"].evidence["unexpected_count"] == 1


def test_a_sqlite_table_whose_checks_pass_never_imports_gx(tmp_path: Path) -> None:
    """... and, once one fails, GX (for its examples) is imported under ``python -c`` without
    pyspark ending the process (gxrun._not_doctests)."""
    import sqlite3
    import subprocess
    import sys
    import textwrap

    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.execute("CREATE TABLE t (n INTEGER, s TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (3, None)])
    con.commit()
    con.close()
    code = textwrap.dedent("""\
        import sys
        from pathlib import Path
        sys.path.insert(0, %r)
        from data_helpers import data_policy, make_context
        from meshgov.data.evaluator import validate_bindings
        b = {"x.s.T": {"url": "sqlite:///db.sqlite", "table": "t"}}
        ps = [data_policy("P-1", "positive", ["x.s.T"], column="n"),
              data_policy("P-2", "unique", ["x.s.T"], column="s")]
        r = validate_bindings(b, make_context(Path("."), b, ps))
        assert not r.findings, r.findings
        print("gx" if "great_expectations" in sys.modules else "no gx")
        ps.append(data_policy("P-3", "not_null", ["x.s.T"], column="s"))
        r = validate_bindings(b, make_context(Path("."), b, ps))
        assert [f.policy_id for f in r.findings] == ["P-3"], r.findings
        print("gx" if "great_expectations" in sys.modules else "no gx")
    """) % str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["no", "gx", "gx"]
