"""The shipped fixtures produce exactly the expected infra findings, in one report with code."""

from __future__ import annotations

import json

import pytest

from meshgov.api import evaluate

from .infra_support import ENGINES, ROOT

EXPECTED = json.loads((ROOT / "tests" / "infra" / "expected_fixture_findings.json").read_text())


@pytest.mark.parametrize("engine", ENGINES)
def test_fixture_findings_exact(engine: str) -> None:
    report = evaluate([ROOT / "fixtures" / "infra"], kinds=("infra",), embedded_engine=engine)
    rows = sorted([f.location.path, f.location.line, f.policy_id, f.severity, f.subject.ref,
                   f.subject.type] for f in report.findings)
    assert rows == EXPECTED
    assert report.run.engine == engine
    # files: 3 plans, 6 specs, 2 bundles (one with 3 included files, each an input), 1 ARM
    # template, 4 Terraform sources (main.tf, its local module main.tf, 2 tfvars)
    assert report.run.inputs == 19


def test_compliant_plan_has_no_findings() -> None:
    """Deletes, no-ops, other providers and computed (after_unknown) attributes are not violations."""
    report = evaluate([ROOT / "fixtures" / "infra" / "plans" / "plan_compliant.json"], kinds=("infra",))
    assert report.findings == ()
    assert report.passed


def test_sales_domain_one_report_with_code_and_infra() -> None:
    sales = ROOT / "fixtures" / "domains" / "sales"
    report = evaluate([sales], config=sales / "meshgov.yaml", kinds=("code", "infra"))
    assert {f.kind for f in report.findings} >= {"code", "infra"}
    infra = sorted((f.location.path, f.location.line, f.policy_id, f.severity, f.subject.ref,
                    f.subject.domain) for f in report.findings if f.kind == "infra")
    assert infra == [
        ("infra/adhoc.cluster.json", 1, "MG-I-010", "error", "clusters/sales-adhoc", "sales"),
        ("infra/plan.json", 51, "MG-I-001", "error", "databricks_sql_endpoint.orders_bi", "sales"),
        ("infra/plan.json", 87, "MG-I-021", "warning", "databricks_job.orders_nightly", "sales"),
    ]
    doc = report.to_dict()
    assert doc["summary"]["by_kind"]["infra"] == 3
    assert {p["id"] for p in doc["policies"] if p["kind"] == "infra"} >= {"MG-I-001", "MG-I-042"}


def test_sensitive_plan_values_never_reach_the_report() -> None:
    report = evaluate([ROOT / "fixtures" / "infra" / "plans"], kinds=("infra",))
    text = json.dumps(report.to_dict())
    assert "s3cr3t-Passw0rd!" not in text
    secret = [f for f in report.findings if f.policy_id == "MG-I-016"]
    assert secret and "DB_PASSWORD" in secret[0].message


def test_cli_exit_codes(run_cli) -> None:  # type: ignore[no-untyped-def]
    plans = ROOT / "fixtures" / "infra" / "plans"
    code, out, _ = run_cli("check", str(plans / "plan_compliant.json"), "--kinds", "infra")
    assert code == 0, out
    code, out, _ = run_cli("check", str(plans / "plan_violations.json"), "-f", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["by_kind"]["infra"] == 27  # 4 of them MG-I-023: the loose cluster policy
