"""The glob patterns of a bundle's ``include:``, matched the way the Databricks CLI does.

The CLI expands each ``include`` entry with Go's ``filepath.Glob`` anchored at the bundle root
(``bundle/config/loader/process_root_includes.go``), so the syntax is Go's ``filepath.Match``,
applied one path segment at a time:

- ``*`` any run of characters within one segment (never ``/``); ``**`` is two ``*``: it is
  **not** recursive (``resources/**/*.yml`` matches ``resources/a/x.yml`` only, exactly one
  directory down, as in the CLI);
- ``?`` one character; ``[abc]``, ``[a-z]``, ``[^a-z]`` a character class (``^`` negates);
- ``\\c`` the character ``c``; a malformed pattern (``[``, ``[]``, a trailing ``\\``) is an
  error, like Go's ``ErrBadPattern``;
- dot files are matched by ``*`` (Go does not treat them specially).

The pattern is cleaned lexically first (``a/./b``, ``a//b``, ``a/../b``), as ``filepath.Join``
does. Only the standard library and ``re`` are imported: the classifier uses this module on the
pre-commit path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

#: characters that make a segment a pattern (Go's hasMeta on Unix)
META = frozenset("*?[\\")
#: characters that make an include entry a glob for the CLI's "matches no file" check
GLOB_CHARS = frozenset("*?[")


class BadPattern(ValueError):
    """A pattern Go's filepath.Match rejects."""


def has_meta(segment: str) -> bool:
    return any(c in META for c in segment)


def clean(pattern: str) -> list[str]:
    """Segments of ``pattern`` after lexical cleaning; a leading ``..`` stays (outside the root)."""
    out: list[str] = []
    for seg in pattern.split("/"):
        if seg in ("", "."):
            continue
        if seg == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(seg)
    return out


def _escaped(chunk: str, i: int) -> tuple[str, int]:
    """One character of a class at ``i`` (Go's getEsc): (char, next index)."""
    if i >= len(chunk) or chunk[i] in "-]":
        raise BadPattern("syntax error in pattern")
    if chunk[i] == "\\":
        i += 1
        if i >= len(chunk):
            raise BadPattern("syntax error in pattern")
    c = chunk[i]
    i += 1
    if i >= len(chunk):
        raise BadPattern("syntax error in pattern")
    return c, i


def _class(seg: str, i: int) -> tuple[str, int]:
    """Regex of the class starting after ``[`` at ``i``: (regex, index after ``]``)."""
    negated = i < len(seg) and seg[i] == "^"
    if negated:
        i += 1
    ranges: list[str] = []
    n = 0
    while True:
        if i < len(seg) and seg[i] == "]" and n > 0:
            i += 1
            break
        lo, i = _escaped(seg, i)
        hi = lo
        if seg[i] == "-":
            hi, i = _escaped(seg, i + 1)
        if lo <= hi:  # Go accepts lo > hi and matches nothing with it
            ranges.append(f"{re.escape(lo)}-{re.escape(hi)}")
        n += 1
    if not ranges:
        return (r"[\s\S]" if negated else "(?!)"), i
    return "[" + ("^" if negated else "") + "".join(ranges) + "]", i


def segment_regex(seg: str) -> re.Pattern[str]:
    """Compile one segment of a pattern (raises BadPattern)."""
    out: list[str] = []
    i = 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[":
            rx, i = _class(seg, i + 1)
            out.append(rx)
        elif c == "\\":
            if i + 1 >= len(seg):
                raise BadPattern("syntax error in pattern")
            out.append(re.escape(seg[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out), re.S)


Compiled = tuple["re.Pattern[str] | str", ...]


def compile_pattern(segments: Sequence[str]) -> Compiled:
    """Each segment: a compiled regex, or the plain name when it has no meta character."""
    return tuple(segment_regex(s) if has_meta(s) else s for s in segments)


def matches(compiled: Compiled, parts: Sequence[str]) -> bool:
    """Whether a path (its segments, relative to the bundle root) matches the pattern."""
    if len(compiled) != len(parts):
        return False
    for seg, name in zip(compiled, parts):
        if isinstance(seg, str):
            if seg != name:
                return False
        elif seg.fullmatch(name) is None:
            return False
    return True


def glob(root: Path, compiled: Compiled) -> list[str]:
    """Paths under ``root`` matching the pattern, relative and sorted (Go's filepath.Glob).

    Like Go, directories match too and I/O errors are ignored (an unreadable directory has no
    entries).
    """
    current = [""]
    last = len(compiled) - 1
    for n, seg in enumerate(compiled):
        found: list[str] = []
        for prefix in current:
            base = root / prefix if prefix else root
            if isinstance(seg, str):
                rel = f"{prefix}/{seg}" if prefix else seg
                p = base / seg
                if (os.path.lexists(p) if n == last else p.is_dir()):
                    found.append(rel)
                continue
            try:
                names = sorted(os.listdir(base))
            except OSError:
                continue
            for name in names:
                if seg.fullmatch(name) is None:
                    continue
                if n != last and not (base / name).is_dir():
                    continue
                found.append(f"{prefix}/{name}" if prefix else name)
        current = found
        if not current:
            break
    return sorted(current) if compiled else []
