"""Evaluate infra policies: normalize inputs to resources, run the Rego pack, make findings.

``evaluate(inputs, ctx)`` is the infra evaluator of :mod:`meshgov.api`;
``evaluate_resources(resources, ctx)`` is what the nightly audit calls with resources it built
with :func:`meshgov.infra.normalize.from_rest`. No Rego engine is imported unless there is at
least one resource and one infra policy.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from meshgov.core import builtin
from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile
from meshgov.core.errors import EngineError
from meshgov.core.executor import Work, execute, plan
from meshgov.core.model import Finding, Location, Policy, Severity, Subject, fingerprint
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.classify import HCL_TYPES
from meshgov.infra.normalize.files import bundle_inputs, load_input
from meshgov.core.redact import redact_finding_text, redact_finding_value
from meshgov.infra.resource import Resource

T = TypeVar("T")

#: report subject type of an input file that could not be read
INPUT_SUBJECTS: Mapping[str, str] = {
    "terraform_plan": "terraform_resource",
    "terraform_hcl": "terraform_resource",
    "terraform_vars": "terraform_resource",
    "databricks_bundle": "bundle",
    "arm_template": "arm_resource",
    "databricks_cluster_spec": "cluster",
    "databricks_warehouse_spec": "warehouse",
    "databricks_job_spec": "job",
}
RESULT_KEYS_DROPPED = frozenset({"msg", "resource"})
#: fewer resources than this per process are evaluated in the calling process (a fork and
#: sending findings back cost more than evaluating a few hundred resources)
MIN_RESOURCES_PER_JOB = 400


def input_finding(inp: InputFile, err: NormalizeError, domain: str | None) -> Finding:
    return builtin.meta_finding(
        builtin.INPUT, kind="infra", severity="error", message=err.message,
        subject=Subject(INPUT_SUBJECTS.get(inp.type, "workspace"), inp.rel, domain),
        location=Location(err.path or inp.rel, err.line, err.column),  # an included file's own
        evidence={"input_type": inp.type})


def warn_severity(policy: Policy) -> Severity:
    return "warning" if policy.severity == "error" else policy.severity


def _finding(res: Resource, policy: Policy, severity: Severity, result: Any,
             domain: str | None) -> Finding:
    if isinstance(result, Mapping):
        msg = str(result.get("msg") or policy.title)
        extra = {str(k): v for k, v in result.items() if k not in RESULT_KEYS_DROPPED}
    else:
        msg = str(result) if isinstance(result, str) else policy.title
        extra = {}
    msg = redact_finding_text(msg, res.sensitive)
    evidence: dict[str, Any] = {"resource_type": res.type, "source_format": res.source.format}
    evidence.update(redact_finding_value(extra, res.sensitive))
    for key in ("target", "workspace", "job"):
        if key in res.context:
            evidence[key] = res.context[key]
    location, also = _location(res, evidence.get("field"))
    if also:
        evidence["attribute_at"] = also  # the .tf attribute a .tfvars value reached
    # built once with its fingerprint (what Finding.with_fingerprint computes, without the copy)
    return Finding(
        policy_id=policy.id,
        kind="infra",
        severity=severity,
        message=msg,
        remediation=policy.remediation,
        subject=Subject(res.subject_type, res.address, domain),
        location=location,
        evidence=evidence,
        fingerprint=fingerprint(policy.id, res.address, str(evidence.get("field", "")), msg),
    )


def _location(res: Resource, field: Any) -> tuple[Location, str]:
    """The resource's line, or the line of the attribute a finding names (HCL sources), and
    the other place that decides it ("" if none)."""
    if res.field_locations and isinstance(field, str):
        where = res.field_locations.get(field.split(".", 1)[0].split("[", 1)[0])
        if where is not None:
            return Location(where[0], where[1]), where[2]
    return Location(res.source.path, res.source.line), ""


def to_findings(res: Resource, value: Any, by_id: Mapping[str, Policy],
                domain: str | None, expected: frozenset[str] | None = None) -> list[Finding]:
    """Findings of one resource from its entry-rule value {policy id: [deny, warn]}.

    Any other shape is an :class:`EngineError`, never a pass: a value without one of the
    ``expected`` policies (``{}`` from a server that evaluated nothing), a pair that is not two
    lists. An engine that answers something else than what the pack asks must fail the run.
    """
    if not isinstance(value, dict):
        raise EngineError(f"the Rego entry rule returned {type(value).__name__} for {res.address}")
    if expected is not None and not value.keys() >= expected:
        missing = sorted(expected - value.keys())
        raise EngineError(f"the Rego entry rule's answer for {res.address} lacks "
                          f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}: the engine "
                          "did not evaluate the pack it was given")
    out: list[Finding] = []
    for pid, pair in value.items():  # the hot loop: a few policies per resource, mostly empty
        if type(pair) is not list or len(pair) != 2:
            raise EngineError(f"the Rego entry rule's answer for {res.address} has "
                              f"{type(pair).__name__} for {pid} ([deny, warn] lists expected)")
        deny, warn = pair
        if type(deny) is not list or type(warn) is not list:
            raise EngineError(f"the Rego entry rule's answer for {res.address} has "
                              f"{type(deny).__name__}/{type(warn).__name__} for {pid} "
                              "([deny, warn] lists expected)")
        if not deny and not warn:
            continue
        policy = by_id.get(pid)
        if policy is None:
            continue
        if deny:
            out.extend(_finding(res, policy, policy.severity, r, domain) for r in deny)
        if warn:
            sev = warn_severity(policy)
            out.extend(_finding(res, policy, sev, r, domain) for r in warn)
    return out


def evaluate_resources(resources: Sequence[Resource], ctx: EvalContext) -> EvalResult:
    """Evaluate the infra policies of ``ctx.catalog`` on the resources (one evaluation each).

    Large inputs on an embedded engine are split into stripes evaluated in forked processes
    (``ctx.options.jobs``; see :mod:`meshgov.core.executor`); findings come back in resource
    order whatever the split. Raises :class:`EngineError` when the engine cannot evaluate (Rego
    error, OPA down/slow/5xx).
    """
    policies = ctx.policies("infra")
    if not resources or not policies:
        return EvalResult(inputs=len(resources))
    from meshgov.infra.engines import EMBEDDED, open_engine  # noqa: PLC0415 - engines only when needed
    from meshgov.infra.pack import ENTRY_PACKAGE, entry_items, load_pack  # noqa: PLC0415

    pack = load_pack(ctx.catalog, policies)
    engine = open_engine(ctx.options, pack)
    by_id = {p.id: p for p in pack.policies.values()}
    domain = ctx.config.domain
    types = {r.type for r in resources}
    entries = {t: f"data.{ENTRY_PACKAGE}.{pack.entry_for(t)}" for t in types}
    expected = {t: frozenset(i.policy_id for i in entry_items(pack, pack.entry_for(t))) for t in types}

    def evaluate_some(indexes: Sequence[int]) -> list[list[Finding]]:
        chosen = [resources[k] for k in indexes]
        values = engine.evaluate([entries[r.type] for r in chosen], [r.to_input() for r in chosen])
        return [to_findings(res, value, by_id, domain, expected[res.type])
                for res, value in zip(chosen, values)]

    work: Work[list[Finding], None] = Work(items=len(resources), run=evaluate_some,
                                           min_per_job=MIN_RESOURCES_PER_JOB)
    # only an embedded engine is forked with the process (an OPA server is one process)
    planned = plan(work, ctx.options.jobs if engine.name in EMBEDDED else 1)
    ctx.progress(f"infra: evaluating {len(resources)} resources with {engine.name}"
                 + (f" in {planned.processes} processes" if planned.processes > 1 else ""))
    try:
        if ctx.catalog.local_rego_files and engine.name in EMBEDDED:
            done = _bounded(lambda: execute(work, planned), ctx)
        else:
            done = execute(work, planned)
    finally:
        engine.close()
    findings = tuple(f for fs in done.results for f in fs)
    return EvalResult(findings=findings, inputs=len(resources), engine=engine.name)


def _bounded(fn: Callable[[], T], ctx: EvalContext) -> T:
    """``fn()`` under the budget of ``infra.rego.*``: a domain's Rego is code from the repo, and
    an embedded engine cannot be interrupted otherwise. Exceeding it is an EngineError (exit 2)."""
    from meshgov.core.bounded import BudgetError, run_bounded  # noqa: PLC0415

    seconds = ctx.param("infra.rego.timeout_seconds", 60)
    memory = ctx.param("infra.rego.max_memory_mb", 4096)
    try:
        return run_bounded(fn, seconds=float(seconds),
                           memory_bytes=int(memory) * 2 ** 20 if memory else None,
                           what="evaluating the infra policies")
    except BudgetError as exc:
        local = ", ".join(ctx.catalog.local_rego_files[:3])
        raise EngineError(f"{exc}: the pack holds the domain's own Rego ({local}); check it for "
                          "unbounded iteration, or raise infra.rego.timeout_seconds / "
                          "infra.rego.max_memory_mb") from None


def load_resources(inputs: Sequence[InputFile], ctx: EvalContext
                   ) -> tuple[list[Resource], list[Finding], list[str]]:
    """Resources of the inputs, MG-INPUT findings of the unreadable ones, and notes."""
    resources: list[Resource] = []
    findings: list[Finding] = []
    notes: list[str] = []
    hcl = [i for i in inputs if i.type in HCL_TYPES]
    for inp in bundle_inputs([i for i in inputs if i.type not in HCL_TYPES]):
        try:  # a bundle's included file is evaluated with its bundle
            resources.extend(load_input(inp))
        except NormalizeError as err:
            findings.append(input_finding(inp, err, ctx.config.domain))
        except RecursionError:
            findings.append(input_finding(inp, NormalizeError("input nested too deeply"), ctx.config.domain))
    if hcl:
        from meshgov.infra.normalize.hcl import load_sources  # noqa: PLC0415 - only for .tf inputs

        loaded, errors = load_sources(hcl)
        findings.extend(input_finding(inp, err, ctx.config.domain) for inp, err in errors)
        # a plan in a module's directory is its exact truth: it wins for the addresses it covers
        planned = {(posixpath.dirname(r.source.path or ""), r.address) for r in resources
                   if r.source.format == "terraform_plan"}
        kept = [r for r, root in zip(loaded.resources, loaded.roots)
                if ("" if root == "." else root, r.address) not in planned]
        if len(kept) < len(loaded.resources):
            notes.append(f"infra: {len(loaded.resources) - len(kept)} Terraform resources are also in a "
                         "plan: the plan's values are evaluated for them (it is the exact truth)")
        resources.extend(kept)
        if loaded.unknown:
            notes.append(f"infra: {loaded.unknown} attributes of Terraform sources are not known "
                         "without a plan (data sources, other resources, functions): no rule fails on them")
        notes.extend(f"infra: {n}" for n in loaded.notes)
    return resources, findings, notes


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    resources, findings, extra = load_resources(inputs, ctx)
    result = evaluate_resources(resources, ctx)
    notes: tuple[str, ...] = ()
    if resources:
        notes = (f"infra: {len(resources)} resources from {len(inputs)} files"
                 + (f" evaluated with {result.engine}" if result.engine else ""),)
    notes += tuple(extra)
    return EvalResult(findings=tuple(findings) + _once(result.findings), notes=notes,
                      inputs=len(inputs), engine=result.engine)


def _once(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Each finding once: a resource a ``-var-file`` changes is evaluated again, and what its
    other attributes give is the defaults' finding, at the same place, with the same words."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.policy_id, f.subject.ref, f.location, f.message, f.severity)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)
