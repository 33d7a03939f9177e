"""Progress of an audit: events from the orchestrator, rendered by the CLI.

The orchestrator only calls ``on_progress(AuditProgress)``; :func:`cli_progress` is what the CLI
passes: a one-line bar on a terminal, plain log lines otherwise (CI logs, Databricks jobs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class AuditProgress:
    event: str  # planned | started | objects | done | failed | resumed | evaluated
    workspace: str = ""
    done: int = 0  # workspaces finished (crawled or failed or resumed)
    total: int = 0
    objects: int = 0  # objects of this workspace so far (or in total for "evaluated")
    message: str = ""


ProgressCallback = Callable[[AuditProgress], None]


def cli_progress(stream: TextIO, tty: bool | None = None) -> ProgressCallback:
    """A thread-safe renderer of progress events to ``stream``."""
    is_tty = stream.isatty() if tty is None else tty
    lock = threading.Lock()
    state = {"objects": 0, "t0": time.monotonic()}

    def bar(p: AuditProgress) -> None:
        width = 24
        filled = int(width * p.done / p.total) if p.total else width
        rate = state["objects"] / max(time.monotonic() - state["t0"], 1e-6)
        line = (f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} workspaces  "
                f"{state['objects']:,} objects  {rate:,.0f}/s  {p.workspace[:24]:<24}")
        stream.write(line)
        if p.event == "finished":
            stream.write("\n")
        stream.flush()

    def render(p: AuditProgress) -> None:
        with lock:
            if p.event == "objects":
                state["objects"] += p.objects
                if is_tty:
                    bar(p)
                return
            if is_tty:
                bar(p)
                return
            if p.event == "planned":
                stream.write(f"meshgov: audit: {p.total} workspace(s) to audit"
                             f"{' — ' + p.message if p.message else ''}\n")
            elif p.event == "done":
                stream.write(f"meshgov: audit: [{p.done}/{p.total}] {p.workspace}: ok, "
                             f"{p.objects} objects {p.message}\n")
            elif p.event == "failed":
                stream.write(f"meshgov: audit: [{p.done}/{p.total}] {p.workspace}: FAILED "
                             f"{p.message}\n")
            elif p.event == "resumed":
                stream.write(f"meshgov: audit: [{p.done}/{p.total}] {p.workspace}: already "
                             f"crawled ({p.objects} objects), not crawled again\n")
            elif p.event == "finished":
                stream.write(f"meshgov: audit: evaluated {p.objects} objects {p.message}\n")
            stream.flush()

    return render
