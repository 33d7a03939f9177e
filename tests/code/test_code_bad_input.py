"""Inputs that cannot be read or parsed become one MG-INPUT finding; the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from code_rule_harness import run_sql

CONFIG = """\
domain: sales
catalogs: [sales_prod]
policies:
  packs: [builtin]
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "meshgov.yaml").write_text(CONFIG)
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "a_broken.sql").write_text("SELECT order_id\nFROM sales_prod.raw.orders\nWHERE (a = 1\n")
    (sql / "b_binary.sql").write_bytes(b"SELECT 1;\n-- caf\xe9\n")
    (sql / "c_empty.sql").write_text("")
    (sql / "d_deep.sql").write_text("SELECT " + "(" * 3000 + "1" + ")" * 3000)
    (sql / "e_good.sql").write_text("SELECT * FROM sales_prod.raw.orders\n")
    (sql / "f_string.sql").write_text("SELECT 'never closed\nFROM x\n")
    # 30 JOINs without ON: sqlglot would take hours (and all memory) on this
    (sql / "g_joins.sql").write_text("SELECT a0.x\nFROM sales_prod.raw.a0\n"
                                     + "\n".join(f"JOIN sales_prod.raw.a{i}" for i in range(1, 31)))
    return tmp_path


def test_each_bad_input_is_one_finding_and_the_rest_is_evaluated(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--kinds", "code", "-f", "json", str(repo))
    assert code == 1, err
    report = json.loads(out)
    by_path: dict[str, list[dict]] = {}
    for f in report["findings"]:
        by_path.setdefault(f["location"]["path"], []).append(f)
    inputs = {p: [f["policy_id"] for f in fs] for p, fs in by_path.items()}
    assert inputs == {
        "sql/a_broken.sql": ["MG-INPUT"],
        "sql/b_binary.sql": ["MG-INPUT"],
        "sql/c_empty.sql": ["MG-INPUT"],
        "sql/d_deep.sql": ["MG-INPUT"],
        "sql/e_good.sql": ["MG-C-002"],
        "sql/f_string.sql": ["MG-INPUT"],
        "sql/g_joins.sql": ["MG-INPUT"],
    }
    broken = by_path["sql/a_broken.sql"][0]
    assert broken["severity"] == "error"
    assert broken["location"]["line"] == 3 and broken["location"]["column"] == 12
    assert "Expecting )" in broken["message"]
    binary = by_path["sql/b_binary.sql"][0]
    assert (binary["location"]["line"], binary["location"]["column"]) == (2, 7)
    assert "not UTF-8" in binary["message"]
    assert "no SQL statement" in by_path["sql/c_empty.sql"][0]["message"]
    assert "nesting too deep" in by_path["sql/d_deep.sql"][0]["message"]
    string = by_path["sql/f_string.sql"][0]
    assert string["location"]["line"] == 1 and string["location"]["column"] is not None
    joins = by_path["sql/g_joins.sql"][0]
    assert "more than 16 JOINs without ON or USING in one query" in joins["message"]
    assert (joins["location"]["line"], joins["location"]["column"]) == (19, 1)  # the 17th JOIN


def test_fail_on_never_still_reports_input_errors(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--kinds", "code", "--fail-on", "never", str(repo))
    assert code == 0 and "MG-INPUT" in out


@pytest.mark.parametrize(
    ("sql", "line", "col"),
    [
        ("SELECT 1 FROM", 1, 10),
        ("SELECT a,\n  b\nFROM t WHERE\n", 3, 8),
        ("{{ ref('orders') }}", 1, 8),
        ("SELECT `unterminated FROM t", 1, 8),
        ("SELECT 1 /* open comment", 1, 10),
    ],
)
def test_parse_error_positions(sql: str, line: int, col: int) -> None:
    (f,) = run_sql(sql)
    assert f.policy_id == "MG-INPUT"
    assert (f.location.line, f.location.column) == (line, col), f.message
    assert f.message.startswith("cannot parse SQL: ")


def test_a_notebook_of_markdown_cells_only_is_not_an_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Databricks notebook exported as .sql with no SQL cell has nothing to check: no finding
    (a plain .sql file without a statement stays MG-INPUT)."""
    from code_rule_harness import run_sql

    assert run_sql("-- Databricks notebook source\n-- MAGIC %md\n-- MAGIC # Context\n") == []
    assert [f.policy_id for f in run_sql("-- just a comment\n")] == ["MG-INPUT"]


def test_sqlglot_class_names_are_not_shown() -> None:
    """A CASE whose WHENs came from a loop over a query result (empty without dbt) says so."""
    from code_rule_harness import run_sql

    (f,) = run_sql("SELECT CASE ELSE 'x' END AS y FROM t")
    assert f.policy_id == "MG-INPUT" and "CASE without any WHEN" in f.message and "<class" not in f.message
