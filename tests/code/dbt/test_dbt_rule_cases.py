"""dbt rule behaviour as data: every case of tests/code/dbt/rules/<rule>.yaml.

A case is a small dbt project (``files``: path -> text; a default ``dbt_project.yml`` is added),
optional ``params`` (meshgov.yaml policies.params), optional ``policy_params`` (the rule runs
as a local policy of the domain with these params), optional ``paths`` (what is checked,
default the whole project) and the findings expected of the file's policy:
``{path, line, message}`` (``message`` is a substring; ``path`` defaults to models/m.sql).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dbt_harness import run, write_project

CASES_DIR = Path(__file__).parent / "rules"


def _load() -> list[Any]:
    out = []
    for f in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            out.append(pytest.param(doc["policy"], doc["rule"], case, id=f"{f.stem}:{i}:{case['name']}"))
    return out


@pytest.mark.parametrize(("policy_id", "rule", "case"), _load())
def test_case(policy_id: str, rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    files = dict(case["files"])
    local = None
    if case.get("policy_params"):
        policy_id = "LOCAL-DBT-1"
        local = "policies/"
        files["policies/local.yaml"] = yaml.safe_dump({"kind": "code", "policies": [
            {"id": policy_id, "rule": rule, "title": "local variant", "params": case["policy_params"]}]})
    write_project(tmp_path, files, params=case.get("params"), local=local)
    findings = run(tmp_path, case.get("paths"), [policy_id])
    expected = case["expect"]
    got = [(f.location.path, f.location.line, f.message) for f in findings]
    assert len(findings) == len(expected), got
    unmatched = list(findings)
    for exp in expected:
        match = next((f for f in unmatched
                      if f.location.path == exp.get("path", "models/m.sql")
                      and f.location.line == exp.get("line", 1)
                      and exp.get("message", "") in f.message), None)
        assert match is not None, (exp, got)
        unmatched.remove(match)
        assert match.subject.type == "dbt_model"
