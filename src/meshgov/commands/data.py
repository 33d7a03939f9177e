"""``meshgov data compile``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from meshgov.commands import EXIT_OK
from meshgov.core.catalog import Catalog


def compile_command(*, catalog: Catalog, config_path: str | None, output_dir: Path, target: str,
                    actions: Sequence[str], echo: Callable[..., Any]) -> int:
    """Write the suites / expectations / constraints; raises ValueError for bad --action."""
    from meshgov.data.compile import compile_command as compile_files  # noqa: PLC0415

    written, notes = compile_files(catalog=catalog, config_path=config_path,
                                   output_dir=output_dir, target=target, actions=actions)
    for path in written:
        echo(str(path))
    for note in notes:
        echo(f"note: {note}", err=True)
    what = "suite(s)" if target == "gx" else "file(s)"
    echo(f"{len(written)} {what} written to {output_dir}", err=True)
    return EXIT_OK
