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


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """The file's text; raise UnreadableText for missing, unreadable or non-UTF-8 files, and
    for files larger than ``max_bytes`` (not read: the size comes from the file system)."""
    try:
        if max_bytes is not None:
            size = path.stat().st_size
            if size > max_bytes:
                raise UnreadableText(f"the file is {size:,} bytes, above the limit of {max_bytes:,} "
                                     "(parameter code.max_file_bytes); it was not read")
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
