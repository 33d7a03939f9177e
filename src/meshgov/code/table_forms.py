"""The ``TABLE <name>`` forms of Databricks SQL that sqlglot does not parse, as token rewrites.

Databricks accepts ``TABLE c.s.t`` as a query (the same as ``SELECT * FROM c.s.t``: a
statement, a set operand, a subquery ``(TABLE t)``) and as a table argument of a table-valued
function, ``f(TABLE c.s.t)`` (the same as ``f(TABLE(c.s.t))``). sqlglot 30 fails on both, which
made them a way around the cross-domain rule (a file that does not parse is only MG-INPUT).

``CREATE TABLE IDENTIFIER('main.' || :schema || '.t')`` (a name built at run time, in the
position of a created or written table) fails too: sqlglot reads the parentheses as column
definitions. The rewrite collapses the argument to one string when it is a concatenation of
literals (``'a.' || 'b.t'``), else to the first parameter (``:schema``): the cross-domain rules
then check the name, or report it as not checkable.

The rewrite works on the token stream and is tried only after a parse error, so it never
changes the tree of SQL sqlglot parses on its own. Inserted tokens carry the position of the
``TABLE`` keyword, so every finding still points at the source as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot.tokens import Token, TokenType

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: tokens after which ``TABLE <name>`` starts a query
_QUERY_AFTER = frozenset({TokenType.SEMICOLON, TokenType.UNION, TokenType.INTERSECT,
                          TokenType.EXCEPT, TokenType.ALL, TokenType.DISTINCT, TokenType.L_PAREN})


def _is_name(tok: Token) -> bool:
    return tok.token_type is TokenType.IDENTIFIER or bool(_WORD.fullmatch(tok.text))


def _name_end(tokens: Sequence[Token], i: int) -> int | None:
    """Index after the dotted name starting at ``i`` (None if there is none)."""
    if i >= len(tokens) or tokens[i].token_type is TokenType.L_PAREN or not _is_name(tokens[i]):
        return None
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].token_type is TokenType.DOT and _is_name(tokens[j + 1]):
        j += 2
    return j


def token_like(tok: Token, token_type: TokenType, text: str) -> Token:
    """A new token at ``tok``'s position (a rewrite's inserted tokens point at the source)."""
    return Token(token_type, text, tok.line, tok.col, tok.start, tok.end)



#: tokens after which ``IDENTIFIER(...)`` names a created or written object
_TARGET_AFTER = frozenset({TokenType.TABLE, TokenType.VIEW, TokenType.SCHEMA, TokenType.DATABASE,
                           TokenType.INTO, TokenType.EXISTS})


def _identifier_expression(tokens: Sequence[Token], i: int) -> tuple[int, list[Token]] | None:
    """(index after the call, its tokens collapsed) for a target ``IDENTIFIER(<expression>)``
    at ``i`` whose argument is more than one token."""
    if not (tokens[i].token_type is TokenType.VAR and tokens[i].text.upper() == "IDENTIFIER"
            and i and tokens[i - 1].token_type in _TARGET_AFTER
            and i + 1 < len(tokens) and tokens[i + 1].token_type is TokenType.L_PAREN):
        return None
    depth, j = 0, i + 1
    while j < len(tokens):
        t = tokens[j].token_type
        depth += (t is TokenType.L_PAREN) - (t is TokenType.R_PAREN)
        if depth == 0:
            break
        j += 1
    inner = tokens[i + 2:j]
    if j >= len(tokens) or len(inner) <= 1:
        return None
    strings = inner[::2]
    if all(t.token_type is TokenType.STRING for t in strings) and all(
            t.token_type is TokenType.DPIPE for t in inner[1::2]) and len(inner) % 2:
        arg = [token_like(inner[0], TokenType.STRING, "".join(t.text for t in strings))]
    else:
        names = [inner[k + 1] for k in range(len(inner) - 1)
                 if inner[k].token_type is TokenType.COLON and _is_name(inner[k + 1])]
        param = names[0] if names else token_like(inner[0], TokenType.VAR, "expression")
        arg = [token_like(param, TokenType.COLON, ":"), param]
    return j + 1, [tokens[i], tokens[i + 1], *arg, tokens[j]]


def rewrite_table_forms(tokens: Sequence[Token]) -> list[Token] | None:
    """The tokens with ``TABLE <name>`` forms rewritten, or None when there is none."""
    out: list[Token] = []
    changed = False
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        collapsed = _identifier_expression(tokens, i)
        if collapsed is not None:
            i, replaced = collapsed
            out += replaced
            changed = True
            continue
        end = _name_end(tokens, i + 1) if tok.token_type is TokenType.TABLE else None
        if end is None:
            out.append(tok)
            i += 1
            continue
        prev = tokens[i - 1].token_type if i else None
        called = (prev is TokenType.L_PAREN and i >= 2 and tokens[i - 2].token_type is TokenType.VAR)
        if called or prev is TokenType.COMMA:  # f(TABLE c.s.t) -> f(TABLE(c.s.t))
            out += [tok, token_like(tok, TokenType.L_PAREN, "("), *tokens[i + 1:end],
                    token_like(tokens[end - 1], TokenType.R_PAREN, ")")]
        elif prev is None or prev in _QUERY_AFTER:  # TABLE c.s.t -> SELECT * FROM c.s.t
            select = Token(TokenType.SELECT, "SELECT", tok.line, tok.col, tok.start, tok.end,
                           list(tok.comments))
            out += [select, token_like(tok, TokenType.STAR, "*"), token_like(tok, TokenType.FROM, "FROM"),
                    *tokens[i + 1:end]]
        else:
            out.append(tok)
            i += 1
            continue
        changed = True
        i = end
    return out if changed else None
