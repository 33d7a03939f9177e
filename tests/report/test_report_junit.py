from __future__ import annotations

from junitparser import Error, Failure, JUnitXml, Skipped

from meshgov.report import render


def _parse(tmp_path, report):
    path = tmp_path / "junit.xml"
    path.write_text(render(report, "junit"), encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def _cases(xml):
    return {suite.name: {case.name: case for case in suite} for suite in xml}


def test_junit_suites_per_kind_cases_per_policy_and_subject(tmp_path, rich_report):
    xml = _parse(tmp_path, rich_report)
    suites = _cases(xml)
    assert list(suites) == ["meshgov.code", "meshgov.infra", "meshgov.data"]
    code = suites["meshgov.code"]
    # one case per policy x subject with findings, one passing case per policy without
    assert set(code) == {
        "MG-C-002 sql/a.sql", "MG-C-002 sql/legacy/old.sql", "MG-C-010 models/employees.sql",
        "MG-C-099 (no finding)", "MG-WAIVER-001 meshgov.yaml",
    }
    assert code["MG-C-099 (no finding)"].is_passed
    star = code["MG-C-002 sql/a.sql"]
    assert isinstance(star.result[0], Failure)
    assert "sql/a.sql:3:8" in star.result[0].text and "sql/a.sql:9:1" in star.result[0].text
    assert isinstance(code["MG-C-002 sql/legacy/old.sql"].result[0], Skipped)
    assert star.result[0].type == "MG-C-002:error:blocking"
    # a warning is a failure too, marked as not blocking under --fail-on error
    doc = code["MG-C-010 models/employees.sql"]
    assert isinstance(doc.result[0], Failure) and doc.result[0].type == "MG-C-010:warning"
    assert "100% \"quoted\"" in doc.result[0].text and "(not blocking)" in doc.result[0].text
    assert isinstance(suites["meshgov.infra"]["MG-I-001 databricks_sql_endpoint.big"].result[0], Failure)


def test_junit_counts_match_the_report(tmp_path, rich_report):
    xml = _parse(tmp_path, rich_report)
    failures = sum(s.failures for s in xml)
    errors = sum(s.errors for s in xml)
    assert failures + errors == len({(f.policy_id, f.subject.ref) for f in rich_report.findings if not f.waived})
    assert sum(s.skipped for s in xml) == 2  # the two cases whose only finding is waived
    assert sum(s.tests for s in xml) == sum(len(list(s)) for s in xml)


def test_junit_fail_on_warning_and_input_errors(tmp_path, rich_report):
    from dataclasses import replace

    from meshgov.core.model import Finding, Location, Subject

    bad = Finding("MG-INPUT", "code", "error", "cannot parse SQL: Invalid expression",
                  Subject("sql", "sql/broken.sql", "hr"), Location("sql/broken.sql", 2, 5))
    report = replace(rich_report, fail_on="warning", findings=rich_report.findings + (bad,))
    suites = _cases(_parse(tmp_path, report))
    doc = suites["meshgov.code"]["MG-C-010 models/employees.sql"].result[0]
    assert isinstance(doc, Failure) and doc.type == "MG-C-010:warning:blocking"
    assert isinstance(suites["meshgov.code"]["MG-INPUT sql/broken.sql"].result[0], Error)


def test_junit_deterministic_and_survives_control_characters(tmp_path, rich_report):
    from dataclasses import replace

    f = replace(rich_report.findings[0], message="bell \x07 and form feed \x0c")
    report = replace(rich_report, findings=(f,) + rich_report.findings[1:])
    assert render(report, "junit") == render(report, "junit")
    suites = _cases(_parse(tmp_path, report))
    assert "bell" in suites["meshgov.code"]["MG-C-002 sql/a.sql"].result[0].text
