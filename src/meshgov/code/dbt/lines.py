"""Line markers: how rendered dbt SQL keeps the source line of every line.

Before rendering, a marker carrying its source line is put in the template *data* right before
the first non-blank character of every line (and at the end of a blank line that a tag
follows, so that the tag's output is marked too). Markers sit next to content, never inside a
run of whitespace that jinja2's ``{%-`` / ``-%}`` would strip, so once removed the rendered
text is exactly what jinja2 renders without them. After rendering, each output line takes the
last marker seen before its first non-blank character. Markers are private-use characters
(removed from the source first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: a Jinja string literal, as jinja2's lexer reads it (escapes; newlines allowed)
_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_OPENER = re.compile(r"\{[{%#]")
#: the rest of a tag after its opener: an expression or a statement ends at the first closing
#: delimiter *outside* its string literals (``{{ config(meta={'at': '{{ ds }}'}) }}`` is one
#: tag), a comment at its first
_REST = {
    "{": re.compile(rf"(?:[^'\"}}]|{_STRING}|\}}(?!\}}))*\}}\}}", re.S),
    "%": re.compile(rf"(?:[^'\"%]|{_STRING}|%(?!\}}))*%\}}", re.S),
    "#": re.compile(r".*?#\}", re.S),
}


def tags(source: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each Jinja tag, in order. A tag that is never closed ends the scan:
    jinja2 rejects the template there, and scanning on from every later opener would take
    quadratic time on a hostile file (``{{`` repeated)."""
    pos = 0
    while True:
        opener = _OPENER.search(source, pos)
        if opener is None:
            return
        rest = _REST[source[opener.start() + 1]].match(source, opener.end())
        if rest is None:
            return
        yield opener.start(), rest.end()
        pos = rest.end()


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
    """The template with a line marker before the first content of each line of its data."""
    source = source.replace("\ue000", "").replace("\ue001", "")
    out: list[str] = [FIRST]
    pos = 0
    line = 1
    for start, end in tags(source):
        tag = source[start:end]
        marked, line = mark_segment(source[pos:start], line, left_strip(tag))
        out.append(marked)
        out.append(tag)
        line += tag.count("\n")
        pos = end
    out.append(mark_segment(source[pos:], line, False)[0])
    return "".join(out)


def left_strip(tag: str) -> bool:
    """True when the tag strips the whitespace before it (``{{-``, ``{%-``, ``{#-``)."""
    return tag[2:3] == "-"


def mark_segment(data: str, line: int, strip_before_next: bool) -> tuple[str, int]:
    """Template data between two tags (its first line continues the current line), marked;
    and the line it ends on. A blank last line gets a marker (for the tag that follows)
    unless that tag strips the whitespace before it."""
    if "\n" not in data:
        return data, line
    pieces = data.split("\n")
    out = [pieces[0]]
    last = len(pieces) - 1
    for k in range(1, len(pieces)):
        piece = pieces[k]
        line += 1
        content = piece.lstrip()
        if content:
            lead = len(piece) - len(content)
            out.append(f"{piece[:lead]}\ue000{line}\ue001{content}")
        elif k == last and not strip_before_next:
            out.append(f"{piece}\ue000{line}\ue001")
        else:
            out.append(piece)
    return "\n".join(out), line


def unmark(rendered: str) -> tuple[str, tuple[int, ...]]:
    """Strip the markers; return the text and the source line of each of its lines: the last
    marker seen before the line's first non-blank character (before its end when blank)."""
    parts = _MARK.split(rendered)  # text, number, text, number, text...
    lines: list[int] = []
    current = 1
    assigned: int | None = None  # the open line's number, once its content has started
    for i, part in enumerate(parts):
        if i % 2:
            current = int(part)
            continue
        if not part:
            continue
        pieces = part.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                lines.append(current if assigned is None else assigned)
                assigned = None
            if assigned is None and piece.strip():
                assigned = current
    lines.append(current if assigned is None else assigned)
    return "".join(parts[0::2]), tuple(lines)
