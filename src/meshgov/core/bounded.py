"""Run one call in a forked child under a time and memory budget (Linux).

A domain's own Rego runs inside a native engine (regorus, rego-cpp) that Python cannot
interrupt: ``every x in numbers.range(1, 1e9)`` would hold a pre-commit hook for hours and
take the machine's memory. :func:`run_bounded` runs the call in a forked child (which inherits
the compiled pack and the resources) with its address space limited, waits at most the time
budget, watches the resident memory of the child and its own children, and kills the whole
process group when either budget is exceeded: the caller gets a :class:`BudgetError`, never a
hang and never a pass. (Memory is measured, not limited with ``RLIMIT_AS``: rego-cpp's
allocator reserves 256 GB of address space when it starts.) Where forking is not possible (another
thread running, not Linux) the call runs in the caller, unbounded.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from meshgov.core.executor import can_fork, result_payload

T = TypeVar("T")

#: how often the parent looks at the child's memory (seconds)
POLL_S = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class BudgetError(RuntimeError):
    """The call exceeded its time or memory budget (the child was stopped)."""


def run_bounded(fn: Callable[[], T], *, seconds: float, memory_bytes: int | None,
                what: str = "the evaluation") -> T:
    """``fn()``, computed in a forked child given ``seconds`` and ``memory_bytes`` of resident
    memory (with its children); its exceptions are re-raised here; BudgetError when it runs
    out of either."""
    if not can_fork():
        return fn()
    import pickle  # noqa: PLC0415

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, in its own process group (killed together with its children)
        os.close(r)
        code = 1
        try:
            os.setpgid(0, 0)
            code, payload = result_payload(fn)
            with os.fdopen(w, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(code)
    os.close(w)
    try:
        os.setpgid(pid, pid)  # also from here: no window in which a kill misses the group
    except OSError:
        pass
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    stopped = ""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = "time"
                break
            if memory_bytes and group_rss(pid) > memory_bytes:
                stopped = "memory"
                break
            ready, _, _ = select.select([r], [], [], min(left, POLL_S))
            if not ready:
                continue
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if stopped:
            _kill(pid)
        _, status = os.waitpid(pid, 0)
    limit = f"{memory_bytes / 2 ** 20:,.0f} MiB" if memory_bytes else "no limit"
    if stopped == "time":
        raise BudgetError(f"{what} did not end within {seconds:g} s and was stopped")
    if stopped == "memory":
        raise BudgetError(f"{what} needed more than its memory budget ({limit}) and was stopped")
    try:
        ok, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - nothing came back: killed (out of memory in native code)
        code = os.waitstatus_to_exitcode(status)
        raise BudgetError(f"{what} ended without a result (exit {code})") from None
    if ok:
        return value  # type: ignore[no-any-return]
    if isinstance(value, MemoryError):  # the machine's memory ran out before the budget was seen
        raise BudgetError(f"{what} needed more than its memory budget ({limit}) and was stopped")
    raise value


def group_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (Linux ``/proc``; 0 when gone)."""
    total = 0
    todo = [pid]
    seen: set[int] = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * _PAGE
            with open(f"/proc/{p}/task/{p}/children", "rb") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
            return
        except (ProcessLookupError, PermissionError):
            continue
