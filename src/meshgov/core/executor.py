"""How evaluation work runs: in batches, in forked processes (Linux), and what the cyclic
garbage collector does meanwhile. Evaluators describe their work (:class:`Work`); this module
alone decides how it is split and run, and it alone touches the collector.

**Forking.** The embedded Rego engine cannot be used from another thread (and Python threads
would share one GIL anyway), so many items are split into stripes evaluated in ``fork``-ed
children that inherit everything already built in memory — the compiled Rego pack, the
resources, a dbt project read once — and send back only their results (pickled over a pipe).
The calling process runs the first part itself. Nothing is forked when it would not be safe or
would not pay: a single CPU, one job, another thread running in this process (forking a threaded
process can deadlock the child), or a platform without ``fork`` (then everything runs in the
caller, with the same results, in the same order).

**The collector: one policy.** Whoever changes the collector first owns that change, and only
the owner undoes it: automatic collection is paused (:class:`InputBoundaries`) only by whoever
finds it enabled, who alone enables it again; the permanent generation (``gc.freeze``) is
filled only by whoever finds it empty (:class:`FrozenHeap`), who alone empties it. So an audit's
frozen heap survives a fork inside it, and a disabled collector stays disabled.

- Inputs whose results are cyclic garbage once they are done (sqlglot parse trees point to their
  parents) are run with automatic collection paused and the youngest generation collected once
  per batch (:attr:`Work.collect`): with the default thresholds, young collections run many
  times while a tree is alive, each scanning and promoting it (2,000 dbt models: ~0.7 CPU-s of
  collections, against ~0.3 s for parsing the same SQL alone).
- Before a fork, everything alive is frozen, so that collections in the parent and the children
  do not touch (and so copy, page by page) the memory they share.
- The audit keeps every finding until the report is written (63k findings at 20 x 2,000
  objects: ~400k tracked objects) and allocates steadily meanwhile; each full collection would
  walk all of it again (~0.7 CPU-s of a 20-workspace run). It freezes what it keeps as results
  arrive (:class:`FrozenHeap`), and its evaluation workers freeze what stays loaded after their
  first workspace (:func:`settle_worker`).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
E = TypeVar("E")

#: upper bound of automatic jobs: beyond it, pickling results costs more than it saves here
MAX_AUTO_JOBS = 4
#: batches between two collections of the middle generation (see :class:`InputBoundaries`)
MIDDLE_EVERY = 100


# ----------------------------------------------------------------------------- work and its plan

@dataclass(frozen=True)
class Work(Generic[R, E]):
    """Items ``0 .. items-1`` to evaluate, described by the evaluator that owns them.

    ``run(indexes)`` evaluates a prefix of ``indexes`` (at least one; it may stop early, e.g. at
    a budget of text) and returns one result per item of that prefix, in order. ``alone(i)``:
    item ``i`` depends on the items before it (it is run in the calling process, in item order,
    in a call of its own). The others are grouped by ``batch`` per call (0: a part in one call)
    and striped over processes, none with fewer than ``min_per_job`` of them. ``before_fork``
    runs once before any fork (load what every part shares); ``finish()`` ends each part and its
    value comes back beside the results (one per part). ``collect``: each call leaves cyclic
    garbage, freed at each call's end instead of every 700 allocations.
    """

    items: int
    run: Callable[[Sequence[int]], Sequence[R]]
    alone: Callable[[int], bool] = lambda i: False
    batch: int = 0
    min_per_job: int = 1
    collect: bool = False
    before_fork: Callable[[], object] | None = None
    finish: Callable[[], E] | None = None


@dataclass(frozen=True)
class Plan:
    """The indexes each part evaluates; part 0 is the calling process."""

    parts: tuple[tuple[int, ...], ...]

    @property
    def processes(self) -> int:
        return len(self.parts)


@dataclass(frozen=True)
class Done(Generic[R, E]):
    """What :func:`execute` returns: one result per item in item order, and what each part's
    ``finish`` gave (in part order; empty without ``finish``)."""

    results: tuple[R, ...]
    finished: tuple[E, ...]


def plan(work: Work[R, E], jobs: int | None) -> Plan:
    """Split ``work`` over ``jobs`` processes (None: one per CPU, at most
    :data:`MAX_AUTO_JOBS`): the items that may run anywhere striped over the parts (items of
    every kind spread over all of them), those that run alone in part 0, which is in item
    order."""
    spread = [i for i in range(work.items) if not work.alone(i)]
    n = plan_jobs(jobs, len(spread), work.min_per_job)
    parts = [[spread[k] for k in stripe] for stripe in stripes(len(spread), n)]
    if len(spread) < work.items:
        parts[0].extend(i for i in range(work.items) if work.alone(i))
        parts[0].sort()
    return Plan(tuple(tuple(p) for p in parts))


def execute(work: Work[R, E], planned: Plan) -> Done[R, E]:
    """Run ``work`` as ``planned``: the same results, in the same order, whatever the split."""
    if planned.processes > 1 and work.before_fork is not None and can_fork():
        work.before_fork()

    def part(n: int) -> tuple[list[R], E | None]:
        results: list[R] = []
        with InputBoundaries(active=work.collect) as boundaries:
            for batch in batches(planned.parts[n], work.alone, work.batch):
                rest: Sequence[int] = batch
                while rest:
                    got = work.run(rest)
                    if not got:
                        raise RuntimeError("Work.run evaluated none of the items it was given")
                    results.extend(got)
                    rest = rest[len(got):]
                    boundaries.done(len(got))
        return results, (work.finish() if work.finish is not None else None)

    per_part = fork_map(part, planned.processes)
    results = in_item_order(planned.parts, [r for r, _ in per_part])
    finished = tuple(e for _, e in per_part) if work.finish is not None else ()
    return Done(tuple(results), finished)  # type: ignore[arg-type]


def batches(indexes: Sequence[int], alone: Callable[[int], bool], size: int) -> list[list[int]]:
    """``indexes`` in order: consecutive items that are not ``alone`` grouped by up to ``size``
    (0: no limit), each ``alone`` item by itself."""
    out: list[list[int]] = []
    current: list[int] = []
    for i in indexes:
        if not alone(i):
            current.append(i)
            if len(current) == size:
                out.append(current)
                current = []
            continue
        if current:
            out.append(current)
            current = []
        out.append([i])
    if current:
        out.append(current)
    return out


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
    """``range(i, n, parts)`` for each part: items of every kind spread over all parts."""
    return [range(i, n, parts) for i in range(parts)]


def in_item_order(parts: Sequence[Sequence[int]], per_part: Sequence[Sequence[T]]) -> list[T]:
    """The per-item results of the parts (``per_part[p][j]`` is item ``parts[p][j]``'s), back
    in item order; the parts cover the items 0..n-1 once each."""
    out: list[T] = [None] * sum(len(p) for p in parts)  # type: ignore[list-item]
    for idx, results in zip(parts, per_part):
        for i, result in zip(idx, results):
            out[i] = result
    return out


# ----------------------------------------------------------------------------------- forking

class ChildError(RuntimeError):
    """A forked part failed without an exception the parent could re-raise."""


def fork_map(fn: Callable[[int], T], parts: int) -> list[T]:
    """``[fn(0), ..., fn(parts - 1)]``; parts 1.. run in forked children when ``parts > 1``.

    An exception in a child is re-raised in the caller (the first one, by part order); a child
    that dies without reporting raises :class:`ChildError`.
    """
    if parts <= 1 or not can_fork():
        return [fn(i) for i in range(parts)]
    import pickle  # noqa: PLC0415 - only when forking (the one-file pre-commit path never does)

    children: list[tuple[int, int]] = []  # (pid, read fd)
    with FrozenHeap() as heap:
        heap.settle()  # what is shared with the children is never collected while they run
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
                failure = failure or ChildError(f"evaluation part {part} ended without a result "
                                                f"(exit {code})")
                continue
            if ok:
                results.append(value)
            else:
                failure = failure or value
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


# ------------------------------------------------------------------------------ the collector

class InputBoundaries:
    """``with InputBoundaries() as b: for x in inputs: work(x); b.done()``: automatic
    collection paused, the youngest generation collected at each boundary (the inputs' trees,
    all garbage by then, freed in one pass) and the middle one every ``every`` inputs (objects a
    young collection promoted before they became garbage). Memory stays bounded by the largest
    single input; reference counting frees everything acyclic as usual. Not ``active``, or the
    collector already disabled (its owner decided): nothing is changed."""

    def __init__(self, every: int = MIDDLE_EVERY, *, active: bool = True) -> None:
        self.every = max(1, every)
        self.active = active
        self.owned = False
        self.count = 0

    def __enter__(self) -> InputBoundaries:
        self.owned = self.active and gc.isenabled()
        if self.owned:
            gc.disable()
        return self

    def done(self, inputs: int = 1) -> None:
        """``inputs`` inputs are finished: free what they left (the caller holds only their
        results)."""
        if not self.owned:
            return
        before = self.count
        self.count += inputs
        gc.collect(1 if self.count // self.every > before // self.every else 0)

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            gc.enable()
            self.owned = False


class FrozenHeap:
    """``with FrozenHeap() as heap: ... heap.settle() ...``: what is alive at each ``settle`` is
    moved to the permanent generation, which collections skip (reference counting still frees
    it as usual); on exit it is unfrozen, so that the process's collector is as it was: objects
    that became cyclic garbage meanwhile are collected then. Nothing is done when something is
    frozen already (its owner manages the permanent generation) or the collector is disabled."""

    def __init__(self) -> None:
        self.owned = gc.isenabled() and gc.get_freeze_count() == 0

    def settle(self) -> None:
        """Exclude everything alive now from later collections (until the ``with`` ends)."""
        if self.owned:
            gc.freeze()

    def __enter__(self) -> FrozenHeap:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            gc.unfreeze()


def settle_worker() -> None:
    """In an evaluation worker process (it belongs to the audit): after its first workspace,
    collect that workspace's garbage once and freeze what stays loaded (imports, compiled
    policies) for the worker's life, so that each later workspace's collections scan only that
    workspace's objects."""
    if gc.isenabled() and gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
