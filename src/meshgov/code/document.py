"""A code input ready for rules: its text, its parsed statements and where things are.

Parsing never uses a lenient error level: a statement sqlglot cannot parse raises, and the
evaluator turns that into one MG-INPUT finding with the parser's line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from meshgov.core.discovery import InputFile

DIALECT = "databricks"


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

    @property
    def type(self) -> str:
        return self.input.type

    @property
    def ref(self) -> str:
        return self.input.rel

    def source_line(self, line: int | None) -> int | None:
        if line is None:
            return None
        return self.line_map(line) if self.line_map else line

    def position(self, node: exp.Expression) -> tuple[int | None, int | None]:
        """1-based (line, column) of the first character of ``node`` in the source."""
        start = _start_offset(node)
        if start is None:
            return None, None
        line = self.text.count("\n", 0, start) + 1
        col = start - (self.text.rfind("\n", 0, start) + 1) + 1
        return self.source_line(line), col


def _start_offset(node: exp.Expression) -> int | None:
    best: int | None = None
    for n in node.walk():
        meta = getattr(n, "_meta", None)
        if meta and "start" in meta:
            s = meta["start"]
            if best is None or s < best:
                best = s
    return best


def parse_sql(text: str) -> tuple[exp.Expression, ...]:
    """Parse all statements (Databricks dialect); raises sqlglot.errors.ParseError/TokenError."""
    return tuple(s for s in sqlglot.parse(text, read=DIALECT) if s is not None)
