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

from meshgov.core import builtin
from meshgov.core.catalog import Catalog, load_catalog
from meshgov.core.config import DomainConfig, default_config, find_config, load_config
from meshgov.core.context import EvalContext, EvalResult, RunOptions
from meshgov.core.discovery import InputFile, discover, display_path, missing_paths
from meshgov.core.errors import UsageError
from meshgov.core.lazy import load
from meshgov.core.model import KINDS, Finding, Location, Report, Subject, utc_now
from meshgov.report.assemble import Part, assemble

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
    """Evaluate already-discovered inputs and assemble the report (the gate evaluates parts
    with :func:`evaluate_part` and assembles them itself)."""
    started = started or utc_now()
    part = evaluate_part(cfg, catalog, inputs, opts, extra_findings=extra_findings, unread=unread)
    return assemble([part], opts, started=started)


def evaluate_part(
    cfg: DomainConfig,
    catalog: Catalog,
    inputs: Sequence[InputFile],
    opts: RunOptions,
    *,
    extra_findings: Sequence[Finding] = (),
    unread: Sequence[Path] = (),
) -> Part:
    """Run each kind's evaluator on the inputs: one domain's part of a report.

    ``unread``: files named explicitly that no kind reads: a note each (MG-SKIPPED under
    ``opts.strict``), as are inputs of a kind while no policy of that kind is in force."""
    ctx = EvalContext(config=cfg, catalog=catalog, options=opts)
    findings: list[Finding] = list(catalog.findings) + list(extra_findings)
    notes: list[str] = []
    engines: list[str] = []
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
    notes.extend(text for text, _ in skipped)
    if opts.strict:
        findings.extend(skipped_finding(text, where, cfg.domain) for text, where in skipped)
    return Part(config=cfg, catalog=catalog, options=opts, findings=tuple(findings),
                inputs=tuple(inputs), notes=tuple(notes), engines=tuple(engines),
                evaluated=n_inputs)


def skipped_finding(text: str, where: str, domain: str | None) -> Finding:
    """MG-SKIPPED (--strict): something of the run was not checked."""
    return builtin.meta_finding(builtin.SKIPPED, kind="code", severity="error", message=text,
                                subject=Subject("config", where, domain), location=Location(where))
