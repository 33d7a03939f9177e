"""Write a file so that a reader sees the old content or the new one, never a part.

The text goes to a temporary file of a unique name beside the target (two runs writing the
same ``-o report.json`` each have their own), then ``os.replace`` swaps it in: on POSIX the
rename is atomic, the last writer wins, and nothing is left behind when writing fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically; ``durable``: fsync before the rename.

    Raises ``OSError`` as the file system reports it; the temporary file is removed then.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # mkstemp makes it 0600: keep the target's mode
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_files(directory: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``name -> text`` into ``directory`` (created), each file atomically; the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        target = directory / name
        write_atomic(target, text)
        written.append(target)
    return written
