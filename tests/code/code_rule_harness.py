"""Run one code policy (or all) over SQL text with a domain config, for the case files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from meshgov.code.evaluator import check_document, parse_document
from meshgov.code.registry import get_rule
from meshgov.core.catalog import Catalog, load_catalog, with_params
from meshgov.core.config import DomainConfig, parse_config
from meshgov.core.context import EvalContext
from meshgov.core.discovery import InputFile
from meshgov.core.model import Finding

ROOT = Path(__file__).resolve().parents[2]
GOVERNANCE = ROOT / "fixtures" / "governance"

#: the default domain of a case: sales, in the acme mesh of fixtures/governance
DEFAULT_DOMAIN: Mapping[str, Any] = {
    "domain": "sales",
    "owner": "sales-data@corp.example",
    "catalogs": ["sales_prod", "sales_dev"],
    "products": [{"name": "orders", "tables": ["sales_prod.published.ORDERS"]}],
}


@lru_cache(maxsize=64)
def _context(domain_json: str) -> tuple[DomainConfig, Catalog]:
    raw = dict(json.loads(domain_json))
    raw.setdefault("policies", {"packs": ["builtin", str(GOVERNANCE)]})
    cfg = parse_config(raw, ROOT / "tests" / "code" / "meshgov.yaml")
    return cfg, load_catalog(cfg, ("code",))


def run_sql(
    sql: str,
    policy_ids: Sequence[str] | None = None,
    *,
    domain: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    path: str = "models/case.sql",
) -> list[Finding]:
    cfg, catalog = _context(json.dumps(dict(domain if domain is not None else DEFAULT_DOMAIN),
                                       sort_keys=True))
    ctx = EvalContext(config=cfg, catalog=catalog)
    inp = InputFile(path=ROOT / path, rel=path, type="sql", kind="code")
    loaded = parse_document(inp, sql, cfg.domain)
    if isinstance(loaded, Finding):
        return [loaded]
    policies = [p for p in catalog.by_kind("code") if policy_ids is None or p.id in policy_ids]
    if params:
        policies = [with_params(p, **params) for p in policies]
    rules = [(p, get_rule(p.rule)) for p in policies]
    return sorted(check_document(loaded, rules, ctx), key=Finding.sort_key)
