"""Where a report goes: each ``--format`` paired with its ``--output`` (or standard output),
rendered, and written atomically; and the exit code a report gives."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from meshgov.commands import EXIT_FINDINGS, EXIT_OK
from meshgov.core.errors import OutputError
from meshgov.report import FORMATS

FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)  # the format registry, not a second list


def pair_outputs(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str | None]]:
    """Pair ``--format`` with ``--output`` by position; ``FORMAT:PATH`` pairs inline.

    Formats without an output go to stdout (at most one). ``-`` as output means stdout.
    """
    pairs: list[tuple[str, str | None]] = []
    plain: list[str] = []
    for f in formats or ("text",):
        name, sep, path = f.partition(":")
        if name not in FORMAT_NAMES:
            raise click.BadParameter(
                f"unknown format {name!r}; expected one of {', '.join(FORMAT_NAMES)}",
                param_hint="--format",
            )
        if sep:
            pairs.append((name, path or None))
        else:
            plain.append(name)
    outs = list(outputs)
    if len(outs) > len(plain):
        if not plain and len(outs) == 1 and not pairs:
            plain = ["text"]
        else:
            raise click.BadParameter("more --output than --format values", param_hint="--output")
    for i, name in enumerate(plain):
        out = outs[i] if i < len(outs) else None
        pairs.append((name, None if out in (None, "-") else out))
    if sum(1 for _, p in pairs if p is None) > 1:
        raise click.BadParameter(
            "only one format can go to standard output; give the others an --output FILE "
            "(or FORMAT:FILE)",
            param_hint="--format",
        )
    return pairs


def use_color(color: bool | None) -> bool:
    if color is not None:
        return color
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def emit(report: Any, formats: Sequence[str], outputs: Sequence[str], color: bool | None) -> None:
    """Render the report in each format, to stdout or its ``--output`` file.

    Each file is replaced atomically (a unique temporary file, then a rename: two runs writing
    one file never corrupt it). A file that cannot be written does not stop the others; after
    all are written, an :class:`OutputError` names the ones that failed (exit 2).
    """
    from meshgov.core.atomic import write_atomic
    from meshgov.report import render

    failed: list[str] = []
    pairs = pair_outputs(formats, outputs)
    for fmt, path in pairs:
        if path is None:
            colored = use_color(color) and fmt == "text"
            text = render(report, fmt, color=colored)
            # click strips ANSI codes when stdout is not a TTY unless told otherwise (--color)
            click.echo(text, nl=False, color=colored or None)
            continue
        text = render(report, fmt, color=False)
        target = Path(path)
        try:
            if target.exists() and not target.is_file():
                # /dev/null, a FIFO: write through (an atomic rename would replace the device)
                with target.open("w", encoding="utf-8") as fh:
                    fh.write(text)
            else:
                write_atomic(target, text)
        except OSError as exc:
            failed.append(f"{path} ({fmt}): {exc.strerror or exc}")
    if failed:
        raise OutputError("cannot write " + "; ".join(failed)
                          + (" (the other outputs were written)" if len(failed) < len(pairs) else ""))


def exit_code(report: Any) -> int:
    return EXIT_OK if report.passed else EXIT_FINDINGS
