from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema

from meshgov.core.config import Product
from meshgov.core.model import Finding, Location, Policy, Subject, Waiver
from meshgov.report import render
from meshgov.report.scorecard import CHARACTERISTICS, MAPPING, Coverage, policy_matches, scorecard

TABLE = "hr_prod.published.EMPLOYEES"
PRODUCT = Product("employees", (TABLE,), "One row per employee.")
POLICIES = [
    Policy("C-DOC", "code", "models documented", rule="dbt_model_description"),
    Policy("C-PII", "code", "PII classified", rule="dbt_pii_classified"),
    Policy("C-GRANT", "code", "no broad grants", rule="grants"),
    Policy("I-WH", "infra", "warehouse size", rule="warehouse_size"),
    Policy("D-POS", "data", "Emp_Num positive", rule="positive", params={"tables": [TABLE], "column": "Emp_Num"}),
    Policy("D-MASK", "data", "email masked", rule="pii_masked", params={"tables": ["hr_prod.published.*"]}),
]
FULL = Coverage(kinds=("code", "infra", "data"), model_names=frozenset({"employees"}), sql_inputs=True,
                infra_inputs=True, data_tables=frozenset({TABLE.lower()}))


def _status(card):
    return {k: v.status for k, v in card.characteristics}


def test_mapping_table_is_explicit_and_covers_every_characteristic():
    assert {e.characteristic for e in MAPPING} == set(CHARACTERISTICS[1:])
    assert policy_matches(next(e for e in MAPPING if e.characteristic == "truthful"), POLICIES[4])
    assert not policy_matches(next(e for e in MAPPING if e.characteristic == "truthful"), POLICIES[5])
    understandable = next(e for e in MAPPING if e.characteristic == "understandable")
    secure_code = next(e for e in MAPPING if e.characteristic == "secure" and e.kind == "code")
    assert policy_matches(understandable, POLICIES[1])  # PII classification of dbt columns
    owner = Policy("C-OWN", "code", "dbt owner", rule="dbt_owner")
    assert policy_matches(understandable, owner) and not policy_matches(secure_code, owner)


def test_all_pass_when_everything_ran_clean():
    card = scorecard("hr", PRODUCT, POLICIES, [], FULL)
    assert _status(card) == {c: "pass" for c in CHARACTERISTICS}
    assert card.score == "6/6"


def test_findings_on_the_product_fail_the_characteristic():
    findings = [
        Finding("D-POS", "data", "error", "3 rows <= 0", Subject("table", TABLE, "hr")),
        Finding("C-DOC", "code", "error", "no description", Subject("dbt_model", "models/marts/employees.sql", "hr")),
        Finding("I-WH", "infra", "error", "too big", Subject("warehouse", "wh-1", "hr")),
        Finding("C-GRANT", "code", "error", "ALL PRIVILEGES to users", Subject("sql", "sql/grants.sql", "hr"),
                evidence={"object": TABLE}),
        # waived: does not fail; another domain's warehouse: not ours
        Finding("D-MASK", "data", "error", "email", Subject("table", TABLE, "hr"),
                waiver=Waiver("D-MASK", TABLE, "masking lands in Q1", "o", "2099-01-01")),
        Finding("I-WH", "infra", "error", "too big", Subject("warehouse", "wh-2", "sales")),
    ]
    status = _status(scorecard("hr", PRODUCT, POLICIES, findings, FULL))
    assert status == {"discoverable": "pass", "understandable": "fail", "truthful": "fail",
                      "secure": "fail", "cost": "fail", "compliance": "pass"}


def test_unknown_when_nothing_evaluated_never_a_pass():
    nothing = Coverage(kinds=("code",))
    status = _status(scorecard("hr", Product("employees", (TABLE,)), POLICIES, [], nothing))
    assert status["discoverable"] == "fail"  # registered, but no description
    assert status["understandable"] == "unknown"  # no dbt model of the product among the inputs
    assert status["truthful"] == "unknown" and status["cost"] == "unknown"
    assert status["secure"] == "unknown" and status["compliance"] == "unknown"
    status = _status(scorecard("hr", PRODUCT, [], [], FULL))
    assert status["understandable"] == status["cost"] == "unknown"  # no policy maps to them
    # a data policy on some other table: nothing defined for this product
    other = [Policy("D-X", "data", "x", rule="not_null", params={"tables": ["x.y.z"]})]
    assert _status(scorecard("hr", PRODUCT, other, [], FULL))["truthful"] == "fail"


PACK = "kind: code\npolicies:\n  - id: T-STAR\n    rule: select_star\n    title: No SELECT *\n"


def test_scorecards_in_the_report_json_markdown_html(tmp_path: Path, report_schema):
    import meshgov

    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "code.yaml").write_text(PACK)
    (tmp_path / "pack" / "products.yml").write_text(
        "domains:\n  hr:\n    catalogs: [hr_prod]\n    products:\n      - name: employees\n"
        f"        tables: [{TABLE}]\n        description: One row per employee.\n"
        "  sales:\n    catalogs: [sales_prod]\n    products:\n      - name: orders\n"
        "        tables: [sales_prod.published.ORDERS]\n")
    dom = tmp_path / "hr"
    dom.mkdir()
    (dom / "meshgov.yaml").write_text("domain: hr\ncatalogs: [hr_prod]\npolicies:\n  packs: [../pack]\n")
    (dom / "a.sql").write_text("SELECT id FROM hr_prod.published.EMPLOYEES\n")
    report = meshgov.evaluate([dom], config=dom / "meshgov.yaml", kinds=("code",), today=dt.date(2026, 11, 21))
    doc = json.loads(render(report, "json"))
    jsonschema.validate(doc, report_schema)
    [card] = doc["scorecards"]  # only the running domain's products
    assert (card["domain"], card["product"]) == ("hr", "employees")
    assert card["characteristics"]["discoverable"]["status"] == "pass"
    assert card["characteristics"]["understandable"]["status"] == "unknown"
    assert "### Data-product scorecards" in render(report, "markdown")
    assert 'id="scorecards"' in render(report, "html")
