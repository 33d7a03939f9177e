"""Hypothesis: no input may crash the run.

The SQL reader and the code rules turn anything into findings (at worst one MG-INPUT); the
YAML readers of meshgov.yaml and of packs raise only ConfigError / YamlError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from code_rule_harness import run_sql
from meshgov.core.errors import ConfigError
from meshgov.core.yamlio import YamlError, loads

FRAGMENTS = [
    "SELECT", "*", "FROM", "WHERE", "JOIN", "ON", "WITH", "AS", "(", ")", ",", ";", ".", "=",
    "GRANT", "REVOKE", "ALL PRIVILEGES", "ON CATALOG", "ON TABLE", "TO", "`account users`",
    "ALTER TABLE", "OWNER TO", "SET MASK", "DROP MASK", "SET ROW FILTER", "SET TAGS",
    "UNSET TAGS", "('pii' = 'true')", "ALTER COLUMN", "CREATE TABLE", "CREATE VIEW",
    "CREATE TEMP VIEW", "INSERT INTO", "MERGE INTO", "USING", "WHEN MATCHED THEN UPDATE SET *",
    "USE CATALOG", "USE", "SET CATALOG", "RENAME TO", "COUNT(*)", "current_user", "()",
    "input_file_name()", "EXISTS", "UNION ALL", "OVER (PARTITION BY a ORDER BY b)", "a", "b",
    "hr_prod", "hr_prod.raw.x", "finance_prod.published.LEDGER", "sales_prod", "t", "x.*",
    "'str'", "\"dq\"", "`q`", "1", "-- meshgov:ignore MG-C-002 r\n", "/* c */", "\n", "{{",
    "}}", "ref('m')", "STREAM", "LATERAL VIEW explode(a) e", "EXCEPT (a)", "CLONE", "\x00",
    # forms that name a table otherwise (cross-domain bypasses): IDENTIFIER, TABLE, volumes
    "IDENTIFIER('hr_prod.raw.x')", "IDENTIFIER(:p)", "IDENTIFIER(", "TABLE", "TABLE(", "f(",
    "read_files('/Volumes/hr_prod/raw/v/')", "parquet.`/Volumes/hr_prod/raw/v/x`", "COPY INTO",
    "FROM '/Volumes/hr_prod/raw/v'", "LOAD DATA INPATH", "'/Volumes/a/b/c'", "'/Volumes/'",
    "INTO TABLE", "FILEFORMAT = CSV", "=>", "||",
    # metric views (a YAML body) and names built at run time in a target position
    "WITH METRICS LANGUAGE YAML AS $$", "$$", "source: hr_prod.raw.x\n", "joins:\n  - source: ",
    "source: |\n  SELECT a FROM t\n", "measures: [{name: n, expr: COUNT(1)}]\n", "don't",
    "CREATE TABLE IDENTIFIER('a.' || :s || '.t')", "IDENTIFIER('a' ||", ":s",
]

sql_like = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)


def _check_sql(sql: str) -> None:
    findings = run_sql(sql)
    for f in findings:
        assert f.policy_id.startswith("MG-")
        if f.policy_id == "MG-INPUT":
            assert f.severity == "error" and f.location.path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql_like)
def test_sql_like_input_never_crashes(sql: str) -> None:
    _check_sql(sql)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(sql: str) -> None:
    _check_sql(sql)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["TABLE", "hr_prod", ".", "raw", "x", "`q`", "(", ")", ",", ";",
                                 "SELECT", "a", "FROM", "f", "UNION", "ALL", "WITH", "c", "AS",
                                 "CREATE", "INSERT INTO", "1"]), max_size=25).map(" ".join))
def test_table_forms_rewrite_keeps_what_parses_and_positions(sql: str) -> None:
    """The TABLE <name> rewrite is tried only on a parse error: SQL sqlglot parses keeps its
    tree, and every node of a rewritten parse points inside the text as written."""
    from sqlglot.errors import ParseError, TokenError

    from meshgov.code.document import SqlParser, node_start
    from meshgov.code.table_forms import rewrite_table_forms

    parser = SqlParser()
    try:
        parsed = parser.parse(sql)
    except (ParseError, TokenError):
        return
    tokens = parser._tokenizer.tokenize(sql)  # noqa: SLF001 - the same tokenizer
    rewritten = rewrite_table_forms(tokens)
    if rewritten is not None:
        for tok in rewritten:
            assert 0 <= tok.start <= tok.end < len(sql)
    for stmt in parsed.statements:
        start = node_start(stmt)
        assert start is None or 0 <= start < len(sql)
    try:
        plain = [s for s in sqlglot.parse(sql, read="databricks") if s is not None]
    except (ParseError, TokenError):
        return
    assert [s.sql() for s in plain] == [s.sql() for s in parsed.statements]


# -- YAML readers ---------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates())
KEYS = ["domain", "owner", "catalogs", "products", "policies", "data", "waivers", "exclude",
        "name", "tables", "description", "packs", "local", "params", "disable", "policy",
        "subject", "reason", "expires", "path", "url", "id", "kind", "rule", "title",
        "severity", "enforced", "scope", "default", "tighten", "order", "approved_waivers",
        "domains", "builtin", "code.forbidden_functions", "hr_prod.published.EMPLOYEES"]
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner,
                                            max_size=5)),
    max_leaves=25,
)


def _parse_config(raw: Any, tmp: Path) -> None:
    from meshgov.core.config import parse_config

    try:
        parse_config(raw, tmp / "meshgov.yaml")
    except ConfigError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(values)
def test_config_values_raise_only_config_errors(raw: Any) -> None:
    _parse_config(raw, Path("/nonexistent/repo"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_yaml_text_raises_only_yaml_or_config_errors(text: str) -> None:
    try:
        raw = loads(text, "meshgov.yaml")
    except YamlError as exc:
        assert exc.message
        return
    _parse_config(raw, Path("/nonexistent/repo"))


@settings(max_examples=300, deadline=None)
@given(values)
def test_pack_readers_raise_only_config_errors(raw: Any) -> None:
    from meshgov.core import catalog
    from meshgov.core.products import parse_registry

    for read in (
        lambda: catalog._read_pack_file(raw, "pack.yaml", "global", catalog._PackContent()),
        lambda: catalog._read_policy_file(raw, "policies.yaml", "local", ("code", "data")),
        lambda: parse_registry(raw, "products.yml"),
    ):
        try:
            read()
        except ConfigError:
            pass


policy_entry = st.dictionaries(st.sampled_from(KEYS + ["params", "rule"]), values, max_size=8)
policy_file = st.fixed_dictionaries(
    {"kind": st.sampled_from(["code", "data", "infra", None, 3]),
     "policies": st.lists(policy_entry, max_size=3)})
rules = st.sampled_from(["select_star", "naming", "grants", "cross_domain", "nope", None])


@settings(max_examples=300, deadline=None)
@given(policy_file, rules, st.dictionaries(st.text(max_size=12), values, max_size=3))
def test_policy_files_raise_only_config_errors(raw: Any, rule: Any, params: Any) -> None:
    from meshgov.core import catalog

    for item in raw["policies"]:
        item.setdefault("id", "MG-X-1")
        item.setdefault("title", "t")
        item["rule"] = rule
        if params:
            item["params"] = params
    try:
        catalog._read_policy_file(raw, "policies.yaml", "local", ("code", "data"))
    except ConfigError:
        pass
