"""Split a ``.tf`` file into its top-level blocks, so that each is parsed (and cached) alone.

A pre-commit run evaluates a changed ``.tf`` file with its whole module; most edits change a
block or two of a file, and python-hcl2's parser is most of the HCL path's time. The splitter
is a lexer of what delimits blocks - strings (with ``${...}`` / ``%{...}`` templates, which may
hold quotes and braces), heredocs, ``#`` ``//`` ``/* */`` comments, braces - and gives up
(None: the file is parsed whole) on anything else at the top level: an attribute, a header
spread over lines, text after a closing brace, an unterminated string. Each block's parse is
python-hcl2's own; :func:`merge` joins them as python-hcl2 joins the blocks of one file, line
numbers shifted to the file's. tests/infra/test_infra_hcl.py demands the same result as
parsing the file whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n")
_META = ("__start_line__", "__end_line__")


def split_blocks(text: str) -> list[tuple[int, str]] | None:
    """``[(first line, block text)]`` of the top-level blocks, or None when the file is not
    only blocks (or not lexable here): parse it whole then."""
    n = len(text)
    i, line, depth = 0, 1, 0
    start: int | None = None  # index of the current block's first line
    start_line = 0
    opened = False
    stack: list[Any] = []  # "str", or the depth at which a template interpolation began
    blocks: list[tuple[int, str]] = []
    while i < n:
        c = text[i]
        if stack and stack[-1] == "str":
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
            elif c in "$%" and text.startswith("{", i + 1):
                if i + 2 < n and text[i - 1:i] == c:  # $${ / %%{: a literal
                    i += 2
                    continue
                stack.append(depth)
                depth += 1
                i += 2
                continue
            elif c == "\n":
                return None
            i += 1
            continue
        comment = c == "#" or text.startswith(("//", "/*"), i)
        if depth == 0 and start is None and not c.isspace() and not comment:
            start = text.rfind("\n", 0, i) + 1
            if text[start:i].strip():
                return None
            start_line = line
        if c == '"':
            stack.append("str")
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return None
            line += text.count("\n", i, end)
            i = end + 2
            continue
        elif text.startswith("<<", i):
            m = _HEREDOC.match(text, i)
            if m is None:
                return None
            ident = m.group(1)
            j = m.end()
            line += 1
            while True:
                end = text.find("\n", j)
                row = text[j:] if end < 0 else text[j:end]
                if row.strip() == ident:
                    i = j + len(row)
                    break
                if end < 0:
                    return None
                line += 1
                j = end + 1
            continue
        elif c == "{":
            if depth == 0 and start is None:
                return None
            depth += 1
            opened = True
        elif c == "}":
            depth -= 1
            if depth < 0:
                return None
            if stack and depth == stack[-1]:
                stack.pop()  # the end of a template interpolation: back in the string
            elif depth == 0 and not stack and start is not None:
                end = text.find("\n", i)
                end = n if end < 0 else end
                rest = text[i + 1:end].strip()
                if rest and not rest.startswith(("#", "//")):
                    return None
                blocks.append((start_line, text[start:i + 1] + "\n"))
                start, opened = None, False
                i = end
                continue
        elif c == "\n":
            if depth == 0 and start is not None and not opened:
                return None  # a top-level attribute, or a header over several lines
            line += 1
        i += 1
    if start is not None or depth or stack or not blocks:
        return None
    return blocks


def shift(value: Any, by: int) -> Any:
    """The parse of a block, its line numbers moved ``by`` lines down."""
    if isinstance(value, Mapping):
        return {k: (v + by if k in _META and isinstance(v, int) else shift(v, by))
                for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, by) for v in value]
    return value


def merge(parts: Sequence[tuple[int, Any]]) -> dict[str, Any] | None:
    """The parse of the whole file from its blocks' (first line, parse); None when a part is
    not a mapping of block lists (then the file is parsed whole)."""
    out: dict[str, Any] = {}
    for first, data in parts:
        if not isinstance(data, Mapping):
            return None
        for key, items in data.items():
            if not isinstance(items, list):
                return None
            out.setdefault(key, []).extend(shift(items, first - 1))
    return out
