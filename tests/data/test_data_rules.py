"""Rule behaviour as data: every case of tests/data/rules/<rule>.yaml, run by the public
rule-case runner (meshgov.core.cases, what `meshgov policy test` runs) on a CSV file, on
SQLite and on the real PostgreSQL server (`--data-db`): the same findings everywhere.

Each file writes its policy inline (``{id: T-001, kind: data, rule: <rule>, tables: [...]}``);
a case gives the rule's parameters and the findings expected: ``unexpected_count``, an
MG-INPUT finding for what cannot be checked, ``examples_withheld`` for PII.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from meshgov.core.cases import CaseResult, describe, load_case_file, run_case_file
from meshgov.core.catalog import Catalog
from meshgov.core.config import DomainConfig
from meshgov.data.vocabulary import RULES

CASES_DIR = Path(__file__).parent / "rules"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
CATALOG = Catalog(policies={}, params={"data.max_unexpected_examples": 5})


def test_every_rule_has_a_case_file() -> None:
    covered = {load_case_file(f).inline["rule"] for f in CASE_FILES}  # type: ignore[index]
    assert covered == set(RULES)


@lru_cache(maxsize=None)
def _results(path: Path, db: str | None) -> tuple[CaseResult, ...]:
    settings = None if db is None else {"table": {"db": db}, "tables": {"db": db}}
    config = DomainConfig(root=CASES_DIR)
    return tuple(run_case_file(load_case_file(path), config, CATALOG, settings=settings))


def _params() -> list[Any]:
    out = []
    for f in CASE_FILES:
        for i, case in enumerate(load_case_file(f).cases):
            out.append(pytest.param(f, i, id=f"{f.stem}:{case.name}"))
    return out


BACKENDS = [
    pytest.param("files", id="files"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("path", "index"), _params())
def test_rule_case(backend: str, path: Path, index: int, request: Any) -> None:
    db = {"files": None, "sqlite": "sqlite"}.get(backend) if backend != "postgres" else \
        request.getfixturevalue("pg_server").url
    result = _results(path, db)[index]
    assert result.error is None, result.error
    assert result.passed, (
        [f"expected, not found: {dict(e)}" for e in result.missing]
        + [f"found, not expected: {describe(f)}" for f in result.extra])
    for f in result.found:  # what every data finding carries
        assert f.subject.type == "table" and f.subject.ref == "t_prod.s.T"
        if f.policy_id == "T-001" and "unexpected_count" in f.evidence:
            assert 0 < f.evidence["unexpected_percent"] <= 100
