"""Read an input file as UTF-8 text, turning every failure into one clear message."""

from __future__ import annotations

from pathlib import Path


class UnreadableText(Exception):
    """A file cannot be read as UTF-8 text; ``line``/``column`` locate undecodable bytes."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)


def read_text(path: Path) -> str:
    """The file's text; raise UnreadableText for missing, unreadable or non-UTF-8 files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableText(f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UnreadableText(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", line, column
        ) from None
