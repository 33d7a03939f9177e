"""A live status line on a terminal for steps that take a while (data checks: rows read).

Evaluators call ``ctx.tick(status)`` as they go and ``ctx.tick(None)`` when a step ends; the
CLI passes :func:`tty_ticker` as ``RunOptions.ticker``. Nothing is shown for a step that ends
within ``delay`` seconds, nor when the stream is not a terminal (CI logs, pipes, files).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def tty_ticker(stream: TextIO, *, delay: float = 2.0, tty: bool | None = None,
               clock: Callable[[], float] = time.monotonic,
               width: int = 100) -> Callable[[str | None], None] | None:
    """A ticker writing ``\\r``-updated lines to ``stream``, or None when it is no terminal."""
    if not (stream.isatty() if tty is None else tty):
        return None
    start: list[float] = []  # when the current step began (empty: no step)
    shown: list[bool] = []  # something is on the line

    def tick(status: str | None) -> None:
        if status is None:
            if shown:
                stream.write("\r\x1b[K")
                stream.flush()
            start.clear()
            shown.clear()
            return
        now = clock()
        if not start:
            start.append(now)
        if now - start[0] < delay:
            return
        stream.write("\r\x1b[K" + status[:width])
        stream.flush()
        shown[:] = [True]

    return tick
