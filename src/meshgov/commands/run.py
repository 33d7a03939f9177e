"""``meshgov check``, ``gate``, ``audit`` and ``report``: make a report, write it in every
format asked, and give its exit code. The outputs are checked before any work is done."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from meshgov.commands import EXIT_OK
from meshgov.commands.output import emit, exit_code, pair_outputs
from meshgov.core.lazy import load


def check(paths: Sequence[str], *, config_path: str | None, options: Any,
          formats: Sequence[str], outputs: Sequence[str], color: bool | None) -> int:
    """Files and directories (default: the current directory). Files only, no ``--config``:
    the pre-commit hook, each file with its own domain's meshgov.yaml."""
    chosen = list(paths) or ["."]

    def make() -> Any:
        if options.explicit_files and config_path is None:
            return load("meshgov.gate:evaluate_files")(chosen, options=options)
        from meshgov.api import evaluate  # noqa: PLC0415

        return evaluate(chosen, config=config_path, options=options)

    return _deliver(make, formats, outputs, color)


def gate(*, base: str, head: str, paths: Sequence[str], config_path: str | None, options: Any,
         formats: Sequence[str], outputs: Sequence[str], color: bool | None) -> int:
    """What changed between the merge base of ``base`` and ``head``."""
    return _deliver(lambda: load("meshgov.gate:evaluate_gate")(
        base=base, head=head, paths=list(paths), config=config_path, options=options),
        formats, outputs, color)


def audit(*, config_path: str | None, options: Any, formats: Sequence[str],
          outputs: Sequence[str], color: bool | None, **audit_kw: Any) -> int:
    """The workspaces crawled (or a snapshot), with a progress display on stderr: a bar on a
    terminal, plain log lines otherwise (reports go to stdout or their files)."""
    progress = load("meshgov.audit.progress:cli_progress")(sys.stderr)
    return _deliver(lambda: load("meshgov.audit.run:audit_command")(
        config=config_path, options=options, on_progress=progress, **audit_kw),
        formats, outputs, color)


def report(report_file: Path, *, formats: Sequence[str], outputs: Sequence[str],
           color: bool | None) -> int:
    """A saved JSON report rendered again (its exit code is not the run's: 0)."""
    _deliver(lambda: load("meshgov.report.load:load_report")(report_file), formats, outputs,
             color)
    return EXIT_OK


def _deliver(make: Callable[[], Any], formats: Sequence[str], outputs: Sequence[str],
             color: bool | None) -> int:
    pair_outputs(formats, outputs)  # a wrong --format/--output fails before the work
    made = make()
    emit(made, formats, outputs, color)
    return exit_code(made)
