"""The executor: work planned and run in order whatever the split, forked parts' failures
surfaced, never a fork when unsafe; and the collector's one policy (only the owner of a change
undoes it)."""

from __future__ import annotations

import gc
import os
import sys
import threading
import weakref

import pytest

from meshgov.core import executor
from meshgov.core.errors import EngineError
from meshgov.core.executor import FrozenHeap, InputBoundaries, Work

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork-join forks on Linux only")


@linux_only
def test_parts_run_in_other_processes_and_come_back_in_order() -> None:
    me = os.getpid()
    out = executor.fork_map(lambda i: (i, os.getpid() == me, [i] * 3), 3)
    assert [o[0] for o in out] == [0, 1, 2]
    assert [o[1] for o in out] == [True, False, False]  # part 0 in the caller, others forked
    assert [o[2] for o in out] == [[0] * 3, [1] * 3, [2] * 3]


@linux_only
def test_an_exception_in_a_child_is_raised_in_the_caller() -> None:
    def part(i: int) -> int:
        if i == 2:
            raise EngineError("regorus could not evaluate data.x: boom")
        return i

    with pytest.raises(EngineError, match="boom"):
        executor.fork_map(part, 3)


@linux_only
def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    def part(i: int) -> int:
        if i == 1:
            os._exit(7)
        return i

    with pytest.raises(executor.ChildError, match="exit 7"):
        executor.fork_map(part, 2)


def test_one_part_runs_in_the_caller() -> None:
    assert executor.fork_map(lambda i: os.getpid(), 1) == [os.getpid()]


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not executor.can_fork()
        assert executor.plan_jobs(4, 10_000, 100) == 1
        assert executor.fork_map(lambda i: os.getpid(), 3) == [os.getpid()] * 3
    finally:
        stop.set()
        t.join()


@linux_only
def test_plan_jobs() -> None:
    assert executor.plan_jobs(1, 10_000, 100) == 1
    assert executor.plan_jobs(8, 10_000, 100) == 8
    assert executor.plan_jobs(8, 250, 100) == 2  # never fewer than min_per_job per part
    assert executor.plan_jobs(4, 50, 100) == 1
    auto = executor.plan_jobs(None, 10_000, 100)
    assert auto == min(executor.available_cpus(), executor.MAX_AUTO_JOBS)


def test_stripes_cover_every_index_once() -> None:
    parts = executor.stripes(10, 3)
    assert sorted(i for p in parts for i in p) == list(range(10))
    assert list(parts[1]) == [1, 4, 7]


def test_in_item_order_puts_each_part_s_results_back_in_place() -> None:
    parts = [[0, 2, 5], [1, 3], [4]]
    per_part = [["a0", "a2", "a5"], ["b1", "b3"], ["c4"]]
    assert executor.in_item_order(parts, per_part) == ["a0", "b1", "a2", "b3", "c4", "a5"]
    stripes = executor.stripes(7, 3)
    assert executor.in_item_order(stripes, [[i * 10 for i in s] for s in stripes]) == [
        i * 10 for i in range(7)]


# ---------------------------------------------------------------------- input boundaries

class Node:
    def __init__(self, parent: "Node | None" = None) -> None:
        self.parent = parent
        self.children: list[Node] = []
        if parent is not None:
            parent.children.append(self)


def _cyclic_tree() -> weakref.ref[Node]:
    root = Node()
    for _ in range(50):
        Node(root)
    return weakref.ref(root)


def test_cyclic_garbage_is_freed_at_each_boundary_and_the_collector_restored() -> None:
    assert gc.isenabled()
    with InputBoundaries(every=3) as b:
        assert not gc.isenabled()
        for _ in range(7):
            ref = _cyclic_tree()
            assert ref() is not None  # a cycle: reference counting alone does not free it
            b.done()
            assert ref() is None
    assert gc.isenabled()


def test_the_collector_is_enabled_again_after_an_error() -> None:
    with pytest.raises(ValueError):
        with InputBoundaries():
            raise ValueError("boom")
    assert gc.isenabled()


def test_a_disabled_collector_is_left_to_its_owner() -> None:
    gc.disable()
    try:
        with InputBoundaries() as b:
            ref = _cyclic_tree()
            b.done()
            assert ref() is not None  # nothing collected: not ours to manage
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.collect()


def test_several_inputs_at_a_boundary_count_towards_the_middle_generation(monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(executor.gc, "collect", lambda generation=2: calls.append(generation) or 0)
    with InputBoundaries(every=4) as b:
        for n in (3, 3, 1, 1, 8, 2):  # 3, 6 (crosses 4), 7, 8 (crosses), 16 (crosses), 18
            b.done(n)
    assert calls == [0, 1, 0, 1, 1, 0]


# ------------------------------------------------------------------------------- work and plans

def _work(alone: set[int], items: int = 10, **kw) -> Work:  # type: ignore[no-untyped-def, type-arg]
    return Work(items=items, run=lambda idx: [(i, os.getpid()) for i in idx],
                alone=lambda i: i in alone, **kw)


@linux_only
def test_plan_keeps_items_that_run_alone_in_the_calling_process() -> None:
    planned = executor.plan(_work({1, 4}, items=6, min_per_job=1), 2)
    assert planned.parts == ((0, 1, 3, 4), (2, 5))  # 0, 2, 3, 5 striped; 1 and 4 in part 0
    assert executor.plan(_work({1, 4}, items=6), 1).parts == (tuple(range(6)),)
    assert executor.plan(_work(set(), items=250, min_per_job=100), 8).processes == 2


def test_batches_group_consecutive_items_that_do_not_run_alone() -> None:
    alone = {5, 40}.__contains__
    got = executor.batches(list(range(45)), alone, 32)
    assert [i for b in got for i in b] == list(range(45))  # every item, in order
    assert got == [[0, 1, 2, 3, 4], [5], list(range(6, 38)), [38, 39], [40], [41, 42, 43, 44]]
    assert executor.batches([2, 0], alone, 32) == [[2, 0]]  # a part's order is kept
    assert executor.batches(list(range(5)), alone, 0) == [list(range(5))]  # 0: no limit


@linux_only
def test_execute_forks_and_gives_results_in_item_order() -> None:
    me = os.getpid()
    prepared: list[int] = []
    work = _work({3}, items=400, min_per_job=100, batch=7,
                 before_fork=lambda: prepared.append(os.getpid()),
                 finish=lambda: os.getpid())
    done = executor.execute(work, executor.plan(work, 3))
    assert [i for i, _ in done.results] == list(range(400))
    pids = {pid for _, pid in done.results}
    assert len(pids) == 3 and me in pids  # three processes, one of them the caller
    assert dict(done.results)[3] == me  # an item that runs alone runs in the caller
    assert prepared == [me]  # once, before the fork
    assert done.finished[0] == me and len(set(done.finished)) == 3


def test_a_call_may_stop_early_and_is_called_again_for_the_rest() -> None:
    calls: list[list[int]] = []

    def run(idx):  # type: ignore[no-untyped-def]
        calls.append(list(idx))
        return [i * 10 for i in idx[:2]]  # at most two per call (a budget of text)

    work: Work[int, None] = Work(items=5, run=run, batch=0)
    done = executor.execute(work, executor.plan(work, 1))
    assert done.results == (0, 10, 20, 30, 40) and done.finished == ()
    assert calls == [[0, 1, 2, 3, 4], [2, 3, 4], [4]]


def test_a_call_that_evaluates_nothing_is_an_error_not_a_loop() -> None:
    work: Work[int, None] = Work(items=2, run=lambda idx: [])
    with pytest.raises(RuntimeError, match="none of the items"):
        executor.execute(work, executor.plan(work, 1))


def test_collect_pauses_the_collector_only_while_the_work_runs() -> None:
    seen: list[bool] = []
    work: Work[int, None] = Work(items=3, run=lambda idx: seen.append(gc.isenabled()) or [0], collect=True)
    executor.execute(work, executor.plan(work, 1))
    assert seen == [False, False, False] and gc.isenabled()
    seen.clear()
    work = Work(items=1, run=lambda idx: seen.append(gc.isenabled()) or [0])
    executor.execute(work, executor.plan(work, 1))
    assert seen == [True]


# ------------------------------------------------------------------ the collector: its one owner

def test_frozen_heap_restores_the_collector() -> None:
    assert gc.get_freeze_count() == 0
    with FrozenHeap() as heap:
        kept = [{"finding": i} for i in range(1000)]
        heap.settle()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0  # unfrozen: collectable again
    gc.freeze()  # someone else's permanent generation is left alone
    try:
        before = gc.get_freeze_count()
        with FrozenHeap() as heap:
            assert not heap.owned
            more = [{"x": i} for i in range(1000)]
            heap.settle()
            assert gc.get_freeze_count() < before + len(more)  # nothing frozen by us
        assert gc.get_freeze_count() > 0  # and not unfrozen either
    finally:
        gc.unfreeze()


@linux_only
def test_a_fork_inside_a_frozen_heap_leaves_the_heap_frozen() -> None:
    """The audit freezes what it keeps; a fork inside it (an evaluation with --jobs) used to
    unfreeze everything on its way out."""
    assert gc.get_freeze_count() == 0
    with FrozenHeap() as heap:
        kept = [{"finding": i} for i in range(1000)]
        heap.settle()
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert executor.fork_map(lambda i: i, 3) == [0, 1, 2]
        assert gc.get_freeze_count() >= frozen  # still the audit's
    assert gc.get_freeze_count() == 0


@linux_only
def test_a_fork_freezes_what_it_shares_and_unfreezes_it_after() -> None:
    assert gc.get_freeze_count() == 0
    during = executor.fork_map(lambda i: gc.get_freeze_count(), 2)
    assert during[0] > 0  # frozen in the caller while the children ran
    assert gc.get_freeze_count() == 0


@linux_only
def test_a_worker_s_frozen_heap_survives_its_forks() -> None:
    def in_child() -> bool:
        executor.settle_worker()
        frozen = gc.get_freeze_count()
        executor.fork_map(lambda i: i, 2)
        return gc.get_freeze_count() >= frozen > 0

    assert executor.fork_map(lambda i: in_child() if i == 1 else True, 2) == [True, True]
    assert gc.get_freeze_count() == 0
