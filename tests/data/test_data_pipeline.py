"""`meshgov data compile --target lakeflow|check-constraints`: row rules as pipeline constraints.

Semantics are proven, not assumed: every compiled expression runs in local Spark over the same
data the compiled GX suite validates (GX's Spark engine, through meshgov's data evaluator), and
the failing-row counts must be GX's unexpected counts - NULLs and `where` conditions included.
The data are the rule case files (tests/data/rules) and hypothesis-generated tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from data_helpers import data_policy, make_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.data.compile import compile_catalog
from meshgov.data.pipeline import NOT_ROW_LEVEL, expression_for, parse_actions, row_constraints

CASES_DIR = Path(__file__).parent / "rules"
ROW_RULES = ("between", "in_set", "matches_regex", "max_length", "non_negative", "not_null",
             "pii_masked", "positive")
SPARK_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE", "TEXT": "STRING", "TIMESTAMP": "TIMESTAMP"}
TABLE = "t_prod.s.T"
_views = itertools.count()


def test_every_rule_either_compiles_or_says_why() -> None:
    from meshgov.data.vocabulary import RULES

    assert set(ROW_RULES) | set(NOT_ROW_LEVEL) == set(RULES)
    assert not set(ROW_RULES) & set(NOT_ROW_LEVEL)


def test_expressions_are_spark_sql_that_sqlglot_reads_back() -> None:
    import sqlglot

    e = expression_for("matches_regex", {"column": "Dept Id", "regex": r"^D\d{2}'s$"})
    assert e.startswith("`Dept Id` IS NULL OR")
    back = sqlglot.parse_one(e, read="databricks")
    assert back.sql(dialect="databricks") == e
    e = expression_for("not_null", {"column": "n", "where": [{"column": "s", "op": "in", "value": ["a"]}]})
    assert e == "NOT COALESCE(s IN ('a'), FALSE) OR (NOT n IS NULL)"


def test_actions_follow_severity_and_are_configurable() -> None:
    assert parse_actions([]) == {"error": "fail", "warning": "warn", "info": "warn"}
    assert parse_actions(["error=drop", "info=fail"])["error"] == "drop"
    with pytest.raises(ValueError, match="SEVERITY=ACTION"):
        parse_actions(["fatal=drop"])


def _frame(spark: Any, columns: dict[str, str], rows: list[list[Any]]) -> str:
    schema = ", ".join(f"`{c}` {SPARK_TYPES[t]}" for c, t in columns.items())
    kinds = list(columns.values())
    data = [tuple(dt.datetime.fromisoformat(v) if k == "TIMESTAMP" and isinstance(v, str) else v
                  for v, k in zip(r, kinds)) for r in rows]
    view = f"mg_pipeline_{next(_views)}"
    spark.createDataFrame(data, schema=schema).createOrReplaceTempView(view)
    return view


def _gx_counts(tmp: Path, view: str, policies: list[Any]) -> dict[str, int]:
    from meshgov.data.evaluator import validate_bindings

    bindings = {TABLE: {"spark": True, "table": view}}
    result = validate_bindings(bindings, make_context(tmp, bindings, policies))
    assert not [f for f in result.findings if f.policy_id == "MG-INPUT"], result.findings
    counts = {p.id: 0 for p in policies}
    for f in result.findings:
        counts[f.policy_id] = int(f.evidence["unexpected_count"])  # type: ignore[arg-type]
    return counts


def _sql_counts(spark: Any, tmp: Path, view: str, policies: list[Any]) -> dict[str, int]:
    ctx = make_context(tmp, {TABLE: {"spark": True, "table": view}}, policies)
    suites = compile_catalog(policies, {TABLE: {"spark": True}}, ctx.catalog, only=[TABLE])
    done, left = row_constraints(suites)
    assert left == []
    out = {}
    for r in done:
        bad, nulls = spark.sql(f"SELECT count_if(NOT ({r.expression})), count_if(({r.expression}) IS NULL) "
                               f"FROM {view}").first()
        assert nulls == 0, (r.expression, "the expression is NULL for some rows")
        out[r.policy_id] = int(bad)
    return out


def _case_inputs() -> list[tuple[str, dict, list[tuple[str, dict]]]]:
    out = []
    for rule in ROW_RULES:
        spec = yaml.safe_load((CASES_DIR / f"{rule}.yaml").read_text())
        cases = [(c["name"], c["params"]) for c in spec["cases"] if "mostly" not in c["params"]
                 and not any(e.get("policy") == "MG-INPUT" for e in c["expect"])]
        out.append((rule, spec["table"], cases))
    return out


@pytest.mark.spark
@pytest.mark.slow
def test_compiled_expressions_count_what_gx_counts_on_the_rule_cases(spark_session: Any,
                                                                      tmp_path: Path) -> None:
    checked = 0
    for rule, spec, cases in _case_inputs():
        view = _frame(spark_session, spec["columns"], spec["rows"])
        policies = [data_policy(f"T-{i:03d}", rule, [TABLE], **params)
                    for i, (_, params) in enumerate(cases)]
        gx = _gx_counts(tmp_path, view, policies)
        sql = _sql_counts(spark_session, tmp_path, view, policies)
        names = {f"T-{i:03d}": name for i, (name, _) in enumerate(cases)}
        assert sql == gx, {names[k]: (gx[k], sql[k]) for k in gx if gx[k] != sql.get(k)}
        checked += len(policies)
    assert checked >= 20


_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "ab", "D01", "d02", "D999", "x'y", "a\\b",
                                               "***@x.example", "ACTIVE", "active", "é"]))
_NUM = st.one_of(st.none(), st.integers(-5, 12))
_ROWS = st.lists(st.tuples(_NUM, _TEXT), min_size=1, max_size=25)
_POLICIES = st.fixed_dictionaries({
    "between": st.fixed_dictionaries({"column": st.just("n"), "min": st.integers(-3, 5),
                                      "max": st.integers(5, 10), "strict_min": st.booleans()}),
    "in_set": st.fixed_dictionaries({"column": st.just("s"),
                                     "values": st.lists(st.sampled_from(["a", "D01", "active", "x'y"]),
                                                        min_size=1, max_size=3, unique=True)}),
    "matches_regex": st.fixed_dictionaries({"column": st.just("s"),
                                            "regex": st.sampled_from([r"^D\d{2}$", "a", r"^[a-z]+$",
                                                                      r"\\", "'"])}),
    "max_length": st.fixed_dictionaries({"column": st.just("s"), "length": st.integers(0, 3)}),
    "non_negative": st.just({"column": "n"}),
    "not_null": st.sampled_from([{"column": "n"}, {"column": "s"}]),
    "positive": st.fixed_dictionaries({"column": st.just("n"),
                                       "where": st.sampled_from([
                                           [{"column": "s", "op": "==", "value": "a"}],
                                           [{"column": "s", "op": "is_not_null"}],
                                           [{"column": "n", "op": ">", "value": 2}]])}),
})


@pytest.mark.spark
@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(_ROWS, _POLICIES)
def test_compiled_expressions_count_what_gx_counts_on_generated_tables(
        spark_session: Any, tmp_path: Path, rows: list[tuple[Any, Any]], params: dict[str, Any]) -> None:
    view = _frame(spark_session, {"n": "INTEGER", "s": "TEXT"}, [list(r) for r in rows])
    policies = [data_policy(f"G-{rule}", rule, [TABLE], **p) for rule, p in sorted(params.items())]
    assert _sql_counts(spark_session, tmp_path, view, policies) == _gx_counts(tmp_path, view, policies)


# -- the command --------------------------------------------------------------------------


def test_cli_lakeflow_writes_sql_and_python_forms(fixtures_dir: Path, tmp_path: Path,
                                                  run_cli: Any) -> None:
    hr = fixtures_dir / "domains" / "hr"
    out = tmp_path / "lf"
    code, stdout, err = run_cli("data", "compile", "-c", str(hr / "meshgov.yaml"), "--target",
                                "lakeflow", "--action", "warning=drop", "-o", str(out))
    assert code == 0, err
    stem = "hr_prod.published.EMPLOYEES"
    assert sorted(p.name for p in out.iterdir()) == [
        "coverage.json", f"{stem}.expectations.py", f"{stem}.expectations.sql"]
    sql = (out / f"{stem}.expectations.sql").read_text()
    lines = [ln.rstrip(",") for ln in sql.splitlines() if ln.startswith("CONSTRAINT")]
    assert sql.rstrip().endswith(lines[-1]) and all(ln + "," in sql for ln in lines[:-1])
    assert "CONSTRAINT mg_d_001_emp_num EXPECT (Emp_Num IS NULL OR (Emp_Num > 0)) ON VIOLATION FAIL UPDATE" in lines
    assert any(ln.startswith("CONSTRAINT hr_d_006_status") and "DROP ROW" in ln for ln in lines)
    ns: dict[str, Any] = {}
    exec(compile((out / f"{stem}.expectations.py").read_text(), "expectations.py", "exec"), ns)  # noqa: S102
    assert ns["FAIL"]["mg_d_001_emp_num"] == "Emp_Num IS NULL OR (Emp_Num > 0)"
    assert set(ns["DROP"]) == {"hr_d_006_status"} and ns["WARN"] == {}
    assert len(lines) == len(ns["FAIL"]) + len(ns["DROP"])
    cover = json.loads((out / "coverage.json").read_text())
    why = {n["policy"]: n["why"] for n in cover["not_compiled"]}
    assert set(why) == {"HR-D-003", "HR-D-007", "HR-D-010", "HR-D-011", "HR-D-013", "HR-D-014", "HR-D-016"}
    assert "mostly" in why["HR-D-007"] and "not compiled" in err


def test_cli_check_constraints(fixtures_dir: Path, tmp_path: Path, run_cli: Any) -> None:
    import sqlglot

    hr = fixtures_dir / "domains" / "hr"
    out = tmp_path / "cc"
    code, _, err = run_cli("data", "compile", "-c", str(hr / "meshgov.yaml"), "-t",
                           "check-constraints", "-o", str(out))
    assert code == 0, err
    text = (out / "hr_prod.published.EMPLOYEES.constraints.sql").read_text()
    stmts = [s for s in sqlglot.parse(text, read="databricks") if s is not None]
    assert len(stmts) == 9
    assert all(re.match(r"ALTER TABLE hr_prod\.published\.EMPLOYEES ADD CONSTRAINT \w+ CHECK \(", s.sql(dialect="databricks"))
               for s in stmts)
    code, _, err = run_cli("data", "compile", "-c", str(hr / "meshgov.yaml"), "-t",
                           "check-constraints", "--action", "error=drop", "-o", str(out))
    assert code == 2 and "--target lakeflow only" in err
