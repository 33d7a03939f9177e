"""``meshgov audit``: crawl the workspaces (bounded pool), snapshot, evaluate, compare, report.

Crawling is I/O-bound and runs in a thread pool (``--concurrency``); each crawl streams its
records straight into its snapshot file. Evaluation runs in worker processes
(:mod:`meshgov.audit.evalpool`; inline with ``eval_workers=0``), one workspace snapshot at a
time each, as crawls finish: a process holds at most one workspace's inventory; this one holds
the findings. A workspace that fails (401/403, timeouts, 5xx after the SDK's retries) becomes an
``MG-A-001`` finding and an ``error`` entry of the report's ``workspaces`` section; the others
complete.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from meshgov.audit.config import AuditConfig, CrawlSettings, WorkspaceRef, load_audit_config
from meshgov.audit.crawl import crawl_records
from meshgov.audit.evalpool import Pending, SnapshotEvaluator, WorkspaceEval, choose_workers
from meshgov.audit.policies import AUDIT_POLICIES, workspace_failed
from meshgov.audit.progress import AuditProgress, ProgressCallback
from meshgov.core.redact import scrub
from meshgov.audit.rundir import (
    REPORT,
    WORKSPACES,
    clean_temp,
    compact_json,
    locked,
    new_run,
    previous_report,
    read_state,
    resumable_run,
    write_atomic,
    write_state,
)
from meshgov.audit.snapshot import SnapshotWriter, completed, snapshot_files, snapshot_path
from meshgov.audit.workspaces import (
    AccountFactory,
    ClientFactory,
    default_account_factory,
    default_client_factory,
    filter_workspaces,
    resolve_workspaces,
)
from meshgov.core.catalog import load_catalog
from meshgov.core.config import DomainConfig
from meshgov.core.context import EvalContext, RunOptions
from meshgov.core.errors import UsageError
from meshgov.core.executor import FrozenHeap
from meshgov.core.model import Finding, Policy, Report
from meshgov.core.sections import Scorecard, WorkspaceStatus

#: objects between two "objects" progress events of one crawl
PROGRESS_EVERY = 250


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _iso(t: _dt.datetime) -> str:
    return t.replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class CrawlOutcome:
    name: str
    status: str  # ok | error
    objects: int
    seconds: float
    error: dict[str, Any] | None = None


#: SDK error class -> HTTP status (the SDK maps statuses to these classes)
_STATUS = {"Unauthenticated": 401, "PermissionDenied": 403, "NotFound": 404,
           "TooManyRequests": 429, "InternalError": 500, "TemporarilyUnavailable": 503,
           "DeadlineExceeded": 504, "BadRequest": 400, "InvalidParameterValue": 400}


def classify_error(exc: BaseException, secrets: Sequence[str] = ()) -> dict[str, Any]:
    """A report-safe description of why a crawl failed (no tokens, no config dump)."""
    kind = type(exc).__name__
    status = next((code for cls in type(exc).__mro__ for name, code in _STATUS.items()
                   if cls.__name__ == name), None)
    code = getattr(exc, "error_code", None)
    if code:
        kind = f"{kind} ({code})"
    if isinstance(exc, TimeoutError):
        kind = "TimeoutError"
    text = str(exc).splitlines()[0] if str(exc) else kind
    # the SDK appends its configuration ("Config: host=..., token=***, ..."): never report it
    text = text.split(". Config: ")[0].split(" Config: ")[0]
    return {"type": kind, "status": status, "message": scrub(text, secrets)[:500]}


def crawl_one(
    ref: WorkspaceRef,
    crawl: CrawlSettings,
    factory: ClientFactory,
    directory: Path,
    on_progress: ProgressCallback | None,
    total: int,
) -> CrawlOutcome:
    """Crawl one workspace into ``directory/<name>.jsonl`` (ok or error), never raising."""
    t0 = time.monotonic()
    writer = SnapshotWriter(directory, ref, _iso(_now()))
    if on_progress:
        on_progress(AuditProgress("started", ref.name, total=total))
    try:
        w = factory(ref, crawl)
        pending = 0
        for api, obj, encoded in crawl_records(w, ref, crawl):
            writer.add(api, obj, encoded)
            pending += 1
            if on_progress and pending >= PROGRESS_EVERY:
                on_progress(AuditProgress("objects", ref.name, total=total, objects=pending))
                pending = 0
        if on_progress and pending:
            on_progress(AuditProgress("objects", ref.name, total=total, objects=pending))
        writer.commit("ok", _iso(_now()))
        return CrawlOutcome(ref.name, "ok", writer.count, time.monotonic() - t0)
    except Exception as exc:  # noqa: BLE001 - one workspace's failure never stops the others
        writer.discard()
        error = classify_error(exc)
        failed = SnapshotWriter(directory, ref, _iso(_now()))
        failed.commit("error", _iso(_now()), error)
        return CrawlOutcome(ref.name, "error", 0, time.monotonic() - t0, error)


def audit_command(
    *,
    config: str | Path | DomainConfig | None,
    options: RunOptions,
    workspaces_file: str | Path | None = None,
    snapshot: str | Path | None = None,
    audit_dir: str | Path = ".meshgov-audit",
    include: Sequence[str] = (),
    exclude_ws: Sequence[str] = (),
    concurrency: int = 4,
    resume: bool = True,
    client_factory: ClientFactory | None = None,
    account_factory: AccountFactory | None = None,
    on_progress: ProgressCallback | None = None,
    eval_workers: int | None = None,
) -> Report:
    """Run the audit and return the report (never prints; progress through ``on_progress``).

    ``eval_workers``: processes evaluating snapshots while crawling goes on (None: one per CPU,
    at most 4; 0: evaluate in this thread).
    """
    from meshgov.api import resolve_config  # noqa: PLC0415

    started = _iso(_now())
    cfg = resolve_config([Path(".")], config)
    opts = replace(options, mode="audit")
    catalog = load_catalog(cfg, opts.kinds)
    ctx = EvalContext(config=cfg, catalog=catalog, options=opts)
    if snapshot is not None:
        return evaluate_snapshot_dir(Path(snapshot), ctx, include=include, exclude=exclude_ws,
                                     started=started, on_progress=on_progress,
                                     eval_workers=eval_workers)
    if workspaces_file is None:
        raise UsageError("meshgov audit needs --workspaces FILE (the audit configuration) "
                         "or --snapshot DIR")
    acfg = load_audit_config(Path(workspaces_file))
    refs = resolve_workspaces(acfg, include=include, exclude=exclude_ws,
                              account_factory=account_factory or default_account_factory)
    if not refs:
        raise UsageError("no workspace to audit: the include/exclude filters match none")
    with locked(Path(audit_dir)):  # one run at a time per audit directory (#18.13)
        return crawl_and_evaluate(refs, acfg, ctx, Path(audit_dir), concurrency=concurrency,
                                  resume=resume, factory=client_factory or default_client_factory,
                                  started=started, on_progress=on_progress,
                                  eval_workers=eval_workers)


def crawl_and_evaluate(
    refs: Sequence[WorkspaceRef],
    acfg: AuditConfig,
    ctx: EvalContext,
    audit_dir: Path,
    *,
    concurrency: int,
    resume: bool,
    factory: ClientFactory,
    started: str,
    on_progress: ProgressCallback | None = None,
    eval_workers: int | None = None,
) -> Report:
    names = [r.name for r in refs]
    run = resumable_run(audit_dir) if resume else None
    done_before: dict[str, str] = {}
    if run is not None:
        clean_temp(run)
        done_before = {n: s for n, s in completed(run / WORKSPACES).items() if n in names}
        state = read_state(run)
        state["workspaces"] = sorted(set(state.get("workspaces") or []) | set(names))
        state["resumed_at"] = _iso(_now())
        write_state(run, state)
    else:
        run = new_run(audit_dir, _now(), names)
    directory = run / WORKSPACES
    total = len(refs)
    note = f"resuming run {run.name}: {len(done_before)} already crawled" if done_before else \
        f"run {run.name}"
    if on_progress:
        on_progress(AuditProgress("planned", total=total, message=note))

    acc = _Accumulator(ctx)
    done = 0
    workers = choose_workers(eval_workers, ctx.options.jobs, total)
    pending: list[tuple[Pending, bool, float | None]] = []
    with FrozenHeap() as heap, SnapshotEvaluator(ctx, workers) as evaluator:
        for ref in refs:
            if ref.name in done_before:
                done += 1
                pending.append((evaluator.submit(snapshot_path(directory, ref.name)), True, None))
                if on_progress:
                    on_progress(AuditProgress("resumed", ref.name, done, total))
        todo = [r for r in refs if r.name not in done_before]
        with ThreadPoolExecutor(max_workers=max(1, concurrency),
                                thread_name_prefix="meshgov-crawl") as pool:
            futures: dict[Future[CrawlOutcome], WorkspaceRef] = {
                pool.submit(crawl_one, r, acfg.crawl, factory, directory, on_progress, total): r
                for r in todo
            }
            for fut in as_completed(futures):
                outcome = fut.result()
                heap.settle()  # the results received so far stay until the report
                done += 1
                pending.append((evaluator.submit(snapshot_path(directory, outcome.name)),
                                False, outcome.seconds))
                if on_progress:
                    if outcome.status == "ok":
                        on_progress(AuditProgress("done", outcome.name, done, total,
                                                  outcome.objects, f"in {outcome.seconds:.1f}s"))
                    else:
                        err = outcome.error or {}
                        on_progress(AuditProgress("failed", outcome.name, done, total, 0,
                                                  f"{err.get('type')}: {err.get('message')}"))
        for efut, resumed, seconds in pending:
            acc.add(efut.result(), resumed=resumed, seconds=seconds)
            heap.settle()
        evaluator.release()  # the workers exit while the report is built
        baseline = ctx.options.baseline or previous_report(audit_dir, run)
        notes = [f"audit run {run.name} in {audit_dir}"]
        if done_before:
            notes.append(f"resumed: {len(done_before)} workspace(s) were already crawled by the "
                         "interrupted run and were not crawled again")
        report = acc.report(started, baseline, notes)
        # compact JSON: the next run's baseline, re-renderable with `meshgov report`
        write_atomic(run / REPORT, compact_json(report.to_dict()) + "\n")
    state = read_state(run)
    state["finished_at"] = _iso(_now())
    write_state(run, state)
    if on_progress:
        on_progress(AuditProgress("finished", done=done, total=total, objects=acc.objects,
                                  message=f"from {total} workspace(s)"))
    return report


def evaluate_snapshot_dir(
    directory: Path,
    ctx: EvalContext,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    started: str,
    on_progress: ProgressCallback | None = None,
    eval_workers: int | None = None,
) -> Report:
    """``--snapshot DIR``: re-evaluate saved snapshots offline.

    DIR is a run directory, a directory of ``*.jsonl`` files, or an audit directory (its newest
    run).
    """
    runs = sorted(p for p in (directory / "runs").glob("*") if p.is_dir()) \
        if (directory / "runs").is_dir() else []
    if runs and not snapshot_files(directory):
        directory = runs[-1]
    files = snapshot_files(directory)
    if not files:
        raise UsageError(f"no workspace snapshot (*.jsonl) in {directory}")
    by_name = {p.name[: -len(".jsonl")]: p for p in files}
    refs = filter_workspaces((WorkspaceRef(name=n, host="") for n in by_name), include, exclude)
    acc = _Accumulator(ctx)
    total = len(refs)
    workers = choose_workers(eval_workers, ctx.options.jobs, total)
    with FrozenHeap() as heap, SnapshotEvaluator(ctx, workers) as evaluator:
        futures = [evaluator.submit(by_name[ref.name]) for ref in refs]
        for i, fut in enumerate(futures, start=1):
            ev = fut.result()
            acc.add(ev)
            heap.settle()
            if on_progress:
                on_progress(AuditProgress("done", ev.workspace.name, i, total,
                                          ev.result.objects if ev.result else 0, "(snapshot)"))
        evaluator.release()  # the workers exit while the report is built
        report = acc.report(started, ctx.options.baseline,
                            [f"offline re-evaluation of the snapshot {directory}"])
    if on_progress:
        on_progress(AuditProgress("finished", done=total, total=total, objects=acc.objects,
                                  message=f"from the snapshot of {total} workspace(s)"))
    return report


class _Accumulator:
    """Findings and per-workspace status collected workspace by workspace (not thread-shared)."""

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self.findings: list[Finding] = []
        self.workspaces: list[WorkspaceStatus] = []
        self.notes: list[str] = []
        self.objects = 0
        self.product_tables: set[str] = set()  # lower-case product tables found in UC
        self.infra_objects = 0

    def add(self, ev: WorkspaceEval, *, resumed: bool = False,
            seconds: float | None = None) -> None:
        ws = ev.workspace
        head = {"name": ws.name, "host": ws.host, "workspace_id": ws.workspace_id,
                "crawled_at": ev.crawled_at}
        if ev.result is None:
            error = dict(ev.error or {"type": "IncompleteSnapshot",
                                      "message": "; ".join(ev.problems) or "truncated"})
            self.findings.append(workspace_failed(ws.name, ws.host, ws.domain, error))
            self.workspaces.append(WorkspaceStatus(**head, status="error", error=error))
            return
        result = ev.result
        self.findings.extend(result.findings)
        self.notes.extend(n for n in result.notes if n not in self.notes)
        self.objects += result.objects
        if result.product_facts:
            self.product_tables.update(str(p["table"]).lower() for p in result.product_facts)
        self.infra_objects += sum(n for api, n in result.counts.items() if api not in ("table", "tag"))
        self.workspaces.append(WorkspaceStatus(
            **head, status="ok", objects=result.objects,
            counts=dict(sorted(result.counts.items())), findings=len(result.findings),
            resumed=resumed, crawl_seconds=round(seconds, 3) if seconds is not None else None,
            problems=tuple(ev.problems), products=tuple(result.product_facts or ())))

    def report(self, started: str, baseline: Path | None, notes: Sequence[str]) -> Report:
        from meshgov.report.assemble import Part, assemble  # noqa: PLC0415

        opts = self.ctx.options
        if baseline is not None and importlib.util.find_spec("meshgov.report.baseline") is None:
            notes = [*notes, f"baseline {baseline} not compared: meshgov.report.baseline is "
                     "not available"]
            baseline = None
        opts = replace(opts, mode="audit", baseline=baseline)
        # evaluation already happened per workspace: one part of every workspace's findings
        part = Part(config=self.ctx.config, catalog=self.ctx.catalog, options=opts,
                    findings=(*self.ctx.catalog.findings, *self.findings), evaluated=self.objects)
        ok = sum(1 for w in self.workspaces if w.status == "ok")
        summary_note = (f"{len(self.workspaces)} workspace(s): {ok} audited, "
                        f"{len(self.workspaces) - ok} failed; {self.objects} objects evaluated")
        return assemble(
            [part], opts, started=started, notes=[*notes, summary_note, *self.notes],
            engine=opts.embedded_engine or opts.engine,
            extra_policies=AUDIT_POLICIES,
            scorecards_of=self._scorecards, workspaces=self.workspaces)

    def _scorecards(self, policies: Sequence[Policy], findings: Sequence[Finding]
                    ) -> list[Scorecard]:
        """Scorecards of the registry's products whose tables were found in Unity Catalog."""
        from meshgov.report.scorecard import Coverage, build_scorecards  # noqa: PLC0415

        opts = self.ctx.options
        products = [(d, p) for d, p in self.ctx.catalog.registry.products()
                    if any(t.lower() in self.product_tables for t in p.tables)]
        if not products:
            return []
        data_ran = "data" in opts.kinds and bool(opts.data)
        coverage = Coverage(
            kinds=tuple(opts.kinds),
            # the product tables were looked at in UC (the audit's "models")
            model_names=frozenset(t.rsplit(".", 1)[-1] for t in self.product_tables),
            sql_inputs=True,
            infra_inputs=self.infra_objects > 0,
            data_tables=frozenset(self.product_tables) if data_ran else frozenset(),
        )
        return build_scorecards(products, policies, findings, coverage)
