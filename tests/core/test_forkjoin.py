"""Fork-join of evaluation parts: results in order, failures surfaced, never forks when unsafe."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from meshgov.core import forkjoin
from meshgov.core.errors import EngineError

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork-join forks on Linux only")


@linux_only
def test_parts_run_in_other_processes_and_come_back_in_order() -> None:
    me = os.getpid()
    out = forkjoin.fork_map(lambda i: (i, os.getpid() == me, [i] * 3), 3)
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
        forkjoin.fork_map(part, 3)


@linux_only
def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    def part(i: int) -> int:
        if i == 1:
            os._exit(7)
        return i

    with pytest.raises(forkjoin.ChildError, match="exit 7"):
        forkjoin.fork_map(part, 2)


def test_one_part_runs_in_the_caller() -> None:
    assert forkjoin.fork_map(lambda i: os.getpid(), 1) == [os.getpid()]


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forkjoin.can_fork()
        assert forkjoin.plan_jobs(4, 10_000, 100) == 1
        assert forkjoin.fork_map(lambda i: os.getpid(), 3) == [os.getpid()] * 3
    finally:
        stop.set()
        t.join()


@linux_only
def test_plan_jobs() -> None:
    assert forkjoin.plan_jobs(1, 10_000, 100) == 1
    assert forkjoin.plan_jobs(8, 10_000, 100) == 8
    assert forkjoin.plan_jobs(8, 250, 100) == 2  # never fewer than min_per_job per part
    assert forkjoin.plan_jobs(4, 50, 100) == 1
    auto = forkjoin.plan_jobs(None, 10_000, 100)
    assert auto == min(forkjoin.available_cpus(), forkjoin.MAX_AUTO_JOBS)


def test_stripes_cover_every_index_once() -> None:
    parts = forkjoin.stripes(10, 3)
    assert sorted(i for p in parts for i in p) == list(range(10))
    assert list(parts[1]) == [1, 4, 7]


def test_in_item_order_puts_each_part_s_results_back_in_place() -> None:
    parts = [[0, 2, 5], [1, 3], [4]]
    per_part = [["a0", "a2", "a5"], ["b1", "b3"], ["c4"]]
    assert forkjoin.in_item_order(parts, per_part) == ["a0", "b1", "a2", "b3", "c4", "a5"]
    stripes = forkjoin.stripes(7, 3)
    assert forkjoin.in_item_order(stripes, [[i * 10 for i in s] for s in stripes]) == [
        i * 10 for i in range(7)]
