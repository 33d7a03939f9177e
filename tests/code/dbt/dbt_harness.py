"""Build a small dbt project in a temporary directory and run meshgov's code policies on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from meshgov import evaluate
from meshgov.core.model import Finding

ROOT = Path(__file__).resolve().parents[3]
GOVERNANCE = ROOT / "fixtures" / "governance"

DEFAULT_DOMAIN: Mapping[str, Any] = {
    "domain": "sales",
    "owner": "sales-data@corp.example",
    "catalogs": ["sales_prod", "sales_dev"],
    "products": [{"name": "orders", "tables": ["sales_prod.published.ORDERS"]}],
}
DEFAULT_PROJECT = "name: shop\nmodels:\n  shop:\n    +schema: published\n"


def write_project(root: Path, files: Mapping[str, str], *, domain: Mapping[str, Any] | None = None,
                  params: Mapping[str, Any] | None = None, local: str | None = None) -> Path:
    """Write meshgov.yaml and the files (a default dbt_project.yml unless one is given)."""
    cfg = dict(domain if domain is not None else DEFAULT_DOMAIN)
    cfg["policies"] = {"packs": ["builtin", str(GOVERNANCE)], **({"params": dict(params)} if params else {})}
    if local:
        cfg["policies"]["local"] = [local]
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
    (root / "meshgov.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    if "dbt_project.yml" not in files:
        (root / "dbt_project.yml").write_text(DEFAULT_PROJECT, encoding="utf-8")
    return root


def run(root: Path, paths: Sequence[str] | None = None, policy_ids: Sequence[str] | None = None) -> list[Finding]:
    """Evaluate code policies over ``paths`` (default: the whole root); sorted findings."""
    targets = [root / p for p in paths] if paths else [root]
    report = evaluate(targets, config=root / "meshgov.yaml", kinds=("code",))
    found = [f for f in report.findings if policy_ids is None or f.policy_id in policy_ids]
    return sorted(found, key=Finding.sort_key)


def brief(findings: Sequence[Finding]) -> list[tuple[str, str | None, int | None]]:
    return [(f.policy_id, f.location.path, f.location.line) for f in findings]
