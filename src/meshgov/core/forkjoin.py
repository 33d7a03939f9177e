"""Run CPU-bound parts of one evaluation in forked child processes (Linux), in order.

The embedded Rego engine cannot be used from another thread (and Python threads would share
one GIL anyway), so a large input is split into stripes evaluated in ``fork``-ed children that
inherit everything already built in memory — the compiled Rego pack, the resources — and send
back only their results (pickled over a pipe). The calling process evaluates the first stripe
itself. Nothing is forked when it would not be safe or would not pay: a single CPU, one job,
another thread running in this process (forking a threaded process can deadlock the child), or
a platform without ``fork`` (then everything runs in the caller, with the same results).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: upper bound of automatic jobs: beyond it, pickling results costs more than it saves here
MAX_AUTO_JOBS = 4


class ChildError(RuntimeError):
    """A forked part failed without an exception the parent could re-raise."""


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """True where forking this process is safe: Linux, and no other Python thread running."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def plan_jobs(requested: int | None, items: int, min_per_job: int) -> int:
    """How many parts to split ``items`` into: ``requested`` (None = one per CPU, at most
    ``MAX_AUTO_JOBS``), never more than gives each part ``min_per_job`` items, 1 when forking
    is not possible."""
    wanted = requested if requested is not None else min(available_cpus(), MAX_AUTO_JOBS)
    jobs = min(max(1, wanted), max(1, items // max(1, min_per_job)))
    return jobs if jobs > 1 and can_fork() else 1


def stripes(n: int, parts: int) -> list[range]:
    """``range(i, n, parts)`` for each part: resources of every kind spread over all parts."""
    return [range(i, n, parts) for i in range(parts)]


def in_item_order(parts: Sequence[Sequence[int]], per_part: Sequence[Sequence[T]]) -> list[T]:
    """The per-item results of the parts (``per_part[p][j]`` is item ``parts[p][j]``'s), back
    in item order; the parts cover the items 0..n-1 once each."""
    out: list[T] = [None] * sum(len(p) for p in parts)  # type: ignore[list-item]
    for idx, results in zip(parts, per_part):
        for i, result in zip(idx, results):
            out[i] = result
    return out


def fork_map(fn: Callable[[int], T], parts: int) -> list[T]:
    """``[fn(0), ..., fn(parts - 1)]``; parts 1.. run in forked children when ``parts > 1``.

    An exception in a child is re-raised in the caller (the first one, by part order); a child
    that dies without reporting raises :class:`ChildError`.
    """
    if parts <= 1 or not can_fork():
        return [fn(i) for i in range(parts)]
    import pickle  # noqa: PLC0415 - only when forking (the one-file pre-commit path never does)

    children: list[tuple[int, int]] = []  # (pid, read fd)
    # objects that exist now are never collected while the parts run: the collector would touch
    # (and so copy, page by page) memory parent and children still share after the fork
    gc.freeze()
    try:
        for part in range(1, parts):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute, send, never return into the caller's stack
                os.close(r)
                _child(fn, part, w)
            os.close(w)
            children.append((pid, r))
        mine = fn(0)
    except BaseException:
        _reap(children)
        gc.unfreeze()
        raise
    results: list[T] = [mine]
    failure: BaseException | None = None
    for part, (pid, r) in enumerate(children, start=1):
        with os.fdopen(r, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            ok, value = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - nothing (or garbage) came back: the child died
            code = os.waitstatus_to_exitcode(status)
            failure = failure or ChildError(f"evaluation part {part} ended without a result (exit {code})")
            continue
        if ok:
            results.append(value)
        else:
            failure = failure or value
    gc.unfreeze()
    if failure is not None:
        raise failure
    return results


def result_payload(fn: Callable[[], T]) -> tuple[int, bytes]:
    """(exit code, pickled ``(True, fn())`` or ``(False, exception)``) for a child to send."""
    import pickle  # noqa: PLC0415 - only in forked children

    try:
        return 0, pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - report it to the parent
        try:
            return 1, pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            return 1, pickle.dumps((False, ChildError(f"{type(exc).__name__}: {exc}")))


def _child(fn: Callable[[int], T], part: int, w: int) -> None:
    code = 1
    try:
        code, payload = result_payload(lambda: fn(part))
        with os.fdopen(w, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(code)  # no atexit handlers, no buffered output of the parent flushed twice


def _reap(children: Sequence[tuple[int, int]]) -> None:
    for pid, r in children:
        os.close(r)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
