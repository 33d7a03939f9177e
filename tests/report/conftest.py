"""Reports built directly from model objects, covering what every format must carry."""

from __future__ import annotations

import pytest

from meshgov.core.model import Finding, Location, Policy, Report, RunInfo, Subject, Waiver
from meshgov.core.sections import BaselineTrend, Scorecard

TRICKY = 'bad: 100% "quoted", a|pipe <script>alert(1)</script>\nsecond line, ünïcode'


def build_report(**kw) -> Report:
    policies = (
        Policy("MG-C-002", "code", "No SELECT * in models and views", "error",
               description="A projection of * makes the contract whatever upstream holds.",
               remediation="List the columns explicitly."),
        Policy("MG-C-010", "code", "dbt models are documented", "warning",
               description="Every dbt model has a description.", remediation="Add a description."),
        Policy("MG-I-001", "infra", "SQL warehouse size at most X-Large", "error", enforced=True,
               description="Warehouses larger than the limit cost too much.",
               remediation="Use a smaller cluster_size."),
        Policy("MG-I-002", "infra", "Clusters auto-terminate", "warning"),
        Policy("MG-D-001", "data", "Employee number is positive", "error"),
        Policy("MG-D-002", "data", "Emails are masked", "info", source="local"),
        Policy("MG-C-099", "code", "A policy nothing violates", "error"),
    )
    findings = (
        Finding("MG-C-002", "code", "error", "SELECT * : list the columns", Subject("sql", "sql/a.sql", "hr"),
                Location("sql/a.sql", 3, 8), remediation="List the columns explicitly.",
                fingerprint="fp-a-1", baseline_status="unchanged"),
        Finding("MG-C-002", "code", "error", "SELECT t.* : list the columns", Subject("sql", "sql/a.sql", "hr"),
                Location("sql/a.sql", 9, 1), fingerprint="fp-a-2", baseline_status="new"),
        Finding("MG-C-002", "code", "error", "SELECT * in legacy", Subject("sql", "sql/legacy/old.sql", "hr"),
                Location("sql/legacy/old.sql", 1, 1),
                waiver=Waiver("MG-C-002", "sql/legacy/*.sql", "legacy, ticket DATA-412", "hr-lead@corp.example",
                              "2027-03-31"), fingerprint="fp-legacy", baseline_status="unchanged"),
        Finding("MG-C-010", "code", "warning", TRICKY, Subject("dbt_model", "models/employees.sql", "hr"),
                Location("models/employees.sql", 1, 1), fingerprint="fp-doc", baseline_status="new"),
        Finding("MG-I-001", "infra", "error", "warehouse size 4X-Large exceeds X-Large",
                Subject("terraform_resource", "databricks_sql_endpoint.big", "sales"),
                Location("plans/plan.json", 42, 7), fingerprint="fp-wh", baseline_status="new"),
        Finding("MG-I-002", "infra", "warning", "cluster never terminates", Subject("cluster", "0101-abc", "sales"),
                Location(), fingerprint="fp-cl", baseline_status="unchanged"),
        Finding("MG-D-001", "data", "error", "3 of 10 rows (30.0%) have Emp_Num <= 0",
                Subject("table", "hr_prod.published.EMPLOYEES", "hr"), Location("data/employees.csv"),
                evidence={"column": "Emp_Num", "unexpected": 3}, fingerprint="fp-d1", baseline_status="new"),
        Finding("MG-D-002", "data", "info", "email not masked", Subject("table", "hr_prod.published.EMPLOYEES", "hr"),
                Location(), waiver=Waiver("MG-D-002", "hr_prod.*", "masking lands in Q1", "", None, "inline"),
                fingerprint="fp-d2", baseline_status="unchanged"),
        Finding("MG-WAIVER-001", "code", "error", "waiver of MG-C-002 for 'x.sql' expired on 2024-01-01",
                Subject("config", "meshgov.yaml", "hr"), Location("meshgov.yaml", 14, 5),
                evidence={"waiver": {"policy": "MG-C-002", "subject": "x.sql", "reason": "old",
                                     "owner": "a@b", "expires": "2024-01-01", "source": "domain"}},
                fingerprint="fp-w1", baseline_status="new"),
    )
    meta = (Policy("MG-WAIVER-001", "code", "Waivers expire", "error"),)
    fixed = ({"policy_id": "MG-C-002", "kind": "code", "severity": "error", "message": "SELECT * gone",
              "subject": {"type": "sql", "ref": "sql/b.sql", "domain": "hr"},
              "location": {"path": "sql/b.sql", "line": 2, "column": 1}, "fingerprint": "fp-b"},)
    sections = {
        "baseline": {"path": "main.json", "started_at": "2026-11-20T02:00:00+00:00", "domain": "hr",
                     "before": {"findings": 6, "blocking": 3, "waived": 1, "by_severity": {}}},
        "scorecards": [{
            "domain": "hr", "product": "employees", "tables": ["hr_prod.published.EMPLOYEES"],
            "characteristics": {
                "discoverable": {"status": "pass", "detail": "registered and described", "policies": []},
                "understandable": {"status": "fail", "detail": "1 finding(s): MG-C-010", "policies": ["MG-C-010"]},
                "truthful": {"status": "fail", "detail": "1 finding(s): MG-D-001", "policies": ["MG-D-001"]},
                "secure": {"status": "unknown", "detail": "no policy in force maps to it", "policies": []},
                "cost": {"status": "unknown", "detail": "no policy in force maps to it", "policies": []},
                "compliance": {"status": "pass", "detail": "ok", "policies": ["MG-D-002"]},
            },
            "score": "2/6", "evaluated": 4}],
    }
    args = dict(
        tool_version="0.1.0",
        run=RunInfo(mode="check", started_at="2026-11-21T02:00:00+00:00",
                    finished_at="2026-11-21T02:00:03+00:00", engine="embedded", domain="hr", inputs=7),
        policies=policies + meta,
        findings=findings,
        notes=("data checks: 1 table validated",),
        fixed=fixed,
        baseline=BaselineTrend.from_dict(sections["baseline"]),
        scorecards=tuple(Scorecard.from_dict(c) for c in sections["scorecards"]),
    )
    args.update(kw)
    return Report(**args)


@pytest.fixture()
def rich_report() -> Report:
    return build_report()


@pytest.fixture()
def empty_report() -> Report:
    return Report("0.1.0", RunInfo(mode="check", started_at="2026-11-21T02:00:00+00:00", domain="hr"),
                  (Policy("MG-C-002", "code", "No SELECT *"),), ())
