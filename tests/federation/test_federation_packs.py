"""Three layers: the shipped builtin pack, the council's pack, and the domain's local pack."""

from __future__ import annotations

import pytest
from federation_mesh import TODAY, by_policy

from meshgov.core.catalog import load_catalog
from meshgov.core.config import load_config
from meshgov.core.errors import ConfigError

LOCAL = """\
kind: code
policies:
  - id: HR-STAR
    rule: select_star
    title: HR's own star rule
    severity: warning
"""


def _three_layers(mesh, params: str = ""):
    (mesh.council / "pack.yaml").write_text("name: acme-council\napproved_waivers: []\n")
    (mesh.domain / "policies").mkdir()
    (mesh.domain / "policies" / "local.yaml").write_text(LOCAL)
    path = mesh.domain / "meshgov.yaml"
    path.write_text(
        "domain: hr\ncatalogs: [hr_prod]\n"
        "policies:\n"
        "  packs: [builtin, ../governance]\n"
        "  local: [policies/]\n"
        f"  params: {{{params}}}\n"
    )
    return path


def test_global_council_and_local_policies_are_all_in_force(mesh):
    cfg = _three_layers(mesh, "code.dbt.required_tags: [hr, pii-reviewed]")
    catalog = load_catalog(load_config(cfg), ("code",))
    src = {pid: p.source for pid, p in catalog.policies.items()}
    assert src["MG-C-002"] == "global"  # shipped pack
    assert src["ACME-ENF"] == "global"  # council pack
    assert src["HR-STAR"] == "local"
    assert catalog.params["code.dbt.required_tags"] == ["hr", "pii-reviewed"]  # superset: tighter
    mesh.sql("sql/a.sql")
    report = mesh.evaluate(today=TODAY)
    assert {f.policy_id for f in report.findings} >= {"MG-C-002", "ACME-STAR", "ACME-ENF", "HR-STAR"}
    assert not by_policy(report, "MG-GOV-001")


def test_loosening_a_shipped_parameter_is_reported_and_ignored(mesh):
    cfg = _three_layers(mesh, "code.forbidden_functions: [reflect]")
    catalog = load_catalog(load_config(cfg), ("code",))
    assert "input_file_name" in catalog.params["code.forbidden_functions"]
    [gov] = catalog.findings
    assert gov.policy_id == "MG-GOV-001" and (gov.location.line, gov.location.column) == (6, 12)  # flow style
    assert gov.evidence["requested"] == ["reflect"]


def test_council_pack_cannot_reuse_a_shipped_id(mesh):
    cfg = _three_layers(mesh)
    (mesh.council / "code.yaml").write_text(
        "kind: code\npolicies:\n  - id: MG-C-002\n    rule: select_star\n    title: dup\n")
    with pytest.raises(ConfigError, match="already defined"):
        load_catalog(load_config(cfg), ("code",))


def test_only_a_council_pack_approves_waivers(mesh):
    cfg = _three_layers(mesh)
    (mesh.domain / "policies" / "pack.yaml").write_text(
        "name: hr-local\napproved_waivers:\n  - policy: ACME-ENF\n    subject: '*'\n"
        "    reason: self-approved\n    owner: me@corp.example\n    expires: 2099-01-01\n")
    with pytest.raises(ConfigError, match="only a council"):
        load_catalog(load_config(cfg), ("code",))
