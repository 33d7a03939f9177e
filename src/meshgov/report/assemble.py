"""The one place a :class:`Report` is built: ``assemble(parts, options, ...) -> Report``.

A run's evaluation gives one :class:`Part` per domain evaluated (``check``: one; the hook and
the gate: one per domain whose files changed; the audit: one for every workspace's findings).
Assembly settles each part with its own domain's context - its waivers (applied, expired,
unused), the explicit-files scope of waiver findings, the baseline comparison, its policies
and, on full runs, its data products' scorecards - then merges the parts: findings, policies
(first definition of an id wins), notes (each once), the baseline's fixed findings, the run's
head. ``check``, ``gate`` and ``audit`` all call it; none of them edits a report afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from meshgov import __version__
from meshgov.core import builtin
from meshgov.core.model import Finding, Location, Policy, Report, RunInfo, utc_now
from meshgov.core.sections import Scorecard, WorkspaceStatus
from meshgov.core.waivers import apply_waivers

if TYPE_CHECKING:
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig
    from meshgov.core.context import RunOptions
    from meshgov.core.discovery import InputFile

#: (policies, settled findings) -> the scorecards of a run that knows its products otherwise
#: (the audit: the products whose tables it found in Unity Catalog)
ScorecardsOf = Callable[[Sequence[Policy], Sequence[Finding]], Sequence[Scorecard]]


@dataclass(frozen=True)
class Part:
    """One domain's evaluation, before its waivers: what a report is assembled from."""

    config: DomainConfig
    catalog: Catalog
    #: the options the part was evaluated with (its kinds; the gate narrows them per domain)
    options: RunOptions
    findings: tuple[Finding, ...]
    inputs: tuple[InputFile, ...] = ()
    notes: tuple[str, ...] = ()
    engines: tuple[str, ...] = ()
    evaluated: int = 0  # inputs (files, resources, tables, objects) the evaluators looked at
    #: the part's root relative to the report's (the gate: a domain inside the repository)
    prefix: str = ""
    #: keep only the baseline's fixed findings about these paths (None: all of them)
    scope: frozenset[str] | None = field(default=None, hash=False)


def assemble(
    parts: Sequence[Part],
    options: RunOptions,
    *,
    started: str,
    notes: Sequence[str] = (),
    engine: str | None = None,
    extra_policies: Mapping[str, Policy] | None = None,
    scorecards_of: ScorecardsOf | None = None,
    workspaces: Sequence[WorkspaceStatus] = (),
) -> Report:
    """The report of a run. ``notes`` come first, then each part's; ``engine`` overrides the
    parts' engines; ``extra_policies`` are in force beside the catalog's (the audit's own),
    ``scorecards_of`` replaces the registry's scorecards (the audit's)."""
    findings: list[Finding] = []
    policies: dict[str, Policy] = {}
    fixed: list[Mapping[str, Any]] = []
    all_notes: list[str] = list(notes)
    cards: list[Scorecard] = []
    engines: list[str] = []
    domains: list[str] = []
    evaluated = 0
    for part in parts:
        settled, part_fixed = _settle(part, options)
        for p in report_policies(part, settled, extra_policies or {}):
            policies.setdefault(p.id, p)
        if scorecards_of is None and not part.options.explicit_files:
            from meshgov.report import scorecard  # noqa: PLC0415

            cards.extend(scorecard.for_run(part.config, part.catalog, part.inputs, part.options,
                                           settled))
        findings.extend(_prefix_location(f, part.prefix) for f in settled)
        fixed.extend(part_fixed)
        all_notes.extend(n for n in part.notes if n not in all_notes)
        for e in part.engines:
            if e and e not in engines:
                engines.append(e)
        if part.config.domain and part.config.domain not in domains:
            domains.append(part.config.domain)
        evaluated += part.evaluated
    if len(parts) > 1:
        all_notes.append(f"{len(parts)} domains evaluated: " + ", ".join(domains or ["<defaults>"]))
    policy_list = tuple(sorted(policies.values(), key=lambda p: p.id))
    if scorecards_of is not None:
        cards = list(scorecards_of(policy_list, findings))
    trend = None
    if options.baseline is not None:
        from meshgov.report.baseline import trend as baseline_trend  # noqa: PLC0415

        trend = baseline_trend(options.baseline)
    return Report(
        tool_version=__version__,
        run=RunInfo(mode=options.mode, started_at=started, finished_at=utc_now(),
                    engine=engine or ",".join(engines) or options.engine,
                    domain=",".join(domains) or None, inputs=evaluated),
        policies=policy_list,
        findings=tuple(findings),
        fail_on=options.fail_on,
        notes=tuple(all_notes),
        fixed=tuple(fixed),
        baseline=trend,
        scorecards=tuple(cards),
        workspaces=tuple(sorted(workspaces, key=lambda w: w.name)),
    )


def _settle(part: Part, options: RunOptions) -> tuple[list[Finding], list[Mapping[str, Any]]]:
    """The part's findings with its domain's waivers and the baseline comparison applied, and
    the baseline's findings that are gone (within the part's scope)."""
    cfg, opts = part.config, part.options
    findings = apply_waivers(
        list(part.findings),
        part.catalog,
        cfg.waivers,
        opts.reference_date(),
        config_path=cfg.path.name if cfg.path else "meshgov.yaml",
        no_waivers=opts.no_waivers,
        root=cfg.root,
        domain=cfg.domain,
    )
    if opts.explicit_files:
        findings = scope_waiver_findings(findings, part.inputs)
    fixed: list[Mapping[str, Any]] = []
    if options.baseline is not None:
        from meshgov.report.baseline import compare  # noqa: PLC0415 - only with --baseline

        findings, gone = compare(findings, options.baseline)
        fixed = list(gone) if part.scope is None else _scope_fixed(gone, part.scope)
    return list(findings), fixed


def report_policies(part: Part, findings: Sequence[Finding],
                    extra: Mapping[str, Policy]) -> tuple[Policy, ...]:
    """The policies a report lists: those in force for the part's kinds (the catalog's, then
    ``extra``), and the meta policies (MG-INPUT, MG-WAIVER-*, ...) or out-of-kind ones its
    findings name."""
    kinds = part.options.kinds
    out: dict[str, Policy] = {p.id: p for p in part.catalog.policies.values() if p.kind in kinds}
    out.update({p.id: p for p in extra.values() if p.kind in kinds})
    for f in findings:
        if f.policy_id not in out:
            meta = extra.get(f.policy_id) or builtin.META_POLICIES.get(f.policy_id) \
                or part.catalog.get(f.policy_id)
            if meta is not None:
                out[f.policy_id] = meta
    return tuple(sorted(out.values(), key=lambda p: p.id))


def scope_waiver_findings(findings: Sequence[Finding], inputs: Sequence[InputFile]) -> list[Finding]:
    """With explicit files (pre-commit, gate), keep only the waiver findings about those files.

    A waiver of a file that was not given cannot be judged unused, and its expiry is not this
    commit's business: MG-WAIVER-002 is kept only for a waiver naming a given file exactly,
    MG-WAIVER-001 only for a waiver whose subject matches a given file. A full run reports all.
    """
    from fnmatch import fnmatchcase  # noqa: PLC0415

    rels = [i.rel for i in inputs]
    out: list[Finding] = []
    for f in findings:
        if f.policy_id in (builtin.WAIVER_UNUSED, builtin.WAIVER_EXPIRED):
            subject = str((f.evidence.get("waiver") or {}).get("subject", ""))
            if f.policy_id == builtin.WAIVER_UNUSED:
                keep = subject in rels
            else:
                keep = any(r == subject or fnmatchcase(r, subject) for r in rels)
            if not keep:
                continue
        out.append(f)
    return out


def _scope_fixed(fixed: Sequence[Mapping[str, Any]], paths: frozenset[str]
                 ) -> list[Mapping[str, Any]]:
    """Fixed baseline findings about the evaluated files only (the others were not looked at)."""
    out = []
    for entry in fixed:
        loc = entry.get("location") or {}
        subj = entry.get("subject") or {}
        if loc.get("path") in paths or subj.get("ref") in paths:
            out.append(entry)
    return out


def _prefix_location(f: Finding, prefix: str) -> Finding:
    path = f.location.path
    if not prefix or not path or path.startswith("/") or path.startswith("../"):
        return f
    return replace(f, location=Location(f"{prefix}/{path}", f.location.line, f.location.column))
