"""Rule cases of infra policies (meshgov.core.cases): ``resource: {type, spec, address?}``,
a normalized resource as every source (plan, HCL, REST, bundle, ARM) yields it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.config import DomainConfig
from meshgov.core.model import Finding, Policy


def run_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
             settings: Mapping[str, Any]) -> list[Finding]:
    """The findings of ``policy`` (in the embedded Rego engine) on the resource."""
    from meshgov.core.context import EvalContext
    from meshgov.infra.evaluator import evaluate_resources
    from meshgov.infra.resource import Resource, SourceRef

    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise ValueError("resource: needs `type` (cluster, warehouse, job, ...) and `spec`")
    res = Resource(type=value["type"], address=str(value.get("address") or "case"),
                   spec=dict(value.get("spec") or {}), source=SourceRef("case", "case.yaml", 1),
                   context=dict(value.get("context") or {}),
                   unknown=tuple(value.get("unknown") or ()))
    return list(evaluate_resources([res], EvalContext(config=config, catalog=catalog)).findings)
