"""Keep the cyclic garbage collector from re-scanning what an audit accumulates on purpose.

The audit process keeps every finding until the report is written (63k findings at 20 x 2,000
objects: ~400k tracked objects) and allocates steadily meanwhile (crawl pages, unpickled
results, report dictionaries). Each full collection walks the whole heap again, so collection
time grew with the findings already held: ~0.7 CPU-s of a 20-workspace run went to the
collector. ``gc.freeze()`` moves every object alive at that moment to the permanent generation,
which collections skip; reference counting still frees those objects as usual. A
:class:`FrozenHeap` freezes at points where what is alive is meant to stay (a workspace's
results just arrived) and unfreezes on exit, so that the process's collector is as it was
after the audit: objects that became cyclic garbage meanwhile are collected then.

Nothing is done when the process had frozen objects before (its owner manages the permanent
generation) or when the collector is disabled.
"""

from __future__ import annotations

import gc


class FrozenHeap:
    """``with FrozenHeap() as heap: ... heap.settle() ...`` (see the module docstring)."""

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
    policies) so that each later workspace's collections scan only that workspace's objects."""
    if gc.isenabled() and gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
