from __future__ import annotations

from federation_mesh import by_policy

from meshgov.core.catalog import load_catalog
from meshgov.core.config import load_config


def test_loosening_a_global_parameter_is_a_finding_and_the_global_value_stays(mesh):
    cfg_path = mesh.config(policies="""\
      params:
        infra.warehouse.max_size: 2X-Large
        code.max_joins: 3
    """)
    mesh.sql("sql/ok.sql", "SELECT a FROM t\n")
    catalog = load_catalog(load_config(cfg_path), ("code",))
    assert catalog.params["infra.warehouse.max_size"] == "X-Large"  # the loosening is ignored
    assert catalog.params["code.max_joins"] == 3  # tightening is accepted
    report = mesh.evaluate()
    [f] = by_policy(report, "MG-GOV-001")
    assert f.severity == "error" and "2X-Large" in f.message and "X-Large" in f.message
    assert (f.location.path, f.location.line) == ("meshgov.yaml", mesh.line_of("meshgov.yaml", "infra.warehouse"))
    assert f.location.column == 5
    assert f.kind == "infra" and not report.passed


def test_disabling_a_global_policy_is_a_finding_and_it_still_runs(mesh):
    mesh.config(policies="""\
      disable: [ACME-STAR]
    """)
    mesh.sql("sql/a.sql")
    report = mesh.evaluate()
    [f] = by_policy(report, "MG-GOV-002")
    assert "cannot be disabled" in f.message
    assert f.location.line == mesh.line_of("meshgov.yaml", "disable")
    assert len(by_policy(report, "ACME-STAR")) == 1


def test_redefining_a_global_id_is_a_finding_at_the_local_policy(mesh):
    (mesh.domain / "policies").mkdir()
    (mesh.domain / "policies" / "local.yaml").write_text(
        "kind: code\npolicies:\n"
        "  - id: HR-STAR\n    rule: select_star\n    title: our own star rule\n    severity: warning\n"
        "  - id: ACME-STAR\n    rule: select_star\n    title: softer\n    severity: info\n"
    )
    mesh.config(policies="""\
      local: [policies/]
    """)
    mesh.sql("sql/a.sql")
    report = mesh.evaluate()
    [f] = by_policy(report, "MG-GOV-002")
    assert "redefines a global policy" in f.message
    assert (f.location.path, f.location.line) == ("policies/local.yaml", 7)
    policies = {p.id: p for p in report.policies}
    assert policies["ACME-STAR"].severity == "error" and policies["ACME-STAR"].source == "global"
    assert policies["HR-STAR"].source == "local"
    assert by_policy(report, "ACME-STAR")[0].severity == "error"
    assert by_policy(report, "HR-STAR")[0].severity == "warning"


def test_federation_findings_are_enforced_a_domain_cannot_waive_them(mesh):
    mesh.config(policies="""\
      params:
        code.max_joins: 50
    """, extra="""\
    waivers:
      - policy: MG-GOV-001
        subject: meshgov.yaml
        reason: we need more joins
        owner: hr-lead@corp.example
        expires: 2099-01-01
    """)
    report = mesh.evaluate()
    [gov] = by_policy(report, "MG-GOV-001")
    assert gov.waiver is None
    [unapproved] = by_policy(report, "MG-WAIVER-003")
    assert unapproved.location.line == mesh.line_of("meshgov.yaml", "- policy: MG-GOV-001")
