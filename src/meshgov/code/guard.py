"""Refuse, before parsing, the SQL shape sqlglot parses in exponential time.

sqlglot 30 parses JOINs without ``ON``/``USING`` (``FROM a JOIN b JOIN c ...``) in time and
memory that grow exponentially with their number in one query (tobymao/sqlglot#5514): each
such join is tried as the start of nested joins and backtracked, also when later joins do have
a condition. 16 take ~0.15 s, 26 ran out of 24 GiB here. Its parser is compiled code that a
signal cannot interrupt in time, so a budget does not help: one such file would hang a
pre-commit hook or a CI gate. :func:`check_tokens` looks at the token stream instead (after
tokenizing, before parsing) and raises a ``ParseError`` at the JOIN that makes more than
:data:`MAX_BARE_JOINS` joins without their condition in one query block (one SELECT at one
parenthesis depth); the evaluator reports it as ``MG-INPUT`` with that line and column, like
any other parse error. ``CROSS JOIN`` and ``NATURAL JOIN`` are not tried as nested joins by
sqlglot (fast) and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

#: JOINs without ON/USING in one query block that are still parsed (at most ~1 s here)
MAX_BARE_JOINS = 16

_JOIN, _ON, _USING = TokenType.JOIN, TokenType.ON, TokenType.USING
_OPEN, _CLOSE, _END = TokenType.L_PAREN, TokenType.R_PAREN, TokenType.SEMICOLON
_SELECT = TokenType.SELECT
#: join kinds sqlglot does not try as nested joins
_FLAT = frozenset({TokenType.CROSS, TokenType.NATURAL})
#: tokens that may stand between a join kind and JOIN (``NATURAL LEFT OUTER JOIN``)
_KIND = frozenset({TokenType.LEFT, TokenType.RIGHT, TokenType.FULL, TokenType.INNER,
                   TokenType.OUTER, TokenType.SEMI, TokenType.ANTI, TokenType.ASOF,
                   TokenType.CROSS, TokenType.NATURAL})


def may_need_check(text: str) -> bool:
    """Cheap: could ``text`` hold more than MAX_BARE_JOINS joins at all?"""
    return text.upper().count("JOIN") > MAX_BARE_JOINS


def check_tokens(tokens: Sequence[Token]) -> None:
    """Raise ParseError at the JOIN that makes more than MAX_BARE_JOINS joins without a
    condition in one query block (one SELECT at one parenthesis depth)."""
    count = [0]  # per parenthesis depth: joins of the block seen without their ON/USING
    pending = [False]  # per depth: the last JOIN has not met its ON/USING yet
    for i, tok in enumerate(tokens):
        tt = tok.token_type
        if tt is _JOIN:
            k = i - 1
            while k >= 0 and tokens[k].token_type in _KIND and tokens[k].token_type not in _FLAT:
                k -= 1
            if pending[-1]:
                count[-1] += 1
            if k >= 0 and tokens[k].token_type in _FLAT:  # CROSS/NATURAL: never nested
                pending[-1] = False
                continue
            pending[-1] = True
            if count[-1] + 1 > MAX_BARE_JOINS:
                message = (f"more than {MAX_BARE_JOINS} JOINs without ON or USING in one query: "
                           "sqlglot parses this shape in time exponential in their number, so "
                           "meshgov does not; give each JOIN its ON/USING condition, or write "
                           "CROSS JOIN for a cartesian product")
                raise ParseError.new(message, description=message, line=tok.line, col=tok.col,
                                     highlight=tok.text)
        elif tt is _ON or tt is _USING:
            pending[-1] = False
        elif tt is _SELECT:
            count[-1], pending[-1] = 0, False
        elif tt is _OPEN:
            count.append(0)
            pending.append(False)
        elif tt is _CLOSE:
            if len(count) > 1:
                count.pop()
                pending.pop()
        elif tt is _END:
            count, pending = [0], [False]
