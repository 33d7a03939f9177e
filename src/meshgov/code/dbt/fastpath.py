"""Render the common, simple dbt model without jinja2 (compiling a template costs ~6 ms).

Handled: template data, ``{# comments #}``, ``{{ this }}``, ``{{ name(literal args) }}`` for the
dbt stubs (``ref``, ``source``, ``config``, ``var``, ``env_var``, ``is_incremental``), and
``{% if C %} ... {% else %} ... {% endif %}`` where C is ``is_incremental()``, ``execute``,
``should_full_refresh()`` or ``not`` one of them (all False at parse time), with jinja's
``-`` whitespace control. Anything else returns None and the caller renders with jinja2, so
the result is always what jinja2 would produce (same text, same line map semantics).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

from meshgov.code.dbt.lines import FIRST, mark_segment

FAST_CALLS = frozenset({"ref", "source", "config", "var", "env_var", "is_incremental"})
_FALSE_CONDITIONS = frozenset({"is_incremental()", "execute", "should_full_refresh()"})
_TOKEN = re.compile(r"(\{\{|\{%|\{#)(-?)(.*?)(-?)(\}\}|%\}|#\})", re.S)
_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}
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


def fast_render(source: str, ns: Mapping[str, Any], names_overridden: Callable[[str], bool],
                parsed: dict[str, tuple[Any, ...]] | None = None) -> str | None:
    """The rendered text with line markers (see :mod:`lines`), or None when unsupported.

    ``parsed``: the caller's cache of :func:`parse_expression` by expression text (a renderer
    sees the same ``config(...)`` and ``ref(...)`` bodies in many models)."""
    if any(names_overridden(n) for n in FAST_CALLS | {"this"}):
        return None
    pieces: list[tuple[str, Any]] = []  # ("data", marked text) | ("tag", (kind, body, line))
    pos, line = 0, 1
    strip_next = False
    for m in _TOKEN.finditer(source):
        opener, lminus, body, rminus, closer = m.groups()
        if _CLOSE[opener] != closer:
            return None
        # marked as for jinja2 (lines.mark_lines), then stripped as jinja2's lexer does
        data, line = mark_segment(source[pos : m.start()], line, bool(lminus))
        if strip_next:
            data = data.lstrip()
        if lminus:
            data = data.rstrip()
        pieces.append(("data", data))
        pieces.append(("tag", (opener, body, line)))
        line += m.group(0).count("\n")
        strip_next = bool(rminus)
        pos = m.end()
    data = mark_segment(source[pos:], line, False)[0]
    if strip_next:
        data = data.lstrip()
    pieces.append(("data", data))
    if "{{" in source[pos:] or "{%" in source[pos:] or "{#" in source[pos:]:
        return None  # an unclosed tag: let jinja2 report it
    out: list[str] = [FIRST]
    try:
        i = _block(pieces, 0, out, ns, parsed, emit=True, top=True)
    except _Unsupported:
        return None
    except Exception:  # noqa: BLE001 - a stub raised (a missing var...): jinja2 reports it with its line
        return None
    if i != len(pieces):
        return None
    return "".join(out)


def _block(pieces: list[tuple[str, Any]], i: int, out: list[str], ns: Mapping[str, Any],
           parsed: dict[str, tuple[Any, ...]] | None, *, emit: bool, top: bool = False) -> int:
    """Render pieces from i until an else/endif at this level; return the index reached."""
    while i < len(pieces):
        kind, value = pieces[i]
        if kind == "data":
            if emit:
                out.append(value)
            i += 1
            continue
        opener, body, _line = value
        if opener == "{#":
            i += 1
            continue
        if opener == "{{":
            if emit:
                out.append(_expression(body, ns, parsed))
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
