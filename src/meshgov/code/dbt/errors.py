"""The one error the dbt readers raise: what could not be read, and where."""

from __future__ import annotations

from pathlib import Path


class DbtReadError(Exception):
    """A dbt file cannot be read; becomes one MG-INPUT finding at (path, line, column)."""

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{path}:{line or ''}: {message}")
