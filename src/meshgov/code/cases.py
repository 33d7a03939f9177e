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


#: the dbt_project.yml of a dbt case that gives none
DEFAULT_DBT_PROJECT = "name: shop\nmodels:\n  shop:\n    +schema: published\n"


def run_dbt_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
                 settings: Mapping[str, Any]) -> list[Finding]:
    """``dbt: {files: {path: text}, paths?: [...]}``: a small dbt project (a default
    ``dbt_project.yml`` unless the case gives one), its models and property files checked as
    the domain's would be; ``paths`` limits what is checked (default: all of it)."""
    import tempfile  # noqa: PLC0415
    from dataclasses import replace  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from meshgov.code.evaluator import evaluate  # noqa: PLC0415
    from meshgov.core.context import EvalContext  # noqa: PLC0415
    from meshgov.core.discovery import discover  # noqa: PLC0415

    files = value.get("files") if isinstance(value, Mapping) else None
    if not isinstance(files, Mapping) or not files or \
            not all(isinstance(t, str) for t in files.values()):
        raise ValueError("dbt: needs `files`, a mapping of paths to their text")
    with tempfile.TemporaryDirectory(prefix="meshgov-dbt-case-") as tmp:
        root = Path(tmp).resolve()
        for rel, text in {"dbt_project.yml": DEFAULT_DBT_PROJECT, **files}.items():
            path = (root / str(rel)).resolve()
            if root not in path.parents:
                raise ValueError(f"dbt: {rel} is outside the project")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        paths = [root / str(p) for p in value.get("paths") or ()] or [root]
        inputs = discover(paths, root, kinds=("code",))
        ctx = EvalContext(config=replace(config, root=root), catalog=catalog)
        return list(evaluate(inputs, ctx).findings)
