"""Backend runners: open a bound table as a GX batch (one module per backend).

The registry :data:`BACKENDS` maps a backend name to ``module:function`` with the signature
``open_source(table, binding, env) -> TableSource``; :func:`backend_of` picks the backend from
the keys of a ``data:`` binding. A runner raises :class:`DataSourceError` for anything that
keeps the table from being validated (missing file or table, refused connection, timeout).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meshgov.core.lazy import load
from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource

BACKENDS: Mapping[str, str] = {
    "files": "meshgov.data.runners.files:open_source",
    "sql": "meshgov.data.runners.sql:open_source",
    "spark": "meshgov.data.runners.spark:open_source",
    "databricks": "meshgov.data.runners.databricks:open_source",
}


def backend_of(binding: Mapping[str, Any]) -> str:
    """``spark`` > ``warehouse_id`` (databricks) > ``url`` (sql) > ``path`` (files)."""
    if binding.get("spark"):
        return "spark"
    if binding.get("warehouse_id"):
        return "databricks"
    if binding.get("url"):
        return "sql"
    return "files"


def opener(backend: str) -> Callable[[str, Mapping[str, Any], RunnerEnv], TableSource]:
    return load(BACKENDS[backend])  # type: ignore[no-any-return]


__all__ = ["BACKENDS", "DataSourceError", "RunnerEnv", "TableSource", "backend_of", "opener"]
