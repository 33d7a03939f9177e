"""Where a key or list item sits in a YAML file, so findings about ``meshgov.yaml`` or a pack
point at the offending line (``yaml.compose`` keeps the marks the plain loader drops)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

_INDEX = re.compile(r"^(?P<name>[^\[]*)((?:\[\d+\])*)$")


def parse_key(key: str) -> list[str | int]:
    """``"waivers[2]"`` -> ``["waivers", 2]``; ``"policies.disable[0]"`` -> ``["policies", "disable", 0]``.

    Dots separate mapping keys; use :func:`position` with a list when a key itself has dots.
    """
    out: list[str | int] = []
    for part in key.split("."):
        m = _INDEX.match(part)
        if m is None:
            out.append(part)
            continue
        if m.group("name"):
            out.append(m.group("name"))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", part))
    return out


def _compose(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None


def position(path: Path, keys: Sequence[str | int]) -> tuple[int, int] | None:
    """1-based (line, column) of the last key of ``keys`` in the YAML file; None when absent.

    For a mapping key the position is the key itself; for a list index, the item.
    """
    node = _compose(path)
    if node is None or not keys:
        return None
    mark_node: yaml.Node | None = None
    for k in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(k, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == k:
                    mark_node, node = key_node, value_node
                    break
            else:
                return None
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int):
            if not 0 <= k < len(node.value):
                return None
            node = node.value[k]
            mark_node = node
        else:
            return None
    if mark_node is None:
        return None
    mark = mark_node.start_mark
    return mark.line + 1, mark.column + 1


def origin_position(origin: str) -> tuple[str, tuple[int, int] | None]:
    """``"/abs/meshgov.yaml#waivers[1]"`` -> (``"/abs/meshgov.yaml"``, (line, column) or None)."""
    path, sep, key = origin.rpartition("#")
    if not sep:
        return origin, None
    return path, position(Path(path), parse_key(key))


def find_item_with(path: Path, list_key: str, field: str, value: str) -> tuple[int, int] | None:
    """Position of the first item of a top-level list ``list_key`` whose ``field`` equals ``value``
    (e.g. the local policy with ``id: X`` in a policy file)."""
    node = _compose(path)
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) != list_key or not isinstance(value_node, yaml.SequenceNode):
            continue
        for item in value_node.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if getattr(k, "value", None) == field and getattr(v, "value", None) == value:
                    return item.start_mark.line + 1, item.start_mark.column + 1
    return None
