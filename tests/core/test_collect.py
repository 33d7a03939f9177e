"""InputBoundaries: automatic collection paused, cyclic garbage freed at each boundary."""

from __future__ import annotations

import gc
import weakref

import pytest

from meshgov.core.collect import InputBoundaries


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
    import meshgov.core.collect as collect  # noqa: PLC0415

    calls: list[int] = []
    monkeypatch.setattr(collect.gc, "collect", lambda generation=2: calls.append(generation) or 0)
    with InputBoundaries(every=4) as b:
        for n in (3, 3, 1, 1, 8, 2):  # 3, 6 (crosses 4), 7, 8 (crosses), 16 (crosses), 18
            b.done(n)
    assert calls == [0, 1, 0, 1, 1, 0]
