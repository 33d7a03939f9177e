"""Small position indexes: the 1-based line of a resource in JSON or YAML text.

Exact enough for a report (the line where the resource's object or key starts) and cheap:
JSON plans are scanned once with a regular expression; YAML and small JSON files are
composed once (node marks) into a {path tuple: line} map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')

Path = tuple[Any, ...]


def plan_address_lines(text: str) -> dict[str, int]:
    """address -> line of its first ``"address": "..."`` inside ``resource_changes``."""
    start = text.find('"resource_changes"')
    if start < 0:
        return {}
    out: dict[str, int] = {}
    line = text.count("\n", 0, start) + 1
    pos = start
    for m in _ADDRESS.finditer(text, start):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        raw = m.group(1)
        addr = raw.encode("utf-8").decode("unicode_escape") if "\\" in raw else raw
        out.setdefault(addr, line)
    return out


#: nodes visited at most when locating keys (a document of aliases can be huge once expanded)
MAX_POSITIONS = 200_000


def yaml_lines(text: str) -> dict[Path, int]:
    """{path: line} for every mapping key and sequence item of a YAML (or JSON) document.

    The line of a mapping entry is the line of its key; of a sequence item its first line.
    Returns {} when the text cannot be composed (the caller reports the parse error).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)  # noqa: S506 - safe loader only
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    out: dict[Path, int] = {}
    if node is None:
        return out
    stack: list[tuple[Path, Any]] = [((), node)]
    visits = 0
    while stack:
        path, n = stack.pop()
        visits += 1
        if visits > MAX_POSITIONS:  # aliases can multiply a small text: positions are a help
            break
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:  # merge keys (<<: *anchor) first: popped after, explicit wins
                if isinstance(k, yaml.ScalarNode) and k.tag == "tag:yaml.org,2002:merge":
                    for m in (v.value if isinstance(v, yaml.SequenceNode) else [v]):
                        stack.append((path, m))
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else None
                if key is None or k.tag == "tag:yaml.org,2002:merge":
                    continue
                p = (*path, key)
                out.setdefault(p, k.start_mark.line + 1)
                stack.append((p, v))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                p = (*path, i)
                out.setdefault(p, v.start_mark.line + 1)
                stack.append((p, v))
    return out


def line_of(lines: Mapping[Path, int], *candidates: Path) -> int | None:
    """The line of the first candidate path present (longest known prefix of the first one)."""
    for c in candidates:
        if c in lines:
            return lines[c]
    if candidates:
        c = candidates[0]
        for n in range(len(c) - 1, 0, -1):
            if c[:n] in lines:
                return lines[c[:n]]
    return None


Located = tuple[str, "int | None"]


@dataclass(frozen=True)
class FileLines:
    """The {path: line} maps of several files merged into one document, first file first.

    A bundle and the files it includes: :meth:`find` says in which file (its display path) and
    on which line a configuration path is defined, so a resource of an included file is
    reported in that file.
    """

    layers: tuple[tuple[str, Mapping[Path, int]], ...]

    def find(self, *candidates: Path) -> Located | None:
        """(file, line) of the first candidate defined in any file (earlier files first)."""
        for c in candidates:
            for file, lines in self.layers:
                if c in lines:
                    return file, lines[c]
        return None

    def line_in(self, file: str, *candidates: Path) -> int | None:
        """The line of the first candidate defined in ``file``."""
        for name, lines in self.layers:
            if name == file:
                for c in candidates:
                    if c in lines:
                        return lines[c]
        return None
