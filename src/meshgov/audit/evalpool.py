"""Evaluate workspace snapshots in worker processes while the crawl goes on.

Evaluation is CPU-bound Python (Rego engine calls, SQL parsing, findings); crawling is I/O in
threads. Worker processes (``spawn``: never ``fork`` a process with crawl threads running)
each read one snapshot file, evaluate it and send back the findings: a worker holds one
workspace's inventory at a time. With ``workers=0`` evaluation runs in the calling thread.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from meshgov.audit.config import WorkspaceRef
from meshgov.audit.evaluate import WorkspaceResult, evaluate_workspace
from meshgov.core.redact import scrub
from meshgov.audit.snapshot import read_snapshot
from meshgov.core.context import EvalContext
from meshgov.core.errors import MeshgovError
from meshgov.core.executor import MAX_AUTO_JOBS, available_cpus, settle_worker


@dataclass(frozen=True)
class WorkspaceEval:
    """A snapshot file's status and, when it is complete, its evaluation."""

    workspace: WorkspaceRef
    status: str  # ok | error | incomplete
    crawled_at: str
    error: dict[str, Any] | None
    problems: tuple[str, ...]
    result: WorkspaceResult | None


def evaluate_file(path: Path, ctx: EvalContext) -> WorkspaceEval:
    """Read and evaluate one snapshot. An unexpected evaluator error fails this workspace only
    (it is reported as an error for it); configuration and engine errors (``MeshgovError``)
    concern every workspace and propagate."""
    snap = read_snapshot(path)
    if snap.status != "ok":
        return WorkspaceEval(snap.workspace, snap.status, snap.crawled_at, snap.error,
                             snap.problems, None)
    try:
        result = evaluate_workspace(snap, ctx)
    except MeshgovError:
        raise
    except Exception as exc:  # noqa: BLE001 - one workspace's evaluation never stops the others
        text = (str(exc).splitlines() or [""])[0]
        error = {"type": "EvaluationError", "status": None,
                 "message": scrub(f"{type(exc).__name__}: {text}")[:500]}
        return WorkspaceEval(snap.workspace, "error", snap.crawled_at, error, snap.problems, None)
    return WorkspaceEval(snap.workspace, snap.status, snap.crawled_at, snap.error, snap.problems,
                         result)


def evaluate_in_worker(path: Path, ctx: EvalContext) -> WorkspaceEval:
    """:func:`evaluate_file` in a worker process (see :func:`meshgov.core.executor.settle_worker`)."""
    try:
        return evaluate_file(path, ctx)
    finally:
        settle_worker()


def default_workers(workspaces: int) -> int:
    """Worker processes: one per CPU (at most 4), none for a single workspace or a single CPU."""
    cpus = available_cpus()
    if cpus < 2 or workspaces < 2:
        return 0
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file and not Path(main_file).exists():  # `python -` / REPL: spawn cannot re-import
        return 0
    return min(cpus, MAX_AUTO_JOBS, workspaces)


def choose_workers(eval_workers: int | None, jobs: int | None, workspaces: int) -> int:
    """Evaluation worker processes: ``eval_workers`` when given (the API), else ``--jobs``
    (1: evaluate in the calling process; N: N workers, no more than workspaces), else
    :func:`default_workers`."""
    if eval_workers is not None:
        return max(0, eval_workers)
    if jobs is not None:
        return 0 if jobs <= 1 or workspaces < 2 else min(jobs, workspaces)
    return default_workers(workspaces)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Worker initializer: exit when the audit process is gone (killed with SIGKILL, a worker
    would otherwise wait forever: it holds both ends of the pool's queue pipe itself)."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="meshgov-parent-watch", daemon=True).start()


#: what a workspace's evaluation imports on first use (Rego engine, sqlglot, ...): a worker
#: imports it when it starts, while the crawl is still running, not in its first workspace
WARM_MODULES = ("meshgov.infra.normalize", "meshgov.infra.evaluator", "meshgov.infra.pack",
                "meshgov.infra.engines", "meshgov.infra.engines.regorus_engine",
                "meshgov.code.evaluator")


def start_worker(parent: int) -> None:
    """Worker initializer: :func:`watch_parent`, then import :data:`WARM_MODULES`."""
    watch_parent(parent)
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - an optional engine that is not installed
            continue


def _ready() -> None:
    """A no-op task: submitting one per worker starts the workers before the first result."""


@dataclass
class Pending:
    """A submitted evaluation. ``result()`` falls back to evaluating inline when the worker
    processes cannot run (e.g. ``spawn`` cannot re-import a ``__main__`` read from stdin)."""

    path: Path
    future: Future[WorkspaceEval] | None
    owner: SnapshotEvaluator
    value: WorkspaceEval | None = None

    def result(self) -> WorkspaceEval:
        if self.value is None:
            assert self.future is not None
            try:
                self.value = self.future.result()
            except BrokenProcessPool:
                self.value = self.owner.inline(self.path)
        return self.value


class SnapshotEvaluator:
    """``submit(path).result() -> WorkspaceEval``, in worker processes or inline."""

    def __init__(self, ctx: EvalContext, workers: int) -> None:
        # the progress callback is a closure of the CLI: not picklable, not needed by workers
        self.ctx = replace(ctx, options=replace(ctx.options, progress=None)) if workers else ctx
        self.pool = (ProcessPoolExecutor(max_workers=workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=start_worker, initargs=(os.getpid(),))
                     if workers > 0 else None)
        if self.pool is not None:
            # start (spawn, import) every worker now: the crawl's first seconds leave CPU idle
            try:
                for _ in range(workers):
                    self.pool.submit(_ready)
            except BrokenProcessPool:
                pass
        self._closer: threading.Thread | None = None

    def submit(self, path: Path) -> Pending:
        if self.pool is not None:
            try:
                return Pending(path, self.pool.submit(evaluate_in_worker, path, self.ctx), self)
            except BrokenProcessPool:
                pass
        return Pending(path, None, self, evaluate_file(path, self.ctx))

    def inline(self, path: Path) -> WorkspaceEval:
        return evaluate_file(path, self.ctx)

    def release(self) -> None:
        """Every result is in: let the workers exit in the background (a thread waits for
        them; ``close`` joins it) so that their shutdown overlaps what the caller does next."""
        if self.pool is not None and self._closer is None:
            self._closer = threading.Thread(target=self.pool.shutdown,
                                            kwargs={"wait": True, "cancel_futures": True},
                                            name="meshgov-eval-shutdown", daemon=True)
            self._closer.start()

    def close(self) -> None:
        if self._closer is not None:
            self._closer.join()
        elif self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SnapshotEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
