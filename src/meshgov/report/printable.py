"""Control characters made visible, for the formats that are read as lines of text.

A file name or a quoted identifier in a pull request may carry a newline, an ANSI/OSC escape
or a bidirectional override. Printed raw, a newline starts a forged line (GitHub Actions runs
``::error ...`` lines from a step's output as workflow commands) and an escape rewrites the
terminal. ``printable`` turns each such character into a visible escape (``\\n``, ``\\x1b``,
``\\u202e``), so a rendered value is always one line of plain text.
"""

from __future__ import annotations

import re

# C0 controls except TAB, DEL, C1 controls, line/paragraph separators, bidi embeddings,
# overrides and isolates (the "Trojan Source" characters).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as one line: control characters replaced by visible escapes."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(_visible, text)
