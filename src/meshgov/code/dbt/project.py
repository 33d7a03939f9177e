"""``dbt_project.yml``: where models and macros live, vars, and folder-level model configs.

Only what meshgov needs is read: ``name``, ``model-paths``, ``macro-paths``, ``target-path``,
``vars`` and the ``models:`` config tree (``+tags``, ``+meta``, ``+schema``, ``+access``...).
A broken ``dbt_project.yml`` raises :class:`DbtReadError`; callers fall back to dbt's defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from meshgov.code.dbt.errors import DbtReadError
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads

PROJECT_FILE = "dbt_project.yml"

#: config keys that may appear without the ``+`` prefix in the ``models:`` tree
KNOWN_CONFIGS = frozenset(
    {"materialized", "tags", "meta", "schema", "database", "catalog", "alias", "enabled",
     "access", "group", "contract", "docs", "persist_docs", "full_refresh", "on_schema_change",
     "incremental_strategy", "unique_key", "file_format", "location_root", "pre-hook",
     "post-hook", "grants", "zorder", "partition_by", "liquid_clustered_by", "tblproperties"}
)
#: configs that accumulate from the project tree down to the model (dbt semantics)
ADDITIVE = frozenset({"tags"})
MERGED = frozenset({"meta", "grants"})


@dataclass(frozen=True)
class DbtProject:
    root: Path
    name: str = ""
    model_paths: tuple[str, ...] = ("models",)
    macro_paths: tuple[str, ...] = ("macros",)
    target_path: str = "target"
    vars: Mapping[str, Any] = field(default_factory=dict, hash=False)
    models_config: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def manifest_path(self) -> Path:
        return self.root / self.target_path / "manifest.json"

    def model_dirs(self) -> list[Path]:
        return [self.root / p for p in self.model_paths]

    def is_model_file(self, path: Path) -> bool:
        """True when ``path`` is under a model path and not under the target path."""
        rel = self._rel_parts(path)
        if rel is None:
            return False
        if rel and rel[0] == self.target_path:
            return False
        return any(_under(rel, mp) for mp in self.model_paths)

    def _rel_parts(self, path: Path) -> tuple[str, ...] | None:
        """``path.relative_to(root).parts`` (None when not under root), without new Paths."""
        parts, root = path.parts, self.root.parts
        return parts[len(root):] if parts[: len(root)] == root else None

    def var(self, name: str) -> tuple[bool, Any]:
        """(found, value) of a project var; project-scoped vars win over global ones."""
        scoped = self.vars.get(self.name)
        if isinstance(scoped, Mapping) and name in scoped:
            return True, scoped[name]
        if name in self.vars:
            return True, self.vars[name]
        return False, None

    def folder_config(self, model_path: Path) -> dict[str, Any]:
        """The configs ``models:`` assigns to a model file by its folder (dbt precedence)."""
        rel = self._rel_parts(model_path)
        if rel is None:
            return {}
        parts: list[str] = []
        for mp in self.model_paths:
            if _under(rel, mp):
                inner = rel[len(_parts(mp)):]
                parts = list(inner[:-1]) + [model_path.stem]
                break
        tree = self.models_config.get(self.name)
        out: dict[str, Any] = {}
        _apply_level(out, self.models_config)  # configs for every package
        if not isinstance(tree, Mapping):
            return out
        level: Any = tree
        _apply_level(out, level)
        for part in parts:
            level = level.get(part) if isinstance(level, Mapping) else None
            if not isinstance(level, Mapping):
                break
            _apply_level(out, level)
        return out


@lru_cache(maxsize=None)
def _parts(model_path: str) -> tuple[str, ...]:
    return Path(model_path).parts


def _under(rel: tuple[str, ...], model_path: str) -> bool:
    """True when the root-relative parts ``rel`` name a file under ``model_path``."""
    mp = _parts(model_path)
    return rel[: len(mp)] == mp and len(rel) > len(mp)


def _apply_level(out: dict[str, Any], level: Mapping[str, Any]) -> None:
    for key, value in level.items():
        if not isinstance(key, str):
            continue
        if key.startswith("+"):
            name = key[1:]
        elif key in KNOWN_CONFIGS and not (isinstance(value, Mapping) and key not in MERGED
                                           and key not in ("contract", "docs", "persist_docs")):
            name = key
        else:
            continue
        merge_config(out, name, value)


def merge_config(out: dict[str, Any], name: str, value: Any) -> None:
    """Merge one config value into ``out`` as dbt does: tags add up, meta merges, others win."""
    if name in ADDITIVE:
        tags = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
        merged = list(out.get(name, []))
        merged.extend(str(t) for t in tags if str(t) not in merged)
        out[name] = merged
    elif name in MERGED and isinstance(value, Mapping):
        base = out.get(name)
        out[name] = {**(base if isinstance(base, Mapping) else {}), **value}
    else:
        out[name] = value


def _str_list(raw: Mapping[str, Any], key: str, default: Sequence[str], path: Path) -> tuple[str, ...]:
    value = raw.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DbtReadError(path, f"'{key}' must be a list of paths")
    return tuple(os.path.normpath(v) for v in value)


def load_project(root: Path) -> DbtProject:
    """Read ``root/dbt_project.yml``; raise DbtReadError when it is unreadable or malformed."""
    path = root / PROJECT_FILE
    try:
        text = read_text(path)
    except UnreadableText as exc:
        raise DbtReadError(path, exc.message, exc.line, exc.column) from None
    try:
        raw = loads(text, str(path))
    except YamlError as exc:
        raise DbtReadError(path, f"invalid YAML: {exc.message}", exc.line, exc.column) from None
    return parse_project(raw, root, path)


def parse_project(raw: Any, root: Path, path: Path) -> DbtProject:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise DbtReadError(path, "invalid dbt_project.yml: expected a mapping at the top level")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise DbtReadError(path, "invalid dbt_project.yml: 'name' must be a string")
    target = raw.get("target-path", "target")
    if not isinstance(target, str) or not target:
        raise DbtReadError(path, "invalid dbt_project.yml: 'target-path' must be a path")
    vars_ = raw.get("vars") or {}
    if not isinstance(vars_, Mapping):
        raise DbtReadError(path, "invalid dbt_project.yml: 'vars' must be a mapping")
    models = raw.get("models") or {}
    if not isinstance(models, Mapping):
        raise DbtReadError(path, "invalid dbt_project.yml: 'models' must be a mapping")
    return DbtProject(
        root=root,
        name=name,
        model_paths=_str_list(raw, "model-paths", ("models",), path),
        macro_paths=_str_list(raw, "macro-paths", ("macros",), path),
        target_path=os.path.normpath(target),
        vars=dict(vars_),
        models_config=dict(models),
    )


def walk_model_paths(project: DbtProject) -> tuple[dict[str, Path], list[Path]]:
    """One walk of the model paths: (model name -> .sql file, property files *.yml/*.yaml)."""
    models: dict[str, Path] = {}
    props: list[Path] = []
    for d in project.model_dirs():
        if not d.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
            base = Path(dirpath)
            for fname in sorted(filenames):
                if fname.endswith(".sql"):
                    models.setdefault(fname[:-4], base / fname)
                elif fname.endswith((".yml", ".yaml")):
                    props.append(base / fname)
    return models, props
