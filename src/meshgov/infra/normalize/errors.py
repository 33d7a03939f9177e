"""The one error a normalizer raises: the input cannot be read as what it claims to be."""

from __future__ import annotations


class NormalizeError(Exception):
    """Reported as an MG-INPUT finding (never a crash, never a pass).

    ``line``/``column`` are positions in the input being normalized, or, when ``path`` is set,
    in that file (a file a bundle includes: its display path, like an input's ``rel``).
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 path: str | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.path = path
        super().__init__(message)
