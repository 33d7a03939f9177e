from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from meshgov.report import render
from meshgov.report.as_sarif import FINGERPRINT_KEY

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator():
    path = SHARED if SHARED.is_file() else HERE / "sarif-schema-2.1.0.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_local_schema_copy_matches_shared():
    if not SHARED.is_file():
        pytest.skip("../shared is not present here")
    assert json.loads(SHARED.read_text()) == json.loads((HERE / "sarif-schema-2.1.0.json").read_text())


def test_sarif_validates_against_official_schema(rich_report, empty_report, sarif_validator):
    for report in (rich_report, empty_report):
        doc = json.loads(render(report, "sarif"))
        errors = sorted(sarif_validator.iter_errors(doc), key=str)
        assert not errors, errors[0]


def test_schema_check_is_real(rich_report, sarif_validator):
    doc = json.loads(render(rich_report, "sarif"))
    broken = copy.deepcopy(doc)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(broken))
    broken = copy.deepcopy(doc)
    with_file = [r for r in broken["runs"][0]["results"]
                 if "region" in r.get("locations", [{}])[0].get("physicalLocation", {})]
    with_file[0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(sarif_validator.iter_errors(broken))


def test_rules_one_per_policy_with_help_and_security_severity(rich_report):
    run = json.loads(render(rich_report, "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(p.id for p in rich_report.policies)
    by_id = {r["id"]: r for r in rules}
    star = by_id["MG-C-002"]
    assert star["fullDescription"]["text"].startswith("A projection of *")
    assert star["help"]["text"] == "List the columns explicitly."
    assert star["defaultConfiguration"]["level"] == "error"
    assert by_id["MG-C-010"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["MG-D-002"]["defaultConfiguration"]["level"] == "note"
    sev = {r["id"]: float(r["properties"]["security-severity"]) for r in rules}
    assert sev["MG-C-002"] > sev["MG-C-010"] > sev["MG-D-002"] > 0
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_fingerprints_locations_suppressions_baseline(rich_report):
    results = json.loads(render(rich_report, "sarif"))["runs"][0]["results"]
    assert len(results) == len(rich_report.findings)
    fps = sorted(r["partialFingerprints"][FINGERPRINT_KEY] for r in results)
    assert fps == sorted(f.fingerprint for f in rich_report.findings)
    by_fp = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in results}
    file_result = by_fp["fp-a-1"]
    phys = file_result["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "sql/a.sql"
    assert phys["region"] == {"startLine": 3, "startColumn": 8}
    assert file_result["baselineState"] == "unchanged" and by_fp["fp-a-2"]["baselineState"] == "new"
    # a Terraform resource: at its plan file, and named as a logical location
    wh = by_fp["fp-wh"]["locations"][0]
    assert wh["physicalLocation"]["artifactLocation"]["uri"] == "plans/plan.json"
    assert wh["logicalLocations"][0]["fullyQualifiedName"] == "databricks_sql_endpoint.big"
    # a live cluster has no file: logical location only
    cl = by_fp["fp-cl"]["locations"][0]
    assert "physicalLocation" not in cl and cl["logicalLocations"][0]["kind"] == "resource"
    # waivers become suppressions
    assert by_fp["fp-legacy"]["suppressions"][0]["kind"] == "external"
    assert "DATA-412" in by_fp["fp-legacy"]["suppressions"][0]["justification"]
    assert by_fp["fp-d2"]["suppressions"][0]["kind"] == "inSource"
    assert "suppressions" not in file_result


def test_sarif_is_deterministic(rich_report):
    assert render(rich_report, "sarif") == render(rich_report, "sarif")
