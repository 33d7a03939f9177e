"""Rule behaviour as data: every case of tests/code/rules/<rule>.yaml (SQL) and
tests/code/dbt/rules/<rule>.yaml (small dbt projects), run by the public rule-case runner
(meshgov.core.cases, what `meshgov policy test` runs).

A case gives SQL (or ``dbt: {files, paths}``), optionally a domain (meshgov.yaml keys) and policy params, and the findings
expected of the file's policy: ``[line, col]`` or ``{line, col, message, severity}``
(``message`` is a substring). ``expect: []`` is a passing case. Cases run as the sales domain
of the acme mesh (fixtures/governance) unless they say otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from code_rule_harness import DEFAULT_DOMAIN, GOVERNANCE, ROOT
from meshgov.core.cases import CaseResult, describe, load_case_file, run_case_file
from meshgov.core.catalog import Catalog, load_catalog
from meshgov.core.config import DomainConfig, parse_config

CASES_DIR = Path(__file__).parent / "rules"
DBT_CASES_DIR = Path(__file__).parent / "dbt" / "rules"  # dbt: inputs, small dbt projects
FILES = sorted(CASES_DIR.glob("*.yaml")) + sorted(DBT_CASES_DIR.glob("*.yaml"))


def _config() -> DomainConfig:
    raw = {**DEFAULT_DOMAIN, "policies": {"packs": ["builtin", str(GOVERNANCE)]}}
    return parse_config(raw, ROOT / "tests" / "code" / "meshgov.yaml")


def _catalog_for(cfg: DomainConfig) -> Catalog:
    return load_catalog(cfg, ("code",))


@lru_cache(maxsize=None)
def _results(path: Path) -> dict[int, CaseResult]:
    cfg = _config()
    results = run_case_file(load_case_file(path), cfg, _catalog_for(cfg), _catalog_for)
    return dict(enumerate(results))


def _params() -> list[Any]:
    out = []
    for f in FILES:
        for i, case in enumerate(load_case_file(f).cases):
            out.append(pytest.param(f, i, id=f"{f.parent.parent.name}/{f.stem}:{i}:{case.name}"))
    return out


def test_every_rule_has_a_case_file() -> None:
    from meshgov.code.registry import RULES

    dbt = {k for k in RULES if k.startswith("dbt")}
    assert set(RULES) - dbt <= {f.stem for f in FILES if f.parent == CASES_DIR}
    assert dbt <= {f.stem for f in FILES if f.parent == DBT_CASES_DIR}
    assert all(c.input == "dbt" for f in FILES if f.parent == DBT_CASES_DIR
               for c in load_case_file(f).cases)


@pytest.mark.parametrize(("path", "index"), _params())
def test_rule_case(path: Path, index: int) -> None:
    r = _results(path)[index]
    assert r.error is None, r.error
    assert not r.missing and not r.extra, (
        [dict(e) for e in r.missing], [describe(f) for f in r.extra])
    if r.case.input == "dbt":
        assert all(f.subject.type == "dbt_model" for f in r.found if f.policy_id != "MG-INPUT")
