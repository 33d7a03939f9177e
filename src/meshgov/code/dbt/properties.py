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
from meshgov.core.yamlio import YamlError, check_nodes, loads

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
    lines: _Lines | _EventLines
    try:
        raw, seq_lines = _read_events(text)
        lines = _EventLines(raw, seq_lines, text)
    except (_Fallback, yaml.YAMLError, TypeError, ValueError, RecursionError):
        node, raw = _compose_and_construct(text, path)
        lines = _Lines(node)
    if raw is None:
        return PropertyFile(path)
    if not isinstance(raw, Mapping):
        raise DbtReadError(path, "invalid dbt properties: expected a mapping at the top level", 1, 1)
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
                check_nodes(node, text, str(path))
            except YamlError as exc:  # an alias bomb: _build would expand it
                raise DbtReadError(path, f"invalid YAML: {exc.message}", exc.line, exc.column) from None
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


_STR = "tag:yaml.org,2002:str"


def _read_events(text: str) -> tuple[Any, dict[int, list[int]]]:
    """Plain data straight from libyaml's events, without composing a node tree, and the
    1-based line of every item of every sequence (keyed by ``id`` of the list built).

    Building the node tree of a large schema.yml costs more than linear time (hundreds of
    thousands of live nodes and marks keep the garbage collector busy); the events cost linear
    time. Raises _Fallback for anything unusual (anchors, explicit tags, duplicate keys, values
    other than str/null/bool/int, several documents...): the caller then composes the tree,
    so both readings give the same data and the same lines.
    """
    from yaml.events import (  # noqa: PLC0415
        DocumentEndEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
        SequenceStartEvent, StreamEndEvent)

    loader = _Loader(text)
    try:
        get = loader.get_event
        resolve = loader.resolve
        tags: dict[tuple[str, Any], str] = {}  # a plain scalar's tag depends on its text only
        seq_lines: dict[int, list[int]] = {}

        def value(ev: Any) -> Any:
            kind = type(ev)
            if ev.anchor is not None:
                raise _Fallback
            if kind is ScalarEvent:
                s, tag = ev.value, ev.tag
                if tag is None or tag == "!":  # as the composer resolves it
                    key = (s, ev.implicit)
                    tag = tags.get(key)
                    if tag is None:
                        tag = tags[key] = resolve(yaml.ScalarNode, s, ev.implicit)
                return s if tag == _STR else _scalar(tag, s)
            if ev.tag is not None and ev.tag != "!":
                raise _Fallback
            if kind is MappingStartEvent:
                out: dict[Any, Any] = {}
                while True:
                    ev = get()
                    if type(ev) is MappingEndEvent:
                        return out
                    k = value(ev)
                    if k in out:  # duplicate key: the tree decides which line is whose
                        raise _Fallback
                    out[k] = value(get())
            if kind is SequenceStartEvent:
                items: list[Any] = []
                lines: list[int] = []
                while True:
                    ev = get()
                    if type(ev) is SequenceEndEvent:
                        seq_lines[id(items)] = lines
                        return items
                    lines.append(ev.start_mark.line + 1)
                    items.append(value(ev))
            raise _Fallback  # an alias

        get()  # StreamStartEvent
        ev = get()
        if type(ev) is StreamEndEvent:
            return None, seq_lines
        data = value(get())
        if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:
            raise _Fallback  # several documents: the composer says why not
        return data, seq_lines
    finally:
        loader.dispose()


class _EventLines:
    """Lines for :func:`_read_events` data: sequence items directly, anything else (error
    positions only) from the composed tree."""

    def __init__(self, data: Any, seq_lines: dict[int, list[int]], text: str) -> None:
        self._data = data
        self._seq_lines = seq_lines
        self._text = text
        self._tree: _Lines | None = None

    def item_lines(self, seq: list[Any]) -> list[int] | None:
        """The line of each item of a sequence of the data."""
        return self._seq_lines.get(id(seq))

    def at(self, *keys: str | int) -> int | None:
        node = self._data
        for k in keys[:-1]:  # the walk _Lines makes, on the data (no duplicate keys here)
            if isinstance(node, Mapping) and isinstance(k, str) and k in node:
                node = node[k]
            elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
                node = node[k]
            else:
                node = None
                break
        if isinstance(node, list) and keys and isinstance(keys[-1], int):
            lines = self._seq_lines.get(id(node))
            if lines is not None and 0 <= keys[-1] < len(lines):
                return lines[keys[-1]]
        if self._tree is None:
            loader = _Loader(self._text)
            try:
                self._tree = _Lines(loader.get_single_node())
            finally:
                loader.dispose()
        return self._tree.at(*keys)


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
    return _scalar(tag, node.value)


def _scalar(tag: str, value: str) -> Any:
    """A scalar of the usual tags; raises _Fallback for the others."""
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

    def item_lines(self, seq: list[Any]) -> list[int] | None:  # noqa: ARG002 - same API
        return None

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


def _fail(path: Path, lines: _Lines | _EventLines, keys: tuple[str | int, ...], message: str) -> DbtReadError:
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


def _models(value: Any, path: Path, lines: _Lines | _EventLines) -> list[ModelProps]:
    if not isinstance(value, list):
        raise _fail(path, lines, ("models",), "'models' must be a list of {name, ...}")
    out = []
    seq_lines = lines.item_lines(value)
    for i, item in enumerate(value):
        where = ("models", i)
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
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
                line=seq_lines[i] if seq_lines is not None else lines.at(*where),
                description=_text(desc) if desc is not None else None,
                columns=tuple(_columns(item.get("columns"), path, lines, where)),
                config=config,
            )
        )
    return out


def _columns(
    value: Any, path: Path, lines: _Lines | _EventLines, where: tuple[str | int, ...]
) -> list[ColumnProps]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, lines, (*where, "columns"), "'columns' must be a list of {name, ...}")
    out = []
    seq_lines = lines.item_lines(value)
    for j, col in enumerate(value):
        # YAML mappings are dicts: isinstance(x, dict) is the cheap spelling of Mapping here
        if not isinstance(col, dict) or col.get("name") is None:
            raise _fail(path, lines, (*where, "columns", j), "a column must be a mapping with a 'name'")
        meta: dict[str, Any] = {}
        tags: list[str] = []
        cfg = col.get("config")
        if cfg is not None or "meta" in col or "tags" in col:  # most columns: name, description
            for holder in (col, cfg) if isinstance(cfg, dict) else (col,):
                m = holder.get("meta")
                if m is not None:
                    if not isinstance(m, dict):
                        raise _fail(path, lines, (*where, "columns", j),
                                    f"column {col['name']}: 'meta' must be a mapping")
                    meta.update(m)
                t = holder.get("tags")
                if t is not None:
                    tags.extend(x for x in _tags(t) if x not in tags)
        dtype = col.get("data_type")
        name = col["name"]
        desc = col.get("description")
        out.append(ColumnProps(
            name if type(name) is str else str(name),
            desc if type(desc) is str else _text(desc),
            meta,
            tuple(tags),
            str(dtype) if dtype is not None else None,
            seq_lines[j] if seq_lines is not None else lines.at(*where, "columns", j),
        ))
    return out


def _sources(value: Any, path: Path, lines: _Lines | _EventLines) -> list[SourceTable]:
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
