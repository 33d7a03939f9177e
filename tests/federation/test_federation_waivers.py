from __future__ import annotations

from federation_mesh import by_policy

WAIVERS = """\
waivers:
  - policy: ACME-STAR
    subject: sql/legacy/*.sql
    reason: legacy models, ticket DATA-412
    owner: hr-lead@corp.example
    expires: 2099-12-31
  - policy: ACME-STAR
    subject: sql/expired.sql
    reason: was temporary
    owner: hr-lead@corp.example
    expires: 2026-11-20
  - policy: ACME-STAR
    subject: sql/gone.sql
    reason: file was deleted
    owner: hr-lead@corp.example
    expires: 2099-12-31
  - policy: ACME-ENF
    subject: sql/a.sql
    reason: we would like to
    owner: hr-lead@corp.example
    expires: 2099-12-31
"""


def _setup(mesh):
    mesh.config(WAIVERS)
    for rel in ("sql/legacy/old.sql", "sql/expired.sql", "sql/a.sql", "sql/approved.sql",
                "sql/council_expired.sql"):
        mesh.sql(rel)


def test_waiver_by_glob_waives_with_its_reason(mesh):
    _setup(mesh)
    report = mesh.evaluate()
    [legacy] = [f for f in by_policy(report, "ACME-STAR") if f.location.path == "sql/legacy/old.sql"]
    assert legacy.waiver is not None and legacy.waiver.reason.endswith("DATA-412")
    assert legacy.waiver.expires == "2099-12-31" and legacy not in report.blocking


def test_expired_waiver_stops_waiving_and_is_reported_at_its_line(mesh):
    _setup(mesh)
    report = mesh.evaluate()
    [f] = [f for f in by_policy(report, "ACME-STAR") if f.location.path == "sql/expired.sql"]
    assert f.waiver is None and f in report.blocking
    expired = [e for e in by_policy(report, "MG-WAIVER-001") if e.location.path == "meshgov.yaml"]
    assert len(expired) == 1 and "expired on 2026-11-20" in expired[0].message
    assert expired[0].location.line == mesh.line_of("meshgov.yaml", "subject: sql/expired.sql") - 1
    # the day before it expires it still waives
    import datetime as dt

    report = mesh.evaluate(today=dt.date(2026, 11, 20))
    [f] = [f for f in by_policy(report, "ACME-STAR") if f.location.path == "sql/expired.sql"]
    assert f.waiver is not None


def test_unused_waiver_is_reported(mesh):
    _setup(mesh)
    report = mesh.evaluate()
    [unused] = by_policy(report, "MG-WAIVER-002")
    assert "sql/gone.sql" in unused.message and unused.severity == "warning"
    assert unused.location.line == mesh.line_of("meshgov.yaml", "subject: sql/gone.sql") - 1


def test_waiver_of_an_unknown_policy_is_reported_as_such(mesh):
    mesh.config("""\
    waivers:
      - policy: ACME-STRA
        subject: sql/a.sql
        reason: typo in the id
        owner: hr-lead@corp.example
        expires: 2099-12-31
    """)
    mesh.sql("sql/a.sql")
    report = mesh.evaluate()
    [unused] = by_policy(report, "MG-WAIVER-002")
    assert "ACME-STRA, which is not a policy in force" in unused.message
    assert by_policy(report, "ACME-STAR")[0].waiver is None


def test_enforced_policy_only_council_waivers_count(mesh):
    _setup(mesh)
    report = mesh.evaluate()
    enf = {f.location.path: f for f in by_policy(report, "ACME-ENF")}
    # the domain's own waiver of an enforced policy waives nothing and is itself a finding
    assert enf["sql/a.sql"].waiver is None and enf["sql/a.sql"] in report.blocking
    [unapproved] = by_policy(report, "MG-WAIVER-003")
    assert unapproved.location.path == "meshgov.yaml"
    assert unapproved.location.line == mesh.line_of("meshgov.yaml", "subject: sql/a.sql") - 1
    # the council's approved waiver counts
    assert enf["sql/approved.sql"].waiver is not None
    assert enf["sql/approved.sql"].waiver.source == "council"
    # an expired council approval is reported at its line in the council's pack
    [council] = [e for e in by_policy(report, "MG-WAIVER-001") if e.location.path != "meshgov.yaml"]
    assert council.location.path == "../governance/pack.yaml"
    lines = (mesh.council / "pack.yaml").read_text().splitlines()
    assert "sql/council_expired.sql" in lines[council.location.line]  # the line after "- policy:"
    assert enf["sql/council_expired.sql"].waiver is None


def test_inline_suppression_of_an_enforced_policy_is_reported(mesh):
    mesh.config()
    mesh.sql("sql/inline.sql", "-- meshgov:ignore ACME-ENF,ACME-STAR migration in progress\n" + STAR)
    report = mesh.evaluate()
    assert by_policy(report, "ACME-STAR")[0].waiver is not None  # an ordinary policy: suppressed
    enf = by_policy(report, "ACME-ENF")[0]
    assert enf.waiver is None and enf in report.blocking
    [unapproved] = by_policy(report, "MG-WAIVER-003")
    assert (unapproved.location.path, unapproved.location.line) == ("sql/inline.sql", 1)


def test_no_waivers_shows_everything(mesh, run_cli):
    import json

    _setup(mesh)
    report = mesh.evaluate(no_waivers=True)
    assert not any(f.waived for f in report.findings)
    assert not [f for f in report.findings if f.policy_id.startswith("MG-WAIVER")]
    assert report.summary()["waived"] == 0
    with_waivers = mesh.evaluate()
    assert with_waivers.summary()["waived"] == 2
    code, out, _ = run_cli("check", str(mesh.domain), "--kinds", "code", "--no-waivers", "-f", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["waived"] == 0


STAR = "SELECT *\nFROM hr_prod.published.EMPLOYEES\n"
