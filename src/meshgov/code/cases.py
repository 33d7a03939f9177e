"""Rule cases of code policies (meshgov.core.cases): ``sql: TEXT`` or ``sql: {text, path}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.config import DomainConfig
from meshgov.core.model import Finding, Policy


def run_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
             settings: Mapping[str, Any]) -> list[Finding]:
    """The findings of ``policy`` on the SQL text, as a file of the domain (``path``, default
    ``models/case.sql``) would give them."""
    from meshgov.code.evaluator import check_document, parse_document
    from meshgov.code.registry import get_rule
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import InputFile

    text, path = (str(value.get("text", "")), str(value.get("path") or "models/case.sql")) \
        if isinstance(value, Mapping) else (str(value), "models/case.sql")
    ctx = EvalContext(config=config, catalog=catalog)
    inp = InputFile(path=config.root / path, rel=path, type="sql", kind="code")
    loaded = parse_document(inp, text, config.domain)
    if isinstance(loaded, Finding):
        return [loaded]
    return list(check_document(loaded, [(policy, get_rule(policy.rule))], ctx))
