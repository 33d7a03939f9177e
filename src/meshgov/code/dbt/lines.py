"""Line markers: how rendered dbt SQL keeps the source line of every line.

Before rendering, a marker carrying the source line is put after every newline of template
*data*; after rendering, each output line takes the line of the marker it starts with (or of
the last marker seen), and the markers are removed. Markers use private-use characters that
never occur in SQL (and are removed from the source first).
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_MARK = re.compile("\ue000(\\d+)\ue001")
FIRST = "\ue0001\ue001"


def normalize_newlines(text: str) -> str:
    """jinja2 counts \\r and \\r\\n as line breaks: make them \\n; drop marker characters."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ue000" in text or "\ue001" in text:
        text = text.replace("\ue000", "").replace("\ue001", "")
    return text


def mark_lines(source: str) -> str:
    """Put a line marker at the start of each source line that begins inside template data."""
    source = source.replace("\ue000", "").replace("\ue001", "")
    out: list[str] = [FIRST]
    pos = 0
    line = 1
    for m in _TAG.finditer(source):
        line = mark_data(source[pos : m.start()], line, out)
        out.append(m.group(0))
        line += m.group(0).count("\n")
        pos = m.end()
    mark_data(source[pos:], line, out)
    return "".join(out)


def mark_data(data: str, line: int, out: list[str]) -> int:
    """Append template data with a marker after each newline; return the line it ends on."""
    if "\n" not in data:
        out.append(data)
        return line
    pieces = data.split("\n")
    out.append(pieces[0])
    for piece in pieces[1:]:
        line += 1
        out.append(f"\n\ue000{line}\ue001{piece}")
    return line


def unmark(rendered: str) -> tuple[str, tuple[int, ...]]:
    """Strip the markers; return the text and the source line of each of its lines.

    A line that starts with a marker takes its number; any other line takes the number of the
    last marker before it.
    """
    parts = _MARK.split(rendered)  # text, number, text, number, text...
    lines: list[int] = []
    current = 1
    pending = True  # a line has started and has no number yet
    for i in range(0, len(parts), 2):
        if i:
            current = int(parts[i - 1])
            if pending:
                lines.append(current)
                pending = False
        seg = parts[i]
        if not seg:
            continue
        if pending:
            lines.append(current)
            pending = False
        n = seg.count("\n")
        if n:
            if seg.endswith("\n"):
                lines.extend([current] * (n - 1))
                pending = True
            else:
                lines.extend([current] * n)
    if pending:
        lines.append(current)
    return "".join(parts[0::2]), tuple(lines)
