"""The guard refuses only the JOINs sqlglot would parse in exponential time: more than
MAX_BARE_JOINS without their ON/USING in one query block."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot.errors import ParseError

from meshgov.code.document import SqlParser
from meshgov.code.guard import MAX_BARE_JOINS

N = MAX_BARE_JOINS


def joins(n: int, join: str = "JOIN", cond: str = "") -> str:
    return "SELECT 1 FROM a0 " + " ".join(f"{join} a{i}{cond}" for i in range(1, n + 1))


@pytest.mark.parametrize("sql", [
    joins(N + 1), joins(N + 1, "LEFT JOIN"), joins(N + 1, "LEFT OUTER JOIN"),
    joins(N + 1, "INNER JOIN"), joins(N + 1, "LEFT SEMI JOIN"),
    "SELECT 1 FROM (" + joins(N + 1)[len("SELECT 1 FROM "):] + ")",  # inside parentheses
    "SELECT 1 FROM a0 " + " ".join(f"JOIN (SELECT 1 FROM b{i} JOIN c ON c.x = 1) s{i}"
                                   for i in range(N + 1)),  # ON inside the subquery only
    "SELECT 1; " + joins(N + 1),
    "SELECT 1 FROM a0 " + " ".join(f"JOIN a{i}" + (" ON a0.x = 1" if i % 8 == 0 else "")
                                   for i in range(1, 25)),  # ONs between do not reset the count
])
def test_refused(sql: str) -> None:
    with pytest.raises(ParseError, match=f"more than {N} JOINs without ON or USING in one query"):
        SqlParser().parse(sql)


@pytest.mark.parametrize("sql", [
    joins(N),  # the longest run still parsed
    joins(40, cond=" ON a0.x = 1"), joins(40, cond=" USING (x)"),
    joins(40, "CROSS JOIN"), joins(40, "NATURAL JOIN"), joins(40, "NATURAL FULL OUTER JOIN"),
    "SELECT 1 FROM a0 " + " ".join(f"JOIN a{i}" + (" ON a0.x = 1" if i % 2 == 0 else "")
                                   for i in range(1, 25)),  # 12 of 24 without a condition
    joins(N - 2) + " UNION ALL " + joins(N - 2),  # each query block counts alone
    "SELECT 'JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN JOIN "
    "JOIN JOIN' AS s -- JOIN JOIN JOIN",  # words in strings and comments are not tokens
    "; ".join(joins(N - 2) for _ in range(3)),  # each statement counts alone
])
def test_parsed(sql: str) -> None:
    assert SqlParser().parse(sql).statements


KINDS = ["JOIN", "LEFT JOIN", "INNER JOIN", "FULL OUTER JOIN", "CROSS JOIN", "NATURAL JOIN"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.booleans()), min_size=1, max_size=30))
def test_what_is_accepted_parses_quickly(chain: list[tuple[str, bool]]) -> None:
    sql = "SELECT 1 FROM a0 " + " ".join(
        f"{kind} a{i}" + (" ON a0.x = 1" if cond and "CROSS" not in kind and "NATURAL" not in kind
                          else "") for i, (kind, cond) in enumerate(chain, start=1))
    started = time.process_time()
    try:
        SqlParser().parse(sql)
    except ParseError as exc:
        assert "JOINs without ON or USING" in str(exc)
    assert time.process_time() - started < 5  # accepted shapes take ~1 s at the very most
