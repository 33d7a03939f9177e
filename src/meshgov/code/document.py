"""A code input ready for rules: its text, its parsed statements and where things are.

Parsing never uses a lenient error level: a statement sqlglot cannot parse raises, and the
evaluator turns that into one MG-INPUT finding with the parser's line and column.

Statements are parsed from one token stream, kept with the document, so that the span of each
statement (its first and last token) can be found when a rule asks (``statement_span``): rules
locate statements sqlglot only keeps as text (``exp.Command``: ``GRANT ... ON CATALOG``,
``ALTER ... OWNER TO``, ``SET MASK``...).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

from meshgov.code.guard import check_tokens, may_need_check
from meshgov.code import metric_views
from meshgov.code.table_forms import rewrite_table_forms
from meshgov.core.discovery import InputFile

if TYPE_CHECKING:
    from meshgov.code.sqlutil import DocFacts

DIALECT = "databricks"

# sqlglot logs a warning for every statement it keeps as a Command; a linter must not print
# them. A NullHandler on the library's logger is the documented way to silence a library.
_SQLGLOT_LOG = logging.getLogger("sqlglot")
if not any(isinstance(h, logging.NullHandler) for h in _SQLGLOT_LOG.handlers):
    _SQLGLOT_LOG.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class ParsedSQL:
    statements: tuple[exp.Expression, ...]
    #: the token stream the statements were parsed from
    tokens: tuple[Token, ...] = field(default=(), repr=False)
    #: for each statement, the index of its chunk (sqlglot parses one chunk per statement,
    #: empty chunks give no statement); empty when unknown
    chunks: tuple[int, ...] = ()
    #: how many chunks the parser saw (its number of results)
    n_chunks: int = 0

    def spans(self) -> tuple[tuple[int, int], ...]:
        """(start, end) text offsets of each statement; () when they cannot be aligned."""
        return statement_spans(self.tokens, self.chunks, self.n_chunks)


@dataclass(frozen=True)
class Staged:
    """A code input read (and, for a dbt model, rendered) but not parsed yet.

    Inputs are read in small batches, then parsed, then checked, phase by phase: each phase's
    code and tables stay in the CPU caches across the batch (2,000 dbt models: ~20 % less CPU
    than reading, parsing and checking them one by one; bench/RESULTS.md)."""

    input: InputFile
    source: str  # the file as written
    text: str  # what is to be parsed
    domain: str | None = None
    line_map: Callable[[int], int] | None = field(default=None, compare=False)
    dbt: Mapping[str, Any] | None = field(default=None, hash=False)
    #: the MG-INPUT message when the text holds no statement ("": none is fine, as in a
    #: notebook of markdown cells)
    empty: str = "no SQL statement in the file"


@dataclass(frozen=True)
class CodeDocument:
    input: InputFile
    source: str  # the file as written
    text: str  # what was parsed (the rendered SQL for a dbt model)
    statements: tuple[exp.Expression, ...] = ()
    domain: str | None = None
    #: maps a 1-based line of ``text`` to the line of ``source`` (identity for plain SQL)
    line_map: Callable[[int], int] | None = field(default=None, compare=False)
    #: dbt metadata when the input is a dbt model (name, refs, sources, config, properties...)
    dbt: Mapping[str, Any] | None = field(default=None, hash=False)
    #: the parse (token stream and chunk of each statement) when built by :meth:`from_sql`
    parsed: ParsedSQL | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_sql(
        cls,
        input: InputFile,  # noqa: A002 - the field's name
        source: str,
        *,
        text: str | None = None,
        domain: str | None = None,
        line_map: Callable[[int], int] | None = None,
        dbt: Mapping[str, Any] | None = None,
        parser: SqlParser | None = None,
    ) -> CodeDocument:
        """Parse ``text`` (default: ``source``) with ``parser`` (default: a new one); raises
        like :func:`parse_sql`."""
        sql = source if text is None else text
        parsed = (parser or SqlParser()).parse(sql)
        return cls(input=input, source=source, text=sql, statements=parsed.statements,
                   domain=domain, line_map=line_map, dbt=dbt, parsed=parsed)

    @property
    def type(self) -> str:
        return self.input.type

    @property
    def ref(self) -> str:
        return self.input.rel

    @cached_property
    def facts(self) -> DocFacts:
        """Everything rules ask about the statements, computed in one walk per statement."""
        from meshgov.code.sqlutil import analyze

        return analyze(self)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def source_line(self, line: int | None) -> int | None:
        if line is None:
            return None
        return self.line_map(line) if self.line_map else line

    def offset_position(self, offset: int) -> tuple[int | None, int]:
        """1-based (source line, column) of a character offset in ``text``."""
        starts = self._line_starts
        idx = bisect.bisect_right(starts, offset) - 1
        return self.source_line(idx + 1), offset - starts[idx] + 1

    def position(self, node: exp.Expression) -> tuple[int | None, int | None]:
        """1-based (line, column) of the first character of ``node`` in the source."""
        start = node_start(node)
        if start is None:
            return None, None
        return self.offset_position(start)

    @cached_property
    def _spans(self) -> tuple[tuple[int, int], ...]:
        return self.parsed.spans() if self.parsed is not None else ()

    def statement_span(self, index: int) -> tuple[int, int] | None:
        """(start, end) offsets of statement ``index``'s first and last character in ``text``,
        when known (computed on first use)."""
        spans = self._spans
        return spans[index] if index < len(spans) else None


def node_start(node: exp.Expression) -> int | None:
    """Smallest source offset among the node and its descendants (None if none is known)."""
    best: int | None = None
    for n in node.walk():
        meta = n._meta  # noqa: SLF001 - sqlglot keeps token positions here
        if meta:
            s = meta.get("start")
            if s is not None and (best is None or s < best):
                best = s
    return best


class SqlParser:
    """A tokenizer and a parser of the Databricks dialect, reused for many inputs (sqlglot
    resets both at each call; making them costs ~10 us an input). One per run and process,
    used by one thread at a time."""

    def __init__(self) -> None:
        dialect = Dialect.get_or_raise(DIALECT)
        self._tokenizer = dialect.tokenizer()
        self._parser = dialect.parser()

    def parse(self, text: str) -> ParsedSQL:
        """Parse all statements, keeping what locates each statement.

        Raises sqlglot.errors.ParseError / TokenError; never parses leniently.
        """
        bodies: tuple[metric_views.MetricBody, ...] = ()
        if metric_views.may_have_metric_view(text):  # YAML bodies: blanked, sources kept
            blanked, bodies = metric_views.blank_bodies(text)
            tokens = self._tokenizer.tokenize(blanked)
            tokens = metric_views.rewrite(tokens, bodies, text, self._tokenizer) or tokens
        else:
            tokens = self._tokenizer.tokenize(text)
        if may_need_check(text):
            check_tokens(tokens)  # shapes sqlglot would parse in exponential time
        try:
            results = self._parser.parse(tokens, text)
        except ParseError:
            rewritten = rewrite_table_forms(tokens)  # TABLE <name> forms sqlglot does not know
            if rewritten is None:
                raise
            try:
                results = self._parser.parse(rewritten, text)
            except ParseError:
                results = self._parser.parse(tokens, text)  # raise the error of the SQL as written
            tokens = rewritten
        statements = tuple(r for r in results if r is not None)
        chunks = tuple(i for i, r in enumerate(results) if r is not None)
        return ParsedSQL(statements, tuple(tokens), chunks, len(results))


def parse_sql_spans(text: str) -> ParsedSQL:
    """Parse all statements (Databricks dialect), keeping what locates each statement.

    Raises sqlglot.errors.ParseError / TokenError; never parses leniently.
    """
    return SqlParser().parse(text)


def statement_spans(tokens: Sequence[Token], chunks: Sequence[int], n_chunks: int
                    ) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of the statements parsed from ``tokens``.

    The parser splits the token stream at semicolons into one chunk per result (a semicolon
    carrying comments is a chunk of its own; see sqlglot.parser.Parser._parse): do the same.
    """
    semi = TokenType.SEMICOLON
    total = len(tokens)
    bounds: list[tuple[int, int]] = []  # token index ranges [lo, hi)
    lo = 0
    for i in [k for k, t in enumerate(tokens) if t.token_type is semi]:
        bounds.append((lo, i))
        if tokens[i].comments:
            bounds.append((i, i + 1))
        lo = i + 1
    if lo < total or not bounds:
        bounds.append((lo, total))
    if len(bounds) != n_chunks:
        return ()
    spans = []
    for c in chunks:
        lo, hi = bounds[c]
        if lo >= hi:
            return ()
        spans.append((tokens[lo].start, tokens[hi - 1].end))
    return tuple(spans)


def parse_sql(text: str) -> tuple[exp.Expression, ...]:
    """Parse all statements (Databricks dialect); raises sqlglot.errors.ParseError/TokenError."""
    return parse_sql_spans(text).statements
