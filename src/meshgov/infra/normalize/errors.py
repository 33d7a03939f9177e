"""The one error a normalizer raises: the input cannot be read as what it claims to be."""

from __future__ import annotations


class NormalizeError(Exception):
    """Reported as an MG-INPUT finding (never a crash, never a pass)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)
