"""One SqlParser reused for many inputs parses each exactly as a new one would, also after
an input it could not parse (sqlglot resets its tokenizer and parser at each call)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.code.document import SqlParser

TEXTS = [
    "SELECT a FROM t", "SELECT FROM WHERE", "SELECT 'unterminated", "WITH a AS (SELECT 1) SELECT * FROM a",
    "GRANT ALL PRIVILEGES ON CATALOG c TO `x`", "SELECT (", "", ";", "SELECT 1; SELECT 2;",
    "CREATE TABLE c.s.T AS SELECT * FROM u", "/* open comment", "SELECT a -- c\nFROM t",
]


def outcome(parser: SqlParser, text: str) -> tuple[str, object]:
    try:
        parsed = parser.parse(text)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
        return "error", (type(exc).__name__, str(exc))
    return "ok", ([s.sql(dialect="databricks") for s in parsed.statements], parsed.chunks,
                  parsed.n_chunks, [(t.token_type, t.start, t.end) for t in parsed.tokens])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=8))
def test_reused_parser_equals_fresh_parsers(texts: list[str]) -> None:
    reused = SqlParser()
    for text in texts:
        assert outcome(reused, text) == outcome(SqlParser(), text)


def test_errors_do_not_stick() -> None:
    parser = SqlParser()
    assert outcome(parser, "SELECT FROM WHERE")[0] == "error"
    assert outcome(parser, "SELECT a FROM t")[0] == "ok"
