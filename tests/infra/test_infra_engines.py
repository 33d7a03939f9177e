"""Engines, local Rego policies, bad Rego, `meshgov policy test`, classification, lazy imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from meshgov.infra.classify import classify
from meshgov.infra.engines import default_embedded
from meshgov.infra.engines.regorus_engine import available as regorus_available

from .infra_support import ENGINES, ROOT

CLUSTER = {"cluster_name": "c", "spark_version": "15.4.x-scala2.12", "num_workers": 2,
           "autotermination_minutes": 30, "data_security_mode": "SINGLE_USER",
           "enable_local_disk_encryption": True, "policy_id": "P",
           "custom_tags": {"owner": "o", "domain": "d", "cost-center": "1"}}

LOCAL_POLICY = """\
# METADATA
# title: Clusters of this domain are small
# description: A domain policy, tightening the council's.
# custom:
#   id: MG-L-001
#   severity: warning
#   resource_types: [cluster]
#   remediation: Use at most data.meshgov.params.local.max_workers workers.
package hr.small_clusters

import rego.v1

deny contains r if {
	input.type == "cluster"
	input.spec.num_workers > 1
	r := {"msg": "cluster is not small", "resource": input.address, "field": "num_workers"}
}
"""


def _domain(tmp_path: Path, rego: str | None = None, name: str = "small.rego",
            extra: dict[str, str] | None = None) -> Path:
    (tmp_path / "meshgov.yaml").write_text("domain: hr\npolicies:\n  local: [policies/]\n")
    pol = tmp_path / "policies"
    pol.mkdir()
    if rego is not None:
        (pol / name).write_text(rego)
    for fname, text in (extra or {}).items():
        (pol / fname).write_text(text)
    (tmp_path / "c.cluster.json").write_text(json.dumps(CLUSTER))
    return tmp_path


@pytest.mark.parametrize("engine", ENGINES)
def test_local_rego_policy(run_cli, tmp_path: Path, engine: str) -> None:  # type: ignore[no-untyped-def]
    d = _domain(tmp_path, LOCAL_POLICY)
    code, out, err = run_cli("check", str(d), "--engine", engine, "-f", "json")
    assert code == 0, err  # a warning does not block
    doc = json.loads(out)
    assert [(f["policy_id"], f["severity"], f["subject"]["ref"]) for f in doc["findings"]] == [
        ("MG-L-001", "warning", "clusters/c")]
    [local] = [p for p in doc["policies"] if p["id"] == "MG-L-001"]
    assert {k: local[k] for k in ("kind", "title", "severity", "source", "enforced")} == {
        "kind": "infra", "title": "Clusters of this domain are small", "severity": "warning",
        "source": "local", "enforced": False}


@pytest.mark.parametrize("engine", ENGINES)
def test_rego_syntax_error_names_file_and_line(run_cli, tmp_path: Path, engine: str) -> None:  # type: ignore[no-untyped-def]
    broken = LOCAL_POLICY.replace('input.spec.num_workers > 1', 'input.spec.num_workers >')
    d = _domain(tmp_path, broken)
    code, out, err = run_cli("check", str(d), "--engine", engine)
    assert code == 2
    # regorus points at the broken expression (16), rego-cpp at the rule it cannot compile (14)
    assert re.search(re.escape(str(d / "policies" / "small.rego")) + r":1[46]:\d+: Rego error", err), err
    assert "Rego error" in err


def test_rego_v0_is_rejected(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v0 = LOCAL_POLICY.replace("deny contains r if {", "deny[r] {")
    d = _domain(tmp_path, v0)
    code, _, err = run_cli("check", str(d))
    assert code == 2
    assert "small.rego:13" in err and "Rego v0" in err
    no_import = LOCAL_POLICY.replace("import rego.v1\n", "")
    d2 = _domain(tmp_path / "b", no_import) if (tmp_path / "b").mkdir() is None else None
    code, _, err = run_cli("check", str(d2))
    assert code == 2 and "import rego.v1" in err


def test_metadata_errors_name_the_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = _domain(tmp_path, LOCAL_POLICY.replace("#   severity: warning", "#   severity: fatal"))
    code, _, err = run_cli("check", str(d))
    assert code == 2 and "small.rego" in err and "custom.severity" in err


def test_regopy_refuses_with_input_instead_of_crashing(tmp_path: Path) -> None:
    from meshgov.core.errors import EngineError
    from meshgov.infra.engines.regopy_engine import RegopyEngine
    from meshgov.infra.metadata import read_module

    f = tmp_path / "t.rego"
    f.write_text("package t\n\nimport rego.v1\n\ntest_x if count({1} with input as {}) == 1\n")
    with pytest.raises(EngineError, match="t.rego:5: regopy 1.5.2 crashes"):
        RegopyEngine([read_module(f)], "{}")


def test_policy_test_passes_on_the_pack(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli("policy", "test", "-v")
    assert code == 0, out
    assert "PASS: " in out and "FAIL" not in out
    assert "data.meshgov.infra.warehouse.size.test_too_large_fails: PASS" in out
    assert out.count(": PASS") >= 50


def test_policy_test_reports_failures(run_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    failing = "package hr.small_clusters\n\nimport rego.v1\n\ntest_wrong if count(deny) == 7\n"
    d = _domain(tmp_path, LOCAL_POLICY, extra={"small_test.rego": failing})
    monkeypatch.chdir(d)
    code, out, _ = run_cli("policy", "test")
    assert code == 1
    assert "data.hr.small_clusters.test_wrong: FAIL" in out
    assert "FAIL: 1/" in out


@pytest.mark.skipif(not regorus_available(), reason="regorus not installed")
def test_default_engine_is_regorus_when_installed() -> None:
    assert default_embedded() == "regorus"


def test_malformed_inputs_are_mg_input_findings(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "plan.json").write_text('{"format_version": "1.2",\n "terraform_version": "1.9",\n "resource_changes": [\n')
    (tmp_path / "old.json").write_text('{"format_version": "0.1", "terraform_version": "0.11"}')
    (tmp_path / "databricks.yml").write_text("resources:\n  jobs: [unclosed\n")
    (tmp_path / "x.cluster.json").write_text(json.dumps(CLUSTER))
    code, out, _ = run_cli("check", str(tmp_path), "-f", "json")
    assert code == 1
    doc = json.loads(out)
    got = sorted((f["policy_id"], f["location"]["path"], f["location"]["line"]) for f in doc["findings"])
    assert got == [("MG-INPUT", "databricks.yml", 3), ("MG-INPUT", "old.json", 1),
                   ("MG-INPUT", "plan.json", 4)]
    assert "unsupported Terraform plan format_version '0.1'" in out


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("databricks.yml", "", "databricks_bundle"),
    ("x.cluster.json", "{}", "databricks_cluster_spec"),
    ("x.warehouse.json", "{}", "databricks_warehouse_spec"),
    ("x.job.json", "{}", "databricks_job_spec"),
    ("x.cluster-policy.json", "{}", "databricks_cluster_policy_spec"),
    ("tfplan.json", '{"format_version":"1.2","terraform_version":"1.9.5"}', "terraform_plan"),
    ("azuredeploy.json", '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}', "arm_template"),
    ("package.json", '{"resource_changes": []}', None),
    ("data.json", '{"a": 1}', None),
    ("x.sql", "select 1", None),
])
def test_classify(tmp_path: Path, name: str, content: str, expected: str | None) -> None:
    f = tmp_path / name
    f.write_text(content)
    assert classify(f) == expected


def test_sql_check_imports_no_rego_engine() -> None:
    code = textwrap.dedent(f"""
        import sys
        from meshgov.cli import main
        rc = main(["check", {str(ROOT / 'fixtures/domains/sales/sql/orders_enriched.sql')!r}, "--kinds", "code,infra", "-f", "json", "-o", "/dev/null"])
        print(sorted(m for m in ("regopy", "hobofan_regorus", "opa_client") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
