"""What `meshgov check FILE...` (the hook's command) loads for the files pre-commit passes."""

from __future__ import annotations

import json
import os

import pytest

from meshgov.api import evaluate
from meshgov.cli import main
from meshgov.core.context import RunOptions

BAD_SQL = "SELECT o.* FROM sales_prod.core.orders AS o\n"
GOOD_SQL = "SELECT o.id FROM sales_prod.core.orders AS o\n"


@pytest.fixture()
def domain(tmp_path, monkeypatch):
    """A domain using the shipped pack (whatever code and infra policies it has by now)."""
    (tmp_path / "meshgov.yaml").write_text(
        "domain: sales\ncatalogs: [sales_prod]\nexclude: [generated/]\n"
        "waivers:\n"
        "  - {policy: MG-C-002, subject: sql/other.sql, reason: r, owner: o@x, expires: 2099-01-01}\n"
        "  - {policy: MG-C-002, subject: sql/old.sql, reason: r, owner: o@x, expires: 2020-01-01}\n"
    )
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "one.sql").write_text(BAD_SQL)
    (tmp_path / "sql" / "two.sql").write_text(GOOD_SQL)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "x.sql").write_text(BAD_SQL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(capsys, *args: str) -> tuple[int, dict]:
    code = main(["check", "-f", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_explicit_files_are_never_walked_around(domain, monkeypatch) -> None:
    def no_walk(*_a, **_k):
        raise AssertionError("os.walk called for explicit files")

    monkeypatch.setattr(os, "walk", no_walk)
    report = evaluate(["sql/two.sql"], options=RunOptions(explicit_files=True, kinds=("code", "infra")))
    assert report.run.inputs == 1 and report.passed


def test_one_sql_file_loads_only_code_policies(domain, capsys) -> None:
    code, report = _check(capsys, "--kinds", "code,infra", "sql/one.sql")
    assert code == 1
    assert {p["kind"] for p in report["policies"]} == {"code"}
    assert ("MG-C-002", "sql/one.sql") in {(f["policy_id"], f["location"]["path"]) for f in report["findings"]}


def test_a_changed_meshgov_yaml_keeps_every_kind(domain, capsys) -> None:
    _, full = _check(capsys, "--kinds", "code,infra", ".")
    _, given = _check(capsys, "--kinds", "code,infra", "sql/two.sql", "meshgov.yaml")
    assert {p["kind"] for p in given["policies"]} == {p["kind"] for p in full["policies"]}


def test_waivers_of_other_files_are_not_judged_on_one_file(domain, capsys) -> None:
    code, report = _check(capsys, "sql/two.sql")
    assert code == 0
    assert not [f for f in report["findings"] if f["policy_id"].startswith("MG-WAIVER")]
    # a full run does judge them: one unused, one expired
    _, full = _check(capsys, ".")
    ids = sorted(f["policy_id"] for f in full["findings"] if f["policy_id"].startswith("MG-WAIVER"))
    assert ids == ["MG-WAIVER-001", "MG-WAIVER-002"]


def test_excluded_file_passed_by_pre_commit_is_skipped(domain, capsys) -> None:
    code, report = _check(capsys, "generated/x.sql")
    assert code == 0 and report["run"]["inputs"] == 0


def test_files_of_two_domains_each_get_their_own_config(tmp_path, monkeypatch, capsys) -> None:
    """A monorepo commit touching two domains: each file is judged by its nearest meshgov.yaml."""
    for name, catalog in (("sales", "sales_prod"), ("finance", "finance_prod")):
        d = tmp_path / "domains" / name
        (d / "sql").mkdir(parents=True)
        (d / "meshgov.yaml").write_text(f"domain: {name}\ncatalogs: [{catalog}]\n")
        (d / "sql" / "x.sql").write_text(BAD_SQL.replace("sales_prod", catalog))
    monkeypatch.chdir(tmp_path)
    code, report = _check(capsys, "domains/sales/sql/x.sql", "domains/finance/sql/x.sql")
    assert code == 1
    assert report["run"]["domain"] == "finance,sales"
    found = {(f["location"]["path"], f["subject"]["domain"]) for f in report["findings"]
             if f["policy_id"] == "MG-C-002"}
    assert found == {("domains/sales/sql/x.sql", "sales"), ("domains/finance/sql/x.sql", "finance")}


def test_one_dbt_model_is_rendered_with_its_project(tmp_path, monkeypatch, capsys) -> None:
    """Only the model is given; its dbt project (refs, schema.yml) is context, not input."""
    (tmp_path / "meshgov.yaml").write_text("domain: sales\ncatalogs: [sales_prod]\n")
    (tmp_path / "dbt_project.yml").write_text(
        "name: sales\nversion: '1.0'\nprofile: sales\nmodel-paths: [models]\n")
    models = tmp_path / "models"
    models.mkdir()
    (models / "stg_orders.sql").write_text("SELECT o.id, o.amount FROM sales_prod.core.ORDERS AS o\n")
    (models / "orders.sql").write_text(
        "{{ config(materialized='view') }}\n\nSELECT s.*\nFROM {{ ref('stg_orders') }} AS s\n")
    (models / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: orders\n    description: orders\n"
        "    meta: {owner: sales-data@corp.example}\n")
    monkeypatch.chdir(tmp_path)
    _, report = _check(capsys, "models/orders.sql")
    assert report["run"]["inputs"] == 1
    star = [f for f in report["findings"] if f["policy_id"] == "MG-C-002"]
    assert [(f["location"]["path"], f["location"]["line"], f["subject"]["type"]) for f in star] == [
        ("models/orders.sql", 3, "dbt_model")]
    assert not [f for f in report["findings"] if f["policy_id"] == "MG-INPUT"]
