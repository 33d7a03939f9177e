"""Rule behaviour as data: every case of tests/code/rules/<rule>.yaml.

A case gives SQL, optionally a domain config (meshgov.yaml content) and policy params, and
the findings expected of the file's policy: ``[line, col]`` or ``{line, col, message, severity}``
(``message`` is a substring; ``severity`` when it is not the policy's). ``expect: []`` is a
passing case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from code_rule_harness import run_sql

CASES_DIR = Path(__file__).parent / "rules"


def _load() -> list[Any]:
    out = []
    for f in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            out.append(pytest.param(doc["policy"], case, id=f"{f.stem}:{i}:{case['name']}"))
    return out


CASES = _load()


def test_every_rule_has_a_case_file() -> None:
    from meshgov.code.registry import RULES

    files = {f.stem for f in CASES_DIR.glob("*.yaml")}
    dbt = {k for k in RULES if k.startswith("dbt")}
    assert set(RULES) - dbt <= files


@pytest.mark.parametrize(("policy_id", "case"), CASES)
def test_rule_case(policy_id: str, case: dict[str, Any]) -> None:
    findings = run_sql(case["sql"], [policy_id], domain=case.get("domain"),
                       params=case.get("params"))
    assert not [f for f in findings if f.policy_id == "MG-INPUT"], findings
    got = [f for f in findings if f.policy_id == policy_id and not f.waived]
    expected = case["expect"]
    assert len(got) == len(expected), [(f.location.line, f.location.column, f.message)
                                       for f in got]
    for f, exp in zip(got, expected):
        if isinstance(exp, dict):
            line, col, message = exp.get("line"), exp.get("col"), exp.get("message")
        else:
            line, col, message = exp[0], exp[1], None
        assert (f.location.line, f.location.column) == (line, col), f.message
        if message:
            assert message in f.message
        severity = exp.get("severity") if isinstance(exp, dict) else None
        if severity:
            assert f.severity == severity, f.message
