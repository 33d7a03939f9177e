"""Where and why sqlglot could not read SQL, said as a user reads it: the line and column of
the offending token (or of a quote or comment never closed), sqlglot's token reprs and class
names turned back into SQL words."""

from __future__ import annotations

import re

from sqlglot.errors import ParseError, TokenError


def line_col(text: str, offset: int) -> tuple[int, int]:
    """(line, column), from 1, of an offset into ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")
_OPENERS = {"'": "string literal", '"': "string literal", "`": "quoted identifier",
            "/*": "block comment"}


_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
#: sqlglot's argument names, as SQL says them
_ARG_NAMES = {("Case", "ifs"): "CASE without any WHEN"}


def _clean(message: str) -> str:
    """sqlglot quotes tokens as their repr and names its classes; show SQL instead."""
    message = _MISSING.sub(
        lambda m: _ARG_NAMES.get((m.group(2), m.group(1)), f"{m.group(2).upper()} without its "
                                 f"{m.group(1)}"), message)
    return _TOKEN_REPR.sub(
        lambda m: "the end of the input" if m.group(1) == "SENTINEL" else f"'{m.group(2)}'",
        message)


def unclosed_delimiter(text: str) -> tuple[str, int] | None:
    """(what, offset) of the first quote or comment that is never closed, if any."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return _OPENERS["/*"], i
            i = j + 2
            continue
        if c in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                return _OPENERS[c], i
            i = j + 1
            continue
        i += 1
    return None


def parse_error_position(exc: Exception, text: str) -> tuple[str, int | None, int | None]:
    """(message, line, column in ``text``) of a sqlglot error; the column is where the
    offending token starts."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, ParseError) and exc.errors:
        err = exc.errors[0]
        line, col = err.get("line"), err.get("col")
        highlight = err.get("highlight")
        if isinstance(col, int) and isinstance(highlight, str) and highlight \
                and "\n" not in highlight and len(highlight) <= col:
            col = col - len(highlight) + 1  # sqlglot gives the column of its last character
        return _clean(err.get("description") or msg), line, col
    if isinstance(exc, TokenError):
        found = unclosed_delimiter(text)
        if found is not None:
            what, offset = found
            line, col = line_col(text, offset)
            return f"unterminated {what}", line, col
        start, end = getattr(exc, "start", None), getattr(exc, "end", None)
        if start is not None and end is not None:
            # the context quoted is text[current-50 : current+50]
            current = start + 50 if start > 0 else (end - 50 if end < len(text) - 1 else end)
            line, col = line_col(text, max(current, 0))
            return f"cannot tokenize: {msg}", line, col
    return _clean(msg), None, None
