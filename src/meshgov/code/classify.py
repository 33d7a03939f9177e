"""Recognise code inputs: SQL files, dbt models, dbt schema files and the dbt manifest."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DBT_PROJECT = "dbt_project.yml"


def reset() -> None:
    """Forget the dbt project roots found so far (discovery calls it once per run)."""
    dbt_project_root.cache_clear()


@lru_cache(maxsize=4096)
def dbt_project_root(directory: Path) -> Path | None:
    """The nearest directory at or above ``directory`` holding a dbt_project.yml."""
    if (directory / DBT_PROJECT).is_file():
        return directory
    parent = directory.parent
    if parent == directory:
        return None
    return dbt_project_root(parent)


def _looks_like_dbt_properties(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    for line in head.splitlines():
        if line.startswith((b"models:", b"sources:", b"seeds:", b"snapshots:", b"exposures:")):
            return True
    return False


def classify(path: Path) -> str | None:
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".sql":
        return "dbt_model" if dbt_project_root(path.parent) is not None else "sql"
    if name == DBT_PROJECT:
        return "dbt_project"
    if name == "manifest.json" and path.parent.name == "target":
        return "dbt_manifest" if dbt_project_root(path.parent.parent) is not None else None
    if suffix in (".yml", ".yaml") and name != "meshgov.yaml":
        if dbt_project_root(path.parent) is not None and _looks_like_dbt_properties(path):
            return "dbt_schema"
    return None
