"""The statement walk (sqlutil.interesting_nodes) finds exactly what sqlglot's full walk finds.

The walk skips identifiers, literals and plain columns; the reference below is the walk of
every node by sqlglot's ``find_all(..., bfs=False)``. Both must give the same nodes (by
identity) in the same order, on the fixture SQL, on the benchmark shapes and on generated SQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.errors import SqlglotError

from meshgov.code.document import parse_sql
from meshgov.code.sqlutil import interesting_nodes

ROOT = Path(__file__).resolve().parents[2]


def reference(stmt: exp.Expression) -> tuple[list, list, list, bool]:
    tables: list = []
    functions: list = []
    stars: list = []
    has_with = False
    for node in stmt.find_all(exp.Table, exp.Func, exp.With, exp.Star, bfs=False):
        t = type(node)
        if t is exp.Table:
            tables.append(node)
        elif t is exp.Star:
            parent = node.parent
            if type(parent) is exp.Select:
                if node.arg_key == "expressions":
                    stars.append(node)
            elif type(parent) is exp.Column and node.arg_key == "this" \
                    and type(parent.parent) is exp.Select and parent.arg_key == "expressions":
                stars.append(parent)
        elif t is exp.With:
            has_with = True
        elif isinstance(node, exp.Func):
            functions.append(node)
    return tables, functions, stars, has_with


def assert_same(sql: str) -> int:
    try:
        statements = parse_sql(sql)
    except (SqlglotError, RecursionError):
        return 0
    for stmt in statements:
        got, want = interesting_nodes(stmt), reference(stmt)
        for g, w in zip(got[:3], want[:3]):
            assert [id(n) for n in g] == [id(n) for n in w], sql
        assert got[3] == want[3], sql
    return len(statements)


FIXTURE_SQL = sorted(p for p in (ROOT / "fixtures").rglob("*.sql") if "{{" not in p.read_text())


@pytest.mark.parametrize("path", FIXTURE_SQL, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_sql(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


SHAPES = [
    "SELECT t.*, u.* FROM a AS t JOIN b AS u ON t.id = u.id",
    "SELECT * EXCEPT (a, b) FROM x",
    "SELECT COUNT(*), SUM(x.a) OVER (PARTITION BY x.b ORDER BY x.c) FROM cat.sch.x",
    "WITH a AS (SELECT 1 AS v), b AS (SELECT v FROM a) SELECT * FROM b, hr_prod.raw.e",
    "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
    "SELECT s.a.b.c, s.a:json.path, upper(lower(x)), my_cat.my_sch.fn(1) FROM s",
    "SELECT CASE WHEN a > 1 THEN 'x' ELSE concat(b, 'y') END, CAST(c AS INT) FROM t",
    "SELECT * FROM (SELECT * FROM t1) AS q WHERE q.a IN (SELECT a FROM t2)",
    "INSERT INTO cat.s.t SELECT * FROM cat.s.u",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * "
    "WHEN NOT MATCHED THEN INSERT *",
    "CREATE OR REPLACE TABLE c.s.T AS SELECT a, input_file_name() AS f FROM delta.`/mnt/x`",
    "SELECT explode(arr) AS e FROM t LATERAL VIEW explode(m) x AS k, v",
    "SELECT a FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1",
    "GRANT SELECT ON TABLE a.b.c TO `account users`",
    "ALTER TABLE a.b.c OWNER TO `x`; USE CATALOG hr_prod; SELECT 1",
    "SELECT struct(a, b).a, array(1, 2)[0], map('k', v)['k'] FROM t",
    "SELECT `weird col`.`*` FROM t",
]


@pytest.mark.parametrize("sql", SHAPES)
def test_shapes(sql: str) -> None:
    assert assert_same(sql) >= 1


FRAGMENTS = [
    "SELECT", "*", "FROM", "WHERE", "JOIN", "ON", "WITH", "AS", "(", ")", ",", ";", ".", "=",
    "t", "u", "a", "b", "x.*", "t.a", "cat.sch.tbl", "COUNT(*)", "upper(a)", "fn(a, b)",
    "OVER (PARTITION BY a ORDER BY b)", "UNION ALL", "IN", "EXISTS", "CASE WHEN a THEN b END",
    "1", "'s'", "`q`", "GROUP BY", "ORDER BY", "LIMIT 1", "EXCEPT (a)", "LEFT JOIN", "USING (a)",
    "a:b.c", "struct(a).b", "INSERT INTO", "CREATE TABLE", "VALUES (1)", "DISTINCT",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join))
def test_generated_sql(sql: str) -> None:
    assert_same(sql)


PROJECTIONS = ["a", "t.a", "upper(a)", "COUNT(*)", "x.*", "*", "fn(a, b)", "a:b.c", "struct(a).b",
               "CASE WHEN a THEN b END", "1", "'s'", "SUM(a) OVER (PARTITION BY b)", "c.s.f(a)",
               "(SELECT MAX(a) FROM m)", "a + b AS c", "CAST(a AS STRING)", "`q`.`r`"]
SOURCES = ["t", "cat.sch.tbl", "(SELECT * FROM u) AS q", "t JOIN u ON t.a = u.a",
           "t LEFT JOIN cat.s.u AS u USING (a)", "delta.`/mnt/p`", "range(10)", "cte"]
WHERE = ["", " WHERE a > 1", " WHERE a IN (SELECT b FROM w)", " WHERE EXISTS (SELECT * FROM e)"]

selects = st.builds(
    lambda ps, src, where: f"SELECT {', '.join(ps)} FROM {src}{where}",
    st.lists(st.sampled_from(PROJECTIONS), min_size=1, max_size=6), st.sampled_from(SOURCES),
    st.sampled_from(WHERE))
queries = st.one_of(
    selects,
    st.builds(lambda a, b: f"WITH cte AS ({a}) {b}", selects, selects),
    st.builds(lambda a, b: f"{a} UNION ALL {b}", selects, selects),
    st.builds(lambda a: f"CREATE OR REPLACE VIEW c.s.V AS {a}", selects),
    st.builds(lambda a: f"INSERT INTO c.s.t {a}", selects))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(queries, min_size=1, max_size=3).map("; ".join))
def test_generated_queries(sql: str) -> None:
    assert assert_same(sql) >= 1  # every generated query parses
