"""Render the common, simple dbt model without jinja2 (compiling a template costs ~6 ms).

Handled: template data, ``{# comments #}``, ``{{ this }}``, ``{{ name(literal args) }}`` for the
dbt stubs (``ref``, ``source``, ``config``, ``var``, ``env_var``, ``is_incremental``), and
``{% if C %} ... {% else %} ... {% endif %}`` where C is ``is_incremental()``, ``execute``,
``should_full_refresh()`` or ``not`` one of them (all False at parse time), with jinja's
``-`` whitespace control. Anything else returns None and the caller renders with jinja2, so
the result is always what jinja2 would produce (same text, same line map semantics).

The text and its line map are built directly while rendering (:class:`_Direct`), with no line
markers: the same (text, lines) as :func:`lines.unmark` of the marked text the jinja2 path
renders, computed from the source line each data segment starts on.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

from meshgov.code.dbt.lines import tags


FAST_CALLS = frozenset({"ref", "source", "config", "var", "env_var", "is_incremental"})
_FALSE_CONDITIONS = frozenset({"is_incremental()", "execute", "should_full_refresh()"})
_NAMES = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}


class _Unsupported(Exception):  # noqa: N818 - control flow: fall back to jinja2
    pass


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _Unsupported
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    raise _Unsupported


#: ``ref('m')``, ``ref('p', 'm')``, ``source('s', 't')``, ``var('x')`` with plain string arguments
_SIMPLE_CALL = re.compile(
    r"\s*(ref|source|var)\(\s*'([\w.\- ]*)'\s*(?:,\s*'([\w.\- ]*)'\s*)?\)\s*$"
    r"|\s*(ref|source|var)\(\s*\"([\w.\- ]*)\"\s*(?:,\s*\"([\w.\- ]*)\"\s*)?\)\s*$")


def parse_expression(expr: str) -> tuple[Any, ...]:
    """What a ``{{ ... }}`` body is, as far as the fast path knows: ``("simple", name, a, b)``,
    ``("this",)``, ``("call", name, args, keywords)`` (literal AST nodes) or ``("unsupported",)``.
    Depends on the text only, so a renderer keeps it per distinct body."""
    m = _SIMPLE_CALL.match(expr)
    if m:  # the common case, without Python's parser
        name, a, b = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        return ("simple", name, a, b)
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return ("unsupported",)
    if isinstance(tree, ast.Name) and tree.id == "this":
        return ("this",)
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)
            and tree.func.id in FAST_CALLS):
        return ("unsupported",)
    if any(isinstance(a, ast.Starred) for a in tree.args) or any(k.arg is None for k in tree.keywords):
        return ("unsupported",)
    return ("call", tree.func.id, tuple(tree.args), tuple((k.arg, k.value) for k in tree.keywords))


def _expression(expr: str, ns: Mapping[str, Any], parsed: dict[str, tuple[Any, ...]] | None) -> str:
    what = parsed.get(expr) if parsed is not None else None
    if what is None:
        what = parse_expression(expr)
        if parsed is not None:
            parsed[expr] = what
    kind = what[0]
    if kind == "simple":
        _, name, a, b = what
        return str(ns[name](a) if b is None else ns[name](a, b))
    if kind == "this":
        return str(ns["this"])
    if kind == "call":  # literals are built afresh for every call: nothing is shared
        _, name, args, keywords = what
        return str(ns[name](*[_literal(a) for a in args], **{k: _literal(v) for k, v in keywords}))
    raise _Unsupported


def _condition_is_false(cond: str) -> bool:
    c = " ".join(cond.split())
    if c in _FALSE_CONDITIONS:
        return True
    if c.startswith("not ") and c[4:] in _FALSE_CONDITIONS:
        return False
    raise _Unsupported


class _Direct:
    """The rendered text and the source line of each of its lines, built as pieces arrive.

    Equivalent to :func:`lines.unmark` of the marked output (markers as :func:`lines.mark_segment`
    puts them, then jinja2's ``-`` stripping): ``current`` is the last marker seen, ``assigned``
    the open line's number once its content has started."""

    __slots__ = ("assigned", "current", "lines", "text")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.lines: list[int] = []
        self.current = 1  # lines.FIRST
        self.assigned: int | None = None

    def data(self, segment: tuple[str, int, bool, bool]) -> None:
        """Template data: its raw text, the source line it starts on, whether the tag before
        strips the whitespace after it (``-%}``) and whether the tag after strips the
        whitespace before it (``{%-``)."""
        raw, line, lstrip, rstrip = segment
        text = raw.lstrip() if lstrip else raw
        if rstrip:
            text = text.rstrip()
        if "\n" not in raw:  # no marker in it: a fragment of the open line
            if text:
                self.text.append(text)
                if self.assigned is None and not text.isspace():
                    self.assigned = self.current
            return
        pieces = raw.split("\n")
        n = len(pieces) - 1
        first, last = 0, n
        if rstrip:  # trailing blank lines go, newlines included (no end marker: the tag strips)
            while last >= 0 and not pieces[last].strip():
                last -= 1
            if last < 0:
                return
        if lstrip:  # leading blank lines go, up to the marker of the first content
            while first <= last and not pieces[first].strip():
                first += 1
            if first > last:  # all blank: only the end marker of the blank last line stays
                self.current = line + n
                return
        self.text.append(text)
        lines = self.lines
        current, assigned = self.current, self.assigned
        if first:
            current = line + first  # the marker before the first content kept
            if assigned is None:
                assigned = current
        elif assigned is None and pieces[0].strip():
            assigned = current
        for k in range(first + 1, last + 1):
            lines.append(current if assigned is None else assigned)
            if pieces[k].strip():
                current = assigned = line + k
            else:
                assigned = None
        if not rstrip and not pieces[n].strip():
            current = line + n  # the marker at the end of a blank last line
        self.current, self.assigned = current, assigned

    def expression(self, value: str) -> None:
        """What an expression renders (no marker in it: it comes from no template data)."""
        if not value:
            return
        if "\ue000" in value or "\ue001" in value:
            raise _Unsupported  # unmark would read a marker in it: keep that, via jinja2
        self.text.append(value)
        if "\n" not in value:
            if self.assigned is None and not value.isspace():
                self.assigned = self.current
            return
        lines = self.lines
        current, assigned = self.current, self.assigned
        pieces = value.split("\n")
        if assigned is None and pieces[0].strip():
            assigned = current
        for piece in pieces[1:]:
            lines.append(current if assigned is None else assigned)
            assigned = current if piece.strip() else None
        self.assigned = assigned

    def result(self) -> tuple[str, tuple[int, ...]]:
        self.lines.append(self.current if self.assigned is None else self.assigned)
        return "".join(self.text), tuple(self.lines)


def fast_render(source: str, ns: Mapping[str, Any], names_overridden: Callable[[str], bool],
                parsed: dict[str, tuple[Any, ...]] | None = None) -> tuple[str, tuple[int, ...]] | None:
    """The rendered text and the source line of each of its lines (what :func:`lines.unmark`
    gives for the jinja2 path), or None when unsupported.

    ``parsed``: the caller's cache of :func:`parse_expression` by expression text (a renderer
    sees the same ``config(...)`` and ``ref(...)`` bodies in many models)."""
    out = _Direct()
    if not render_into(source, ns, names_overridden, parsed, out):
        return None
    return out.result()


def tag_parts(source: str, start: int, end: int) -> tuple[str, bool, str, bool]:
    """(opener, ``-`` after it, body, ``-`` before the closer) of the tag ``source[start:end]``."""
    inner = start + 2 + (source[start + 2] == "-")
    rminus = end - 3 >= inner and source[end - 3] == "-"
    return source[start:start + 2], inner > start + 2, source[inner:end - 2 - rminus], rminus


def render_into(source: str, ns: Mapping[str, Any], names_overridden: Callable[[str], bool],
                parsed: dict[str, tuple[Any, ...]] | None, out: Any) -> bool:
    """Render into ``out`` (its ``data(segment)`` and ``expression(text)`` are called in output
    order); False when unsupported (what ``out`` holds then is to be dropped)."""
    if any(names_overridden(n) for n in FAST_CALLS | {"this"}):
        return False
    pieces: list[tuple[str, Any]] = []  # ("data", (raw, line, lstrip, rstrip)) | ("tag", (kind, body, line))
    pos, line = 0, 1
    strip_next = False
    for start, end in tags(source):  # the tags jinja2 sees (strings inside them skipped)
        opener, lminus, body, rminus = tag_parts(source, start, end)
        raw = source[pos:start]
        pieces.append(("data", (raw, line, strip_next, lminus)))
        line += raw.count("\n")
        pieces.append(("tag", (opener, body, line)))
        line += source.count("\n", start, end)
        strip_next = rminus
        pos = end
    rest = source[pos:]
    if "{{" in rest or "{%" in rest or "{#" in rest:
        return False  # an unclosed tag: let jinja2 report it
    pieces.append(("data", (rest, line, strip_next, False)))
    try:
        i = _block(pieces, 0, out, ns, parsed, emit=True, top=True)
    except _Unsupported:
        return False
    except Exception:  # noqa: BLE001 - a stub raised (a missing var...): jinja2 reports it with its line
        return False
    return i == len(pieces)


def _block(pieces: list[tuple[str, Any]], i: int, out: Any, ns: Mapping[str, Any],
           parsed: dict[str, tuple[Any, ...]] | None, *, emit: bool, top: bool = False) -> int:
    """Render pieces from i until an else/endif at this level; return the index reached."""
    while i < len(pieces):
        kind, value = pieces[i]
        if kind == "data":
            if emit:
                out.data(value)
            i += 1
            continue
        opener, body, _line = value
        if opener == "{#":
            i += 1
            continue
        if opener == "{{":
            if emit:
                out.expression(_expression(body, ns, parsed))
            i += 1
            continue
        words = body.split(None, 1)
        keyword = words[0] if words else ""
        if keyword == "if":
            false = _condition_is_false(words[1] if len(words) > 1 else "")
            i = _block(pieces, i + 1, out, ns, parsed, emit=emit and not false)
            if i < len(pieces) and pieces[i][1][1].split() == ["else"]:
                i = _block(pieces, i + 1, out, ns, parsed, emit=emit and false)
            if i >= len(pieces) or pieces[i][1][1].split() != ["endif"]:
                raise _Unsupported
            i += 1
            continue
        if keyword in ("else", "endif") and not top:
            return i
        raise _Unsupported
    if not top:
        raise _Unsupported
    return i
