"""Helpers shared by the infra tests: engines available here, a catalog, evaluation."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from meshgov.core.catalog import Catalog, load_catalog
from meshgov.core.config import DomainConfig, default_config
from meshgov.core.context import EvalContext, EvalResult, RunOptions
from meshgov.infra.engines.regorus_engine import available as regorus_available
from meshgov.infra.evaluator import evaluate_resources
from meshgov.infra.resource import Resource, SourceRef

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"

#: embedded engines importable in this interpreter (regorus wheels: CPython <= 3.12)
ENGINES: tuple[str, ...] = ("regopy", "regorus") if regorus_available() else ("regopy",)


def config() -> DomainConfig:
    return default_config(ROOT)


def catalog(params: Mapping[str, Any] | None = None) -> Catalog:
    cat = load_catalog(config(), ("infra",))
    if params:
        cat = dataclasses.replace(cat, params={**cat.params, **params})
    return cat


def context(embedded: str, params: Mapping[str, Any] | None = None, **options: Any) -> EvalContext:
    return EvalContext(config(), catalog(params), RunOptions(embedded_engine=embedded, **options))


def resource(doc: Mapping[str, Any], address: str = "r") -> Resource:
    return Resource(
        type=str(doc["type"]),
        address=str(doc.get("address", address)),
        spec=dict(doc.get("spec") or {}),
        source=SourceRef("test", "case.yaml", 1),
        context=dict(doc.get("context") or {}),
        unknown=tuple(doc.get("unknown") or ()),
    )


def run(resources: Sequence[Resource], embedded: str, params: Mapping[str, Any] | None = None,
        **options: Any) -> EvalResult:
    return evaluate_resources(resources, context(embedded, params, **options))


def finding_keys(result: EvalResult) -> list[tuple[Any, ...]]:
    """What must be identical across engines: everything a report shows about a finding."""
    return sorted(
        (f.subject.ref, f.policy_id, f.severity, f.message, f.location.path, f.location.line,
         repr(sorted(f.evidence.items())))
        for f in result.findings
    )
