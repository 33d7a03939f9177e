"""``evaluate(...) -> Report``: the one call the CLI, the pre-commit hook, the gate and the audit make.

Usable from a notebook or a job::

    import meshgov
    report = meshgov.evaluate(["models/"], config="meshgov.yaml")
    print(report.summary())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from meshgov import __version__
from meshgov.core import builtin
from meshgov.core.catalog import Catalog, load_catalog
from meshgov.core.config import DomainConfig, default_config, find_config, load_config
from meshgov.core.context import EvalContext, EvalResult, RunOptions
from meshgov.core.discovery import InputFile, discover, display_path, missing_paths
from meshgov.core.errors import UsageError
from meshgov.core.lazy import load
from meshgov.core.model import KINDS, Finding, Location, Policy, Report, RunInfo, Subject, utc_now
from meshgov.core.waivers import apply_waivers

#: kind -> "module:function" evaluating that kind: (inputs, ctx) -> EvalResult
EVALUATORS: Mapping[str, str] = {
    "code": "meshgov.code.evaluator:evaluate",
    "infra": "meshgov.infra.evaluator:evaluate",
    "data": "meshgov.data.evaluator:evaluate",
}
#: kinds whose evaluator has nothing to do without input files (not imported then); data
#: policies also run on the tables meshgov.yaml binds, with or without files
INPUT_DRIVEN: frozenset[str] = frozenset({"code", "infra"})


def _evaluator(kind: str) -> Callable[[Sequence[InputFile], EvalContext], EvalResult]:
    return load(EVALUATORS[kind])  # type: ignore[no-any-return]


def resolve_config(paths: Sequence[Path], config: str | Path | DomainConfig | None) -> DomainConfig:
    """The given config, else the nearest meshgov.yaml above the paths, else the defaults."""
    if isinstance(config, DomainConfig):
        return config
    if config is not None:
        return load_config(Path(config))
    found = find_config(paths)
    if found is not None:
        return load_config(found)
    first = paths[0].resolve() if paths else Path.cwd()
    return default_config(first if first.is_dir() else first.parent)


def evaluate(
    paths: Iterable[str | Path] = (".",),
    *,
    config: str | Path | DomainConfig | None = None,
    options: RunOptions | None = None,
    **option_overrides: Any,
) -> Report:
    """Evaluate the files and directories in ``paths`` and return the compliance report.

    ``options`` (or keyword overrides of :class:`RunOptions` fields such as ``kinds``,
    ``fail_on``, ``engine``) select what runs. Raises :class:`meshgov.core.errors.MeshgovError`
    for usage and configuration errors; never prints.
    """
    opts = options or RunOptions()
    if option_overrides:
        opts = replace(opts, **option_overrides)
    path_list = [Path(p) for p in paths] or [Path(".")]
    missing = missing_paths(path_list)
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(map(str, missing))}")
    started = utc_now()
    cfg = resolve_config(path_list, config)
    inputs = discover(path_list, cfg.root, cfg.exclude, opts.kinds)
    opts = needed_kinds(opts, inputs, path_list)
    catalog = load_catalog(cfg, opts.kinds)
    read = {i.path.resolve() for i in inputs}
    unread = [p for p in path_list
              if p.is_file() and p.name != "meshgov.yaml" and p.resolve() not in read]
    return run(cfg, catalog, inputs, opts, started=started, unread=unread)


def needed_kinds(opts: RunOptions, inputs: Sequence[InputFile], paths: Sequence[Path]) -> RunOptions:
    """With explicit files (pre-commit, gate), run only the kinds those files are inputs of.

    One changed SQL file then loads neither the Rego pack nor the infra engine. Data policies
    run with explicit files only when asked (``--data``); a changed meshgov.yaml keeps every
    kind (its parameters and waivers concern them all).
    """
    if not opts.explicit_files or opts.data or any(p.name == "meshgov.yaml" for p in paths):
        return opts
    present = {i.kind for i in inputs}
    return replace(opts, kinds=tuple(k for k in opts.kinds if k in present))


def run(
    cfg: DomainConfig,
    catalog: Catalog,
    inputs: Sequence[InputFile],
    opts: RunOptions,
    *,
    started: str | None = None,
    extra_findings: Sequence[Finding] = (),
    unread: Sequence[Path] = (),
) -> Report:
    """Evaluate already-discovered inputs (the gate and the audit call this directly).

    ``unread``: files named explicitly that no kind reads: a note each (MG-SKIPPED under
    ``opts.strict``), as are inputs of a kind while no policy of that kind is in force."""
    started = started or utc_now()
    ctx = EvalContext(config=cfg, catalog=catalog, options=opts)
    findings: list[Finding] = list(catalog.findings) + list(extra_findings)
    notes: list[str] = []
    engines: list[str] = []
    extras: dict[str, Any] = {}
    n_inputs = 0
    #: (what is not checked, the path it concerns)
    skipped: list[tuple[str, str]] = [
        (f"not read: {display_path(p, cfg.root)} (meshgov has no reader for this file type)",
         display_path(p, cfg.root)) for p in unread]
    for kind in KINDS:
        if kind not in opts.kinds:
            continue
        kind_inputs = [i for i in inputs if i.kind == kind]
        if not kind_inputs and kind in INPUT_DRIVEN:
            continue
        if kind_inputs and kind in INPUT_DRIVEN and not ctx.policies(kind):
            skipped.append((f"{kind}: {len(kind_inputs)} input(s) but no {kind} policy is in force: "
                            "not checked", kind_inputs[0].rel))
        result = _evaluator(kind)(kind_inputs, ctx)
        findings.extend(result.findings)
        notes.extend(result.notes)
        n_inputs += result.inputs
        if result.engine:
            engines.append(result.engine)
        extras.update(result.extras)
    notes.extend(text for text, _ in skipped)
    if opts.strict:
        findings.extend(skipped_finding(text, where, cfg.domain) for text, where in skipped)
    config_path = cfg.path.name if cfg.path else "meshgov.yaml"
    findings = apply_waivers(
        findings,
        catalog,
        cfg.waivers,
        opts.reference_date(),
        config_path=config_path,
        no_waivers=opts.no_waivers,
        root=cfg.root,
        domain=cfg.domain,
    )
    if opts.explicit_files:
        findings = scope_waiver_findings(findings, inputs)
    fixed: tuple[Mapping[str, Any], ...] = ()
    if opts.baseline is not None:
        from meshgov.report.baseline import compare  # noqa: PLC0415 - only with --baseline

        findings, fixed = compare(findings, opts.baseline)
    extras.update(_report_sections(cfg, catalog, inputs, opts, findings, extras))
    policies = _report_policies(catalog, findings, opts)
    return Report(
        tool_version=__version__,
        run=RunInfo(
            mode=opts.mode,
            started_at=started,
            finished_at=utc_now(),
            engine=",".join(engines) or opts.engine,
            domain=cfg.domain,
            inputs=n_inputs,
        ),
        policies=policies,
        findings=tuple(findings),
        fail_on=opts.fail_on,
        notes=tuple(notes),
        fixed=tuple(fixed),
        extras=extras,
    )


def _report_sections(
    cfg: DomainConfig,
    catalog: Catalog,
    inputs: Sequence[InputFile],
    opts: RunOptions,
    findings: Sequence[Finding],
    extras: Mapping[str, Any],
) -> dict[str, Any]:
    """Optional report sections: the baseline trend and the data-product scorecards
    (unless an evaluator, e.g. the audit, already provided them)."""
    from meshgov.report import baseline, scorecard  # noqa: PLC0415

    out: dict[str, Any] = {}
    if opts.baseline is not None and "baseline" not in extras:
        out["baseline"] = baseline.trend(opts.baseline)
    if "scorecards" not in extras and not opts.explicit_files:
        cards = scorecard.for_run(cfg, catalog, inputs, opts, findings)
        if cards:
            out["scorecards"] = cards
    return out


def _report_policies(
    catalog: Catalog, findings: Sequence[Finding], opts: RunOptions
) -> tuple[Policy, ...]:
    out: dict[str, Policy] = {
        p.id: p for p in catalog.policies.values() if p.kind in opts.kinds
    }
    for f in findings:
        if f.policy_id not in out:
            meta = builtin.META_POLICIES.get(f.policy_id) or catalog.get(f.policy_id)
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


def skipped_finding(text: str, where: str, domain: str | None) -> Finding:
    """MG-SKIPPED (--strict): something of the run was not checked."""
    return builtin.meta_finding(builtin.SKIPPED, kind="code", severity="error", message=text,
                                subject=Subject("config", where, domain), location=Location(where))
