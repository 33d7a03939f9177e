"""Safe YAML loading with precise error positions (libyaml when available), bounded.

An alias shares the anchored value instead of copying it, so a ~700-byte document of nested
aliases ("billion laughs") loads quickly into a graph whose *expansion* (what every walk, JSON
encoding or copy of it sees) has billions of nodes, and an anchor may even contain its own
alias (a cycle). Every reader of YAML in meshgov goes through :func:`loads` or checks its
node tree with :func:`check_nodes`: a document whose expansion exceeds
:data:`MAX_EXPANDED_NODES`, or that refers to itself, is a :class:`YamlError` (``MG-INPUT``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from meshgov.core.textio import UnreadableText, read_text

try:  # libyaml is ~10x faster; fall back to the pure-Python loader
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


class YamlError(Exception):
    """A YAML document could not be read; carries a 1-based line/column when known."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        where = path + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(f"{where}: {message}")


#: nodes a document may expand to (its aliases followed); far above any real schema.yml
MAX_EXPANDED_NODES = 1_000_000


class _TooLarge(Exception):  # noqa: N818 - control flow
    pass


class _Cycle(Exception):  # noqa: N818 - control flow
    pass


def _object_children(obj: Any) -> Any:
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, list):
        return obj
    return None


def _node_children(node: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return None


def _expanded(root: Any, children: Any, limit: int) -> None:
    """Raise _TooLarge when ``root`` expands beyond ``limit`` nodes, _Cycle when it refers to
    itself. Each shared container is sized once (by id), so the cost is that of the text."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(obj: Any) -> int:
        kids = children(obj)
        if kids is None:
            return 1
        key = id(obj)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in open_:
            raise _Cycle
        open_.add(key)
        total = 1
        for kid in kids:
            total += size(kid)
            if total > limit:
                raise _TooLarge
        open_.discard(key)
        sizes[key] = total
        return total

    size(root)


def _bounded(root: Any, children: Any, path: str, limit: int) -> None:
    try:
        _expanded(root, children, limit)
    except _TooLarge:
        raise YamlError(path, f"aliases expand the document beyond {limit:,} nodes "
                              "(an alias bomb?); meshgov does not read it") from None
    except _Cycle:
        raise YamlError(path, "an alias refers to the value that contains it (a recursive "
                              "document); meshgov does not read it") from None
    except RecursionError:
        raise YamlError(path, "invalid YAML value: nesting too deep") from None


def check_nodes(node: Any, text: str, path: str, limit: int = MAX_EXPANDED_NODES) -> None:
    """YamlError when the composed ``node`` tree of ``text`` expands beyond ``limit`` nodes or
    is recursive (nothing to check without an anchor and an alias: ``&`` or ``*`` absent)."""
    if node is not None and _may_alias(text):
        _bounded(node, _node_children, path, limit)


def _may_alias(text: str) -> bool:
    return "&" in text and "*" in text


def compose(text: str, path: str = "<string>") -> Any:
    """The node tree of one document (safe loader), bounded as :func:`loads` is; YamlError."""
    try:
        node = yaml.compose(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.MarkedYAMLError as exc:
        raise _marked(path, exc) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlError(path, str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    check_nodes(node, text, path)
    return node


def _marked(path: str, exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
    return YamlError(path, msg, line, col)


def loads(text: str, path: str = "<string>", limit: int = MAX_EXPANDED_NODES) -> Any:
    """Parse one YAML document with the safe loader; raise YamlError with its position, or
    when its aliases expand it beyond ``limit`` nodes or make it recursive."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.MarkedYAMLError as exc:
        raise _marked(path, exc) from None
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters
        raise YamlError(path, str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. bad timestamps, deep nesting
        raise YamlError(path, f"invalid YAML value: {exc}") from None
    if data is not None and _may_alias(text):
        _bounded(data, _object_children, path, limit)
    return data


def load_file(path: Path, display: str | None = None) -> Any:
    """Read and parse a YAML file; undecodable bytes are a YamlError, not a crash."""
    shown = display or str(path)
    try:
        text = read_text(path)
    except UnreadableText as exc:
        raise YamlError(shown, exc.message, exc.line, exc.column) from None
    return loads(text, shown)
