"""#18 done-when: hostile repo content (YAML, plans, SQL, Rego) never crashes (exit 3), never
hangs, never blows up memory, and never puts a credential into any output."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.core.yamlio import YamlError, loads

from .hostile import alias_bomb, run_meshgov

TOKEN = "dapi" + "feedc0ffee" * 3 + "42"
FORMATS = ("json", "sarif", "junit", "github", "markdown", "html", "text")

PLAN_VALUES = ["NaN", "-Infinity", "1e400", "9" * 5000, '"99"', '"many"', "true", "null", "[]",
               "{}", "-1", "1.5", "99"]
SQL_PIECES = [f"SELECT * FROM `{TOKEN}`", "SELECT 1 FROM `a\n::error file=x::forged`", "\x1b]8;;x\x07",
              "(" * 2000 + "1" + ")" * 2000, "SELECT * FROM a" + " JOIN t" * 30,
              "SELECT * FROM IDENTIFIER('" + "x." * 2000 + "t')", "{{ 'a' * 10000000000 }}",
              "SELECT '\u202e' AS x", "INSERT INTO other_prod.raw.t SELECT 1", "\x00\x01", "é" * 50,
              "-- Databricks notebook source\n-- COMMAND ----------\n"]
YAML_PIECES = [alias_bomb(), "a: &a [1, *a]\n", "[" * 5000, "x: !!python/object:os.system ls\n",
               "models:\n  - name: m\n    columns: " + "{a: " * 500 + "1" + "}" * 500 + "\n",
               "resources: {clusters: {c: {num_workers: .nan, spark_env_vars: {TOKEN: " + TOKEN + "}}}}\n",
               "\t\x00bad", "models: 3\n", "version: 2\nmodels:\n  - name: m\n"]
REGO_BODIES = ["opa.runtime().env.DATABRICKS_TOKEN != \"\"", 'http.send({"method": "get", "url": "http://127.0.0.1:9"})',
               "every x in numbers.range(1, 1e9) { x > 0 }", "time.now_ns() > 0",
               "count([1 | some x in numbers.range(1, 20000); some y in numbers.range(1, 20000)]) < 0",
               'net.cidr_contains("10.0.0.0/8", "10.1.2.3")', "input.spec.num_workers > 1", "x :=",
               'startswith(input.spec.cluster_name, "c")']
REGO_HEAD = textwrap.dedent("""\
    # METADATA
    # title: local
    # custom:
    #   id: HR-L-1
    #   resource_types: [cluster]
    package hr.fuzz

    import rego.v1

    """)


def _plan(value: str, actions: str) -> str:
    return ('{"format_version": "1.2", "resource_changes": [{"address": "databricks_cluster.c", '
            '"mode": "managed", "type": "databricks_cluster", "name": "c", "change": {"actions": '
            f'{actions}, "after": {{"cluster_name": "c", "num_workers": {value}, '
            f'"spark_env_vars": {{"DB_PASSWORD": "{TOKEN}"}}}}, "after_unknown": {{}}}}}}]}}')


@st.composite
def hostile_repo(draw) -> dict[str, str]:
    files = {"meshgov.yaml": "domain: hr\ncatalogs: [hr_prod]\npolicies:\n  local: [policies/]\n"
                             "  params: {infra.rego.timeout_seconds: 5, code.dbt.render_timeout_seconds: 2}\n",
             "dbt/dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: p\n",
             "policies/README.md": "the domain's own policies\n"}
    sql = "\n".join(draw(st.lists(st.sampled_from(SQL_PIECES), min_size=1, max_size=3)))
    files[draw(st.sampled_from(["sql/q.sql", "dbt/models/m.sql", "sql/x\n::error::y.sql"]))] = sql
    files["dbt/models/schema.yml"] = "".join(draw(st.lists(st.sampled_from(YAML_PIECES), max_size=2)))
    files["bundle/databricks.yml"] = "bundle: {name: b}\n" + draw(st.sampled_from(YAML_PIECES))
    files["infra/plan.json"] = _plan(draw(st.sampled_from(PLAN_VALUES)),
                                     draw(st.sampled_from(['["create"]', '"create"', '["CREATE"]', "null", "[]"])))
    if draw(st.integers(0, 2)) == 0:  # most runs evaluate everything; some add a domain's Rego
        files["policies/local.rego"] = REGO_HEAD + (
            "deny contains r if {\n\tinput.type == \"cluster\"\n\t" + draw(st.sampled_from(REGO_BODIES))
            + '\n\tr := {"msg": "m", "resource": input.address}\n}\n')
    return files


@pytest.mark.slow
@settings(max_examples=int(__import__("os").environ.get("MESHGOV_HOSTILE_EXAMPLES", "20")),
          deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=hostile_repo())
def test_hostile_repos_end_with_a_report_or_a_clear_error(tmp_path_factory, files: dict[str, str]) -> None:
    repo = tmp_path_factory.mktemp("hostile")
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    out = repo.parent / f"{repo.name}-out"
    args = ["check", str(repo)]
    for fmt in FORMATS[:-1]:
        args += ["-f", fmt, "-o", str(out / f"report.{fmt}")]
    args += ["-f", "text"]
    r = run_meshgov(*args, cwd=repo, env={"DATABRICKS_TOKEN": TOKEN}, timeout=120)
    assert r.code in (0, 1, 2), (r.code, r.err[-3000:])
    assert "internal error" not in r.err, r.err[-3000:]
    blobs = [r.out, r.err] + [p.read_text(encoding="utf-8", errors="replace")
                              for p in out.glob("report.*")] if out.exists() else [r.out, r.err]
    for blob in blobs:
        assert TOKEN not in blob
    if r.code != 2:
        assert {p.name for p in out.glob("report.*")} == {f"report.{f}" for f in FORMATS[:-1]}
        for line in r.out.splitlines():
            assert not line.startswith("::"), line
        assert "\x1b" not in r.out
        json.loads((out / "report.json").read_text())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a: &a [1, 2]\n", "b: *a\n", "c: [*a, *a, *a]\n", "d: &d {x: *a}\n",
                                 "e: [*d, *d]\n", "f: &f [*f]\n", "- *a\n", "g: !!binary x\n",
                                 "h: &h\n  <<: *d\n", "[", "{", "*zz\n", "i: 2001-13-45\n"]),
                max_size=6))
def test_any_yaml_loads_or_is_a_yaml_error(pieces: list[str]) -> None:
    try:
        loads("".join(pieces), "f.yml")
    except YamlError as exc:
        assert exc.message
