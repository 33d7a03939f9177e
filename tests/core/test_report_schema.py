from __future__ import annotations

import json

import jsonschema

from meshgov.core.model import Finding, Location, Policy, Report, RunInfo, Subject, Waiver


def _report(**kw) -> Report:
    findings = (
        Finding("MG-C-002", "code", "error", "star", Subject("sql", "b.sql", "hr"), Location("b.sql", 3, 1)),
        Finding("MG-C-001", "code", "warning", "name", Subject("sql", "a.sql", "hr"), Location("a.sql", 9, 2)),
        Finding("MG-C-001", "code", "error", "w", Subject("sql", "a.sql", "hr"), Location("a.sql", 1, 1),
                waiver=Waiver("MG-C-001", "a.sql", "legacy", "o@x", "2099-01-01")),
    )
    return Report("0.1.0", RunInfo(mode="check", domain="hr", inputs=2),
                  (Policy("MG-C-001", "code", "t"), Policy("MG-C-002", "code", "t2")), findings, **kw)


def test_report_validates_against_shipped_schema(report_schema):
    doc = json.loads(json.dumps(_report().to_dict()))
    jsonschema.validate(doc, report_schema)


def test_summary_counts_and_blocking():
    s = _report().summary()
    assert s == {
        "passed": False, "findings": 2, "blocking": 1, "waived": 1,
        "by_severity": {"error": 1, "warning": 1, "info": 0},
        "by_kind": {"code": 2, "infra": 0, "data": 0},
    }
    assert _report(fail_on="warning").summary()["blocking"] == 2
    assert _report(fail_on="never").summary()["passed"] is True


def test_findings_sorted_by_path_line_policy():
    doc = _report().to_dict()
    assert [(f["location"]["path"], f["location"]["line"]) for f in doc["findings"]] == [
        ("a.sql", 1), ("a.sql", 9), ("b.sql", 3)]


def test_schema_rejects_unknown_finding_keys(report_schema):
    doc = _report().to_dict()
    doc["findings"][0]["surprise"] = 1
    try:
        jsonschema.validate(doc, report_schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted an unknown key")
