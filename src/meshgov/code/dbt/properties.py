"""dbt property files (``schema.yml``): models, their columns, and sources, with line numbers.

Both dbt spellings are read: top-level ``description/meta/tags/access`` and the newer
``config: {meta, tags, access, contract, ...}`` block. A file that is not valid YAML, or whose
``models:`` / ``sources:`` entries have the wrong shape, raises :class:`DbtReadError` with the
line of the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshgov.code.dbt.errors import DbtReadError
from meshgov.code.dbt.project import merge_config
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class ColumnProps:
    name: str
    description: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, hash=False)
    tags: tuple[str, ...] = ()
    data_type: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ModelProps:
    """What one property file says about one model."""

    name: str
    path: Path  # the property file
    line: int | None = None
    description: str | None = None  # None: not given
    columns: tuple[ColumnProps, ...] = ()
    #: config-like properties: meta, tags, access, group, contract, materialized, schema...
    config: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class SourceTable:
    source: str
    name: str
    database: str | None
    schema: str
    identifier: str
    path: Path
    line: int | None = None


@dataclass(frozen=True)
class PropertyFile:
    path: Path
    models: tuple[ModelProps, ...] = ()
    sources: tuple[SourceTable, ...] = ()


#: top-level model keys that are really configs (dbt accepts both spellings)
_CONFIG_LIKE = ("meta", "tags", "access", "group", "contract", "docs", "latest_version")


def load_properties(path: Path) -> PropertyFile:
    """Read one property file; raise DbtReadError when it cannot be used."""
    try:
        text = read_text(path)
    except UnreadableText as exc:
        raise DbtReadError(path, exc.message, exc.line, exc.column) from None
    return parse_properties(text, path)


def parse_properties(text: str, path: Path) -> PropertyFile:
    node, raw = _compose_and_construct(text, path)
    if raw is None:
        return PropertyFile(path)
    if not isinstance(raw, Mapping):
        raise DbtReadError(path, "invalid dbt properties: expected a mapping at the top level", 1, 1)
    lines = _Lines(node)
    models = raw.get("models")
    sources = raw.get("sources")
    return PropertyFile(
        path=path,
        models=tuple(_models(models, path, lines)) if models is not None else (),
        sources=tuple(_sources(sources, path, lines)) if sources is not None else (),
    )


def _compose_and_construct(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    """One parse giving both the node tree (for lines) and the data; errors via yamlio."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            try:
                data = _build(node) if node is not None else None
            except (_Fallback, TypeError, ValueError):  # anything unusual: PyYAML's constructor
                data = loader.construct_document(node)
        finally:
            loader.dispose()
        return node, data
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        pass
    try:  # re-read with the shared loader for its precise message and position
        loads(text, str(path))
    except YamlError as exc:
        raise DbtReadError(path, f"invalid YAML: {exc.message}", exc.line, exc.column) from None
    raise DbtReadError(path, "invalid YAML")  # pragma: no cover - both parsers disagree


class _Fallback(Exception):  # noqa: N818 - control flow
    pass


_TRUE = frozenset({"yes", "true", "on"})
_FALSE = frozenset({"no", "false", "off"})


def _build(node: yaml.Node) -> Any:
    """Plain data from the composed tree for the usual tags (3x faster than SafeConstructor
    on a large schema.yml); raises _Fallback for anything else (merge keys, timestamps...)."""
    tag = node.tag
    if isinstance(node, yaml.MappingNode):
        if tag != "tag:yaml.org,2002:map":
            raise _Fallback
        return {_build(k): _build(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        if tag != "tag:yaml.org,2002:seq":
            raise _Fallback
        return [_build(v) for v in node.value]
    value = node.value
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    if tag == "tag:yaml.org,2002:int" and value.lstrip("+-").isdigit() and not (
            value.lstrip("+-").startswith("0") and len(value.lstrip("+-")) > 1):
        return int(value)
    raise _Fallback


class _Lines:
    """1-based lines of entries under ``models`` / ``sources`` in the composed tree."""

    def __init__(self, node: yaml.Node | None) -> None:
        self._nodes: dict[tuple[str | int, ...], yaml.Node | None] = {(): node}

    def _node(self, keys: tuple[str | int, ...]) -> yaml.Node | None:
        if keys in self._nodes:
            return self._nodes[keys]
        parent = self._node(keys[:-1])
        k = keys[-1]
        node: yaml.Node | None = None
        if isinstance(parent, yaml.MappingNode) and isinstance(k, str):
            node = next((v for kn, v in parent.value if getattr(kn, "value", None) == k), None)
        elif isinstance(parent, yaml.SequenceNode) and isinstance(k, int):
            node = parent.value[k] if 0 <= k < len(parent.value) else None
        self._nodes[keys] = node
        return node

    def at(self, *keys: str | int) -> int | None:
        node = self._node(keys)
        return node.start_mark.line + 1 if node is not None else None


def _fail(path: Path, lines: _Lines, keys: tuple[str | int, ...], message: str) -> DbtReadError:
    line = lines.at(*keys)
    return DbtReadError(path, f"invalid dbt properties: {message}", line, None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(t) for t in value if t is not None)
    return ()


def _models(value: Any, path: Path, lines: _Lines) -> list[ModelProps]:
    if not isinstance(value, list):
        raise _fail(path, lines, ("models",), "'models' must be a list of {name, ...}")
    out = []
    for i, item in enumerate(value):
        where = ("models", i)
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
            raise _fail(path, lines, where, f"models[{i}] must be a mapping with a 'name'")
        config: dict[str, Any] = {}
        for key in _CONFIG_LIKE:
            if key in item:
                config[key] = item[key]
        cfg = item.get("config")
        if cfg is not None:
            if not isinstance(cfg, Mapping):
                raise _fail(path, lines, (*where, "config"), f"models[{i}].config must be a mapping")
            for key, v in cfg.items():
                merge_config(config, str(key), v)
        if "meta" in config and not isinstance(config["meta"], Mapping):
            raise _fail(path, lines, (*where, "meta"), f"models[{i}].meta must be a mapping")
        if "tags" in config:
            config["tags"] = list(_tags(config["tags"]))
        desc = item.get("description")
        out.append(
            ModelProps(
                name=item["name"],
                path=path,
                line=lines.at(*where),
                description=_text(desc) if desc is not None else None,
                columns=tuple(_columns(item.get("columns"), path, lines, where)),
                config=config,
            )
        )
    return out


def _columns(
    value: Any, path: Path, lines: _Lines, where: tuple[str | int, ...]
) -> list[ColumnProps]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, lines, (*where, "columns"), "'columns' must be a list of {name, ...}")
    out = []
    for j, col in enumerate(value):
        cw = (*where, "columns", j)
        if not isinstance(col, Mapping) or col.get("name") is None:
            raise _fail(path, lines, cw, "a column must be a mapping with a 'name'")
        meta: dict[str, Any] = {}
        tags: list[str] = []
        for holder in (col, col.get("config") if isinstance(col.get("config"), Mapping) else {}):
            m = holder.get("meta")
            if m is not None and not isinstance(m, Mapping):
                raise _fail(path, lines, cw, f"column {col['name']}: 'meta' must be a mapping")
            meta.update(m or {})
            tags.extend(t for t in _tags(holder.get("tags")) if t not in tags)
        dtype = col.get("data_type")
        out.append(
            ColumnProps(
                name=str(col["name"]),
                description=_text(col.get("description")),
                meta=meta,
                tags=tuple(tags),
                data_type=str(dtype) if dtype is not None else None,
                line=lines.at(*cw),
            )
        )
    return out


def _sources(value: Any, path: Path, lines: _Lines) -> list[SourceTable]:
    if not isinstance(value, list):
        raise _fail(path, lines, ("sources",), "'sources' must be a list of {name, tables}")
    out = []
    for i, src in enumerate(value):
        where = ("sources", i)
        if not isinstance(src, Mapping) or not isinstance(src.get("name"), str):
            raise _fail(path, lines, where, f"sources[{i}] must be a mapping with a 'name'")
        name = src["name"]
        database = src.get("database", src.get("catalog"))
        schema = src.get("schema") or name
        tables = src.get("tables") or []
        if not isinstance(tables, list):
            raise _fail(path, lines, (*where, "tables"), f"source {name}: 'tables' must be a list")
        for j, tbl in enumerate(tables):
            if not isinstance(tbl, Mapping) or not isinstance(tbl.get("name"), str):
                raise _fail(path, lines, (*where, "tables", j),
                            f"source {name}: a table must be a mapping with a 'name'")
            out.append(
                SourceTable(
                    source=name,
                    name=tbl["name"],
                    database=str(database) if database is not None else None,
                    schema=str(schema),
                    identifier=str(tbl.get("identifier") or tbl["name"]),
                    path=path,
                    line=lines.at(*where, "tables", j),
                )
            )
    return out
