"""dbt rule behaviour as data: every case of tests/code/dbt/rules/<rule>.yaml, run by the
public rule-case runner (meshgov.core.cases, what `meshgov policy test` runs).

A case's input is ``dbt: {files: {path: text}, paths?}``: a small dbt project (a default
``dbt_project.yml`` is added) checked as the sales domain of the acme mesh would check it;
``params`` tighten the policy (its own names) or set pack parameters (dotted names,
``code.dbt.required_tags``). Expected findings give ``path``, ``line`` and ``message``
(a substring).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from dbt_harness import DEFAULT_DOMAIN, GOVERNANCE
from meshgov.core.cases import CaseResult, describe, load_case_file, run_case_file
from meshgov.core.catalog import Catalog, load_catalog
from meshgov.core.config import DomainConfig, parse_config

CASES_DIR = Path(__file__).parent / "rules"
FILES = sorted(CASES_DIR.glob("*.yaml"))


def _catalog_for(cfg: DomainConfig) -> Catalog:
    return load_catalog(cfg, ("code",))


@lru_cache(maxsize=None)
def _results(path: Path) -> tuple[CaseResult, ...]:
    raw = {**DEFAULT_DOMAIN, "policies": {"packs": ["builtin", str(GOVERNANCE)]}}
    cfg = parse_config(raw, CASES_DIR / "meshgov.yaml")
    return tuple(run_case_file(load_case_file(path), cfg, _catalog_for(cfg), _catalog_for))


def _params() -> list[Any]:
    return [pytest.param(f, i, id=f"{f.stem}:{i}:{case.name}")
            for f in FILES for i, case in enumerate(load_case_file(f).cases)]


def test_every_dbt_rule_has_a_case_file() -> None:
    from meshgov.code.registry import RULES

    assert {k for k in RULES if k.startswith("dbt")} <= {f.stem for f in FILES}
    assert all(c.input == "dbt" for f in FILES for c in load_case_file(f).cases)


@pytest.mark.parametrize(("path", "index"), _params())
def test_rule_case(path: Path, index: int) -> None:
    r = _results(path)[index]
    assert r.error is None, r.error
    assert not r.missing and not r.extra, (
        [dict(e) for e in r.missing], [describe(f) for f in r.extra])
    assert all(f.subject.type == "dbt_model" for f in r.found if f.policy_id != "MG-INPUT")
