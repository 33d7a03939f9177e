"""``target/manifest.json``: what dbt itself resolved, read once per run.

Only the fields meshgov uses are read (manifest v12 shape; older versions with the same
fields work too): for each model node ``name``, ``unique_id``, ``original_file_path``,
``checksum``, ``database/schema/alias``, ``compiled_code``, ``depends_on.nodes``, ``refs``,
``sources``, ``access``, ``group``, ``meta``, ``contract``, ``columns``, ``tags``,
``description``, ``config``; and every source's ``database/schema/identifier``.
A manifest that is not JSON, or not shaped like a manifest, raises :class:`DbtReadError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.code.dbt.errors import DbtReadError


@dataclass(frozen=True)
class ManifestModel:
    unique_id: str
    name: str
    original_file_path: str
    checksum: str | None = None  # sha256 of the raw file when dbt recorded it
    database: str | None = None
    schema: str | None = None
    alias: str | None = None
    compiled_code: str | None = None
    depends_on: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    description: str = ""
    columns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    #: resolved configs: meta, tags, access, group, contract, materialized, schema...
    config: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def relation(self) -> str | None:
        parts = [p for p in (self.database, self.schema, self.alias or self.name) if p]
        return ".".join(parts) if len(parts) == 3 else None


@dataclass(frozen=True)
class Manifest:
    path: Path
    schema_version: str = ""
    project_name: str = ""
    models: Mapping[str, ManifestModel] = field(default_factory=dict, hash=False)  # by unique_id
    by_file: Mapping[str, str] = field(default_factory=dict, hash=False)  # path -> unique_id
    by_name: Mapping[str, str] = field(default_factory=dict, hash=False)  # name -> unique_id
    #: (source_name, table) -> database.schema.identifier
    sources: Mapping[tuple[str, str], str] = field(default_factory=dict, hash=False)

    def model_for_file(self, rel_path: str) -> ManifestModel | None:
        uid = self.by_file.get(rel_path)
        return self.models.get(uid) if uid else None

    def model_named(self, name: str) -> ManifestModel | None:
        uid = self.by_name.get(name)
        return self.models.get(uid) if uid else None


def load_manifest(path: Path) -> Manifest:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DbtReadError(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_manifest(data, path)


def parse_manifest(data: bytes | str, path: Path) -> Manifest:
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        raise DbtReadError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise DbtReadError(path, f"invalid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise DbtReadError(path, "not a dbt manifest: expected a JSON object")
    meta = raw.get("metadata")
    nodes = raw.get("nodes")
    if not isinstance(meta, dict) or not isinstance(nodes, dict):
        raise DbtReadError(path, "not a dbt manifest: expected 'metadata' and 'nodes' objects")
    models: dict[str, ManifestModel] = {}
    by_file: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for uid, node in nodes.items():
        if not isinstance(node, dict) or node.get("resource_type") != "model":
            continue
        m = _model(str(uid), node, path)
        models[m.unique_id] = m
        by_file[m.original_file_path] = m.unique_id
        by_name.setdefault(m.name, m.unique_id)
    sources: dict[tuple[str, str], str] = {}
    raw_sources = raw.get("sources") or {}
    if not isinstance(raw_sources, dict):
        raise DbtReadError(path, "not a dbt manifest: 'sources' must be an object")
    for uid, src in raw_sources.items():
        if not isinstance(src, dict):
            raise DbtReadError(path, f"not a dbt manifest: source {uid} must be an object")
        parts = [src.get("database"), src.get("schema"), src.get("identifier") or src.get("name")]
        sname, tname = src.get("source_name"), src.get("name")
        if all(isinstance(p, str) and p for p in parts) and isinstance(sname, str) and isinstance(tname, str):
            sources[(sname, tname)] = ".".join(parts)  # type: ignore[arg-type]
    version = meta.get("dbt_schema_version")
    return Manifest(
        path=path,
        schema_version=version if isinstance(version, str) else "",
        project_name=str(meta.get("project_name") or ""),
        models=models,
        by_file=by_file,
        by_name=by_name,
        sources=sources,
    )


def _str(node: Mapping[str, Any], key: str) -> str | None:
    v = node.get(key)
    return v if isinstance(v, str) else None


def _model(uid: str, node: dict[str, Any], path: Path) -> ManifestModel:
    name, ofp = _str(node, "name"), _str(node, "original_file_path")
    if not name or not ofp:
        raise DbtReadError(path, f"not a dbt manifest: model {uid} lacks name or original_file_path")
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    merged: dict[str, Any] = dict(config)  # type: ignore[arg-type]
    for key in ("meta", "tags", "access", "group", "contract"):  # node-level values are resolved
        if node.get(key) is not None:
            merged[key] = node[key]
    depends = node.get("depends_on") if isinstance(node.get("depends_on"), dict) else {}
    dep_nodes = depends.get("nodes") if isinstance(depends, dict) else None
    refs: list[str] = []
    for r in node.get("refs") or []:
        if isinstance(r, dict) and isinstance(r.get("name"), str):
            refs.append(r["name"] if not r.get("package") else f"{r['package']}.{r['name']}")
        elif isinstance(r, list) and r and all(isinstance(x, str) for x in r):  # older manifests
            refs.append(".".join(r))
    srcs = tuple(
        (s[0], s[1]) for s in node.get("sources") or []
        if isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) for x in s)
    )
    checksum = node.get("checksum")
    columns = node.get("columns") if isinstance(node.get("columns"), dict) else {}
    return ManifestModel(
        unique_id=uid,
        name=name,
        original_file_path=ofp.replace("\\", "/"),
        checksum=checksum.get("checksum") if isinstance(checksum, dict)
        and checksum.get("name") == "sha256" else None,
        database=_str(node, "database"),
        schema=_str(node, "schema"),
        alias=_str(node, "alias"),
        compiled_code=_str(node, "compiled_code") or _str(node, "compiled_sql"),
        depends_on=tuple(str(d) for d in dep_nodes or () if isinstance(d, str)),
        refs=tuple(refs),
        sources=srcs,
        description=_str(node, "description") or "",
        columns={str(k): v for k, v in columns.items() if isinstance(v, dict)},  # type: ignore[union-attr]
        config=merged,
    )
