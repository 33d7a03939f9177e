"""Unity Catalog metric views: ``CREATE VIEW v WITH METRICS LANGUAGE YAML AS $$ <yaml> $$``.

sqlglot 30 does not know the form (and its tokenizer reads the YAML body as SQL, failing on an
apostrophe), so a metric view was MG-INPUT and its ``source:`` - the table or query it reads,
and the ``source:`` of each of its ``joins`` - went unchecked by the cross-domain rule.

Before tokenizing, the YAML body is blanked (newlines kept, so every later position holds);
after, ``WITH METRICS LANGUAGE YAML AS $$ $$`` becomes ``AS SELECT NULL FROM <source>, <join
source>...`` whose tokens carry the positions of the names in the YAML, so a finding points at
the ``source:`` line. A body that is not YAML or has no source is left as it was: the statement
does not parse and is MG-INPUT, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml
from sqlglot.tokens import Token, Tokenizer, TokenType

from meshgov.code.table_forms import token_like
from meshgov.core.yamlio import YamlError, compose

_METRIC_VIEW = re.compile(r"\bWITH\s+METRICS\s+LANGUAGE\s+YAML\s+AS\s+\$\$(.*?)\$\$",
                          re.IGNORECASE | re.DOTALL)
_QUERY = re.compile(r"\s*(SELECT|WITH|FROM)\b", re.IGNORECASE)


@dataclass(frozen=True)
class MetricBody:
    start: int  # offset of ``WITH`` in the text
    end: int  # offset after the closing ``$$``
    #: (source text, its offset in the text) of the view's source and of each join
    sources: tuple[tuple[str, int], ...]


def may_have_metric_view(text: str) -> bool:
    return "$$" in text and "METRICS" in text.upper()


def blank_bodies(text: str) -> tuple[str, tuple[MetricBody, ...]]:
    """The text with each metric view's YAML body blanked, and the bodies' sources."""
    bodies: list[MetricBody] = []
    out = text
    for m in _METRIC_VIEW.finditer(text):
        sources = tuple(_sources(m.group(1), m.start(1)))
        if not sources:
            continue
        bodies.append(MetricBody(m.start(), m.end(), sources))
        blank = re.sub(r"[^\n]", " ", m.group(1))
        out = out[:m.start(1)] + blank + out[m.end(1):]
    return out, tuple(bodies)


def _sources(body: str, offset: int) -> Iterator[tuple[str, int]]:
    try:
        root = compose(body)
    except YamlError:
        return
    if not isinstance(root, yaml.MappingNode):
        return
    yield from _mapping_sources(root, body, offset)


def _mapping_sources(node: yaml.MappingNode, body: str, offset: int) -> Iterator[tuple[str, int]]:
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name == "source" and isinstance(value, yaml.ScalarNode) and str(value.value).strip():
            start = value.start_mark.index
            if value.style in ("'", '"'):
                start += 1
            elif value.style in ("|", ">"):  # a block scalar: its text starts on the next line
                nl = body.find("\n", start)
                start = nl + 1 if nl >= 0 else start
                start += len(body[start:]) - len(body[start:].lstrip(" "))
            yield str(value.value), offset + start
        elif name == "joins" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    yield from _mapping_sources(item, body, offset)


def _shifted(tokens: Sequence[Token], offset: int, text: str) -> list[Token]:
    out = []
    for t in tokens:
        start, end = t.start + offset, t.end + offset
        line = text.count("\n", 0, end) + 1
        col = end - (text.rfind("\n", 0, end) + 1) + 1
        out.append(Token(t.token_type, t.text, line, col, start, end, list(t.comments)))
    return out


def rewrite(tokens: Sequence[Token], bodies: Sequence[MetricBody], text: str,
            tokenizer: Tokenizer) -> list[Token] | None:
    """The tokens with each metric view's body as ``AS SELECT NULL FROM <sources>``."""
    if not bodies:
        return None
    out: list[Token] = []
    i, n = 0, len(tokens)
    starts = {b.start: b for b in bodies}
    while i < n:
        tok = tokens[i]
        body = starts.get(tok.start) if tok.token_type is TokenType.WITH else None
        if body is None:
            out.append(tok)
            i += 1
            continue
        out += [token_like(tok, TokenType.ALIAS, "AS"), token_like(tok, TokenType.SELECT, "SELECT"),
                token_like(tok, TokenType.NULL, "NULL"), token_like(tok, TokenType.FROM, "FROM")]
        for k, (source, at) in enumerate(body.sources):
            shifted = _shifted(tokenizer.tokenize(source), at, text)
            if not shifted:
                continue
            if k:
                out.append(token_like(shifted[0], TokenType.COMMA, ","))
            if _QUERY.match(source):
                out += [token_like(shifted[0], TokenType.L_PAREN, "("), *shifted,
                        token_like(shifted[-1], TokenType.R_PAREN, ")")]
            else:
                out += shifted
        while i < n and tokens[i].start < body.end:
            i += 1
    return out
