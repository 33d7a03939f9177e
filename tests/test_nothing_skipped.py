"""Nothing of a kind is skipped in silence: a note in every format, MG-SKIPPED under --strict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")


def _domain_without_infra_policies(tmp_path: Path) -> Path:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack.yaml").write_text("name: empty\nversion: 1\n")
    (tmp_path / "meshgov.yaml").write_text("domain: x\npolicies:\n  packs: [./pack]\n")
    (tmp_path / "main.tf").write_text(
        'resource "databricks_sql_endpoint" "w" {\n  cluster_size = "4X-Large"\n}\n')
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_inputs_of_a_kind_without_policies_are_a_note_in_every_format(
        run_cli: Any, tmp_path: Path, fmt: str) -> None:
    repo = _domain_without_infra_policies(tmp_path)
    code, out, _err = run_cli("check", str(repo), "--format", fmt)
    assert code == 0
    assert "no infra policy is in force" in out


def test_under_strict_they_fail_the_run(run_cli: Any, tmp_path: Path) -> None:
    repo = _domain_without_infra_policies(tmp_path)
    code, out, _err = run_cli("check", str(repo), "--strict", "--format", "json")
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["policy_id"] == "MG-SKIPPED" and finding["severity"] == "error"
    assert "1 input(s) but no infra policy is in force" in finding["message"]


def test_a_named_file_meshgov_does_not_read(run_cli: Any, tmp_path: Path) -> None:
    f = tmp_path / "prod.tfvars"  # a var file, but no module (.tf) beside or above it reads it
    f.write_text('size = "4X-Large"\n')
    code, out, _err = run_cli("check", str(f))
    assert code == 0 and "not read: " in out and "prod.tfvars" in out
    code, out, _err = run_cli("check", str(f), "--strict", "--format", "json")
    assert code == 1
    assert [x["policy_id"] for x in json.loads(out)["findings"]] == ["MG-SKIPPED"]


def test_a_compliant_run_under_strict_stays_green(run_cli: Any, fixtures_dir: Path) -> None:
    code, _out, _err = run_cli("check", str(fixtures_dir / "infra" / "plans" / "plan_compliant.json"),
                               "--strict")
    assert code == 0
