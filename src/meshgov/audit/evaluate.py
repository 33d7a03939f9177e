"""Evaluate one workspace's inventory with the same evaluators as files.

- infra: every record of an infra API is normalized with ``meshgov.infra.normalize.from_rest``
  and evaluated by ``meshgov.infra.evaluator.evaluate_resources`` (the Rego pack);
- code: view definitions go through ``meshgov.code.evaluator.check_sql_text``;
- audit: the MG-A-* meta policies on Unity Catalog metadata (:mod:`meshgov.audit.policies`);
- data (``--data``): tables of this workspace bound to a warehouse in the config's ``data:``
  go to ``meshgov.data.evaluator.validate_bindings``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from meshgov.audit.policies import TableFacts, table_facts, table_findings
from meshgov.audit.snapshot import WorkspaceSnapshot
from meshgov.core.context import EvalContext
from meshgov.core.lazy import load_optional
from meshgov.core.model import Finding, Subject

INFRA_APIS = frozenset({"cluster", "warehouse", "job", "cluster_policy", "grants",
                        "workspace_conf", "catalog", "schema"})
FROM_REST = "meshgov.infra.normalize:from_rest"
EVALUATE_RESOURCES = "meshgov.infra.evaluator:evaluate_resources"
VALIDATE_BINDINGS = "meshgov.data.evaluator:validate_bindings"


@dataclass(frozen=True)
class WorkspaceResult:
    findings: tuple[Finding, ...]
    objects: int
    counts: Mapping[str, int]
    product_facts: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()


def _optional(ref: str) -> Callable[..., Any] | None:
    return load_optional(ref)  # type: ignore[no-any-return]


def _object_id(api: str, obj: Mapping[str, Any]) -> str:
    for key in ("cluster_id", "policy_id", "id", "job_id", "full_name", "name"):
        if obj.get(key) not in (None, ""):
            return str(obj[key])
    return api


def pii_patterns(ctx: EvalContext) -> list[re.Pattern[str]]:
    out = []
    for p in ctx.param("code.dbt.pii_name_patterns", []) or []:
        try:
            out.append(re.compile(str(p)))
        except re.error:
            continue
    return out


class _Owners:
    """``registry.owner_of`` memoized for one workspace (findings repeat their subjects)."""

    def __init__(self, ctx: EvalContext) -> None:
        self.registry = ctx.catalog.registry
        self.known: dict[str, str | None] = {}

    def __call__(self, name: str) -> str | None:
        try:
            return self.known[name]
        except KeyError:
            owner = self.known[name] = self.registry.owner_of(name)
            return owner


def evaluate_workspace(snap: WorkspaceSnapshot, ctx: EvalContext) -> WorkspaceResult:
    ws = snap.workspace
    kinds = ctx.options.kinds
    findings: list[Finding] = []
    notes: list[str] = []
    counts: dict[str, int] = {}
    column_tags: dict[str, list[tuple[str, str]]] = {}
    tables: list[Mapping[str, Any]] = []
    for api, obj in snap.records:
        counts[api] = counts.get(api, 0) + 1
        if api == "table":
            tables.append(obj)
        elif api == "tag" and obj.get("entity_type") == "columns":
            column_tags.setdefault(str(obj.get("entity_name", "")).lower(), []).append(
                (str(obj.get("tag_key") or ""), str(obj.get("tag_value") or "")))

    owners = _Owners(ctx)
    if "infra" in kinds:
        findings.extend(_infra(snap, ctx, notes, owners))
    patterns = pii_patterns(ctx)
    pii_names: dict[str, bool] = {}
    findings.extend(_uc_policies(snap, ctx, tables, column_tags, patterns, pii_names, owners))
    product_facts = _product_facts(snap, ctx, tables, column_tags, patterns, pii_names)
    if "code" in kinds:
        for obj in tables:
            view = obj.get("view_definition")
            if isinstance(view, str) and view.strip():
                full = str(obj.get("full_name") or _object_id("table", obj))
                for f in _code_checks(view, full, ws.name, ctx):
                    findings.append(_attribute(f, owners, full, ws.domain))
    if "data" in kinds and ctx.options.data:
        findings.extend(_data(snap, ctx, notes, tables))
    return WorkspaceResult(tuple(findings), len(snap.records), counts, product_facts, tuple(notes))


def _code_checks(view: str, full: str, workspace: str, ctx: EvalContext) -> list[Finding]:
    from meshgov.code.evaluator import check_sql_text  # noqa: PLC0415

    return check_sql_text(view, full, ctx, subject_type="table", path=f"{workspace}/{full}")


def _attribute(f: Finding, owners: Callable[[str], str | None], name: str,
               ws_domain: str | None) -> Finding:
    domain = f.subject.domain or owners(name) or ws_domain
    if domain == f.subject.domain:
        return f
    return replace(f, subject=Subject(f.subject.type, f.subject.ref, domain))


def _infra(snap: WorkspaceSnapshot, ctx: EvalContext, notes: list[str],
           owners: Callable[[str], str | None]) -> list[Finding]:
    from_rest = _optional(FROM_REST)
    evaluate_resources = _optional(EVALUATE_RESOURCES)
    if from_rest is None or evaluate_resources is None:
        notes.append("infra policies not evaluated on crawled objects: the infra evaluator "
                     "(from_rest / evaluate_resources) is not available")
        return []
    ws = snap.workspace
    resources: list[Any] = []
    findings: list[Finding] = []
    for api, obj in snap.records:
        if api not in INFRA_APIS:
            continue
        source = f"{ws.name}/{api}/{_object_id(api, obj)}"
        try:
            resources.extend(from_rest(api, obj, source=source, workspace=ws.name))
        except Exception as exc:  # noqa: BLE001 - a bad object is a finding, not a crash
            findings.append(_input_finding(source, f"cannot normalize {api}: {exc}", ws.domain))
    result = evaluate_resources(resources, ctx)
    notes.extend(result.notes)
    for f in result.findings:
        findings.append(_attribute(f, owners, f.subject.ref, ws.domain))
    return findings


def _input_finding(source: str, message: str, domain: str | None) -> Finding:
    from meshgov.core import builtin  # noqa: PLC0415
    from meshgov.core.model import Location  # noqa: PLC0415

    return builtin.meta_finding(builtin.INPUT, kind="infra", severity="error", message=message,
                                subject=Subject("workspace", source, domain),
                                location=Location(path=source))


def _uc_policies(snap: WorkspaceSnapshot, ctx: EvalContext, tables: list[Mapping[str, Any]],
                 column_tags: Mapping[str, list[tuple[str, str]]],
                 patterns: list[re.Pattern[str]], pii_names: dict[str, bool],
                 owners: Callable[[str], str | None]) -> list[Finding]:
    ws = snap.workspace
    out: list[Finding] = []
    kinds = ctx.options.kinds
    if not {"code", "data"} & set(kinds):
        return out
    for t in tables:
        facts = table_facts(t, column_tags, patterns, pii_names)
        domain = owners(facts.full_name) or ws.domain
        out.extend(table_findings(facts, ws.name, domain, kinds))
    return out


def _product_facts(snap: WorkspaceSnapshot, ctx: EvalContext, tables: list[Mapping[str, Any]],
                   column_tags: Mapping[str, list[tuple[str, str]]],
                   patterns: list[re.Pattern[str]],
                   pii_names: dict[str, bool]) -> tuple[dict[str, Any], ...]:
    """Scorecard inputs for the published product tables found in this workspace."""
    registry = ctx.catalog.registry
    if not registry.products():
        return ()
    out = []
    for t in tables:
        full = str(t.get("full_name") or "")
        hit = registry.product_of(full)
        if hit is None:
            continue
        facts: TableFacts = table_facts(t, column_tags, patterns, pii_names)
        out.append({"workspace": snap.workspace.name, "domain": hit[0], "product": hit[1].name,
                    **facts.to_dict()})
    return tuple(out)


def workspace_bindings(tables: Iterable[str], data: Mapping[str, Mapping[str, Any]],
                       host: str) -> dict[str, dict[str, Any]]:
    """The config's warehouse bindings of the tables found in this workspace.

    A binding without ``options.host`` is pointed at the workspace the table was crawled in
    (credentials stay the data runner's business: environment, never the snapshot).
    """
    found = {t.lower() for t in tables}
    out: dict[str, dict[str, Any]] = {}
    for name, binding in data.items():
        if "warehouse_id" not in binding or name.lower() not in found:
            continue
        b = dict(binding)
        options = dict(b.get("options") or {})
        if host and not options.get("host"):
            options["host"] = host
        if options:
            b["options"] = options
        out[name] = b
    return out


def _data(snap: WorkspaceSnapshot, ctx: EvalContext, notes: list[str],
          tables: list[Mapping[str, Any]]) -> list[Finding]:
    validate = _optional(VALIDATE_BINDINGS)
    names = [str(t.get("full_name") or "") for t in tables]
    bindings = workspace_bindings(names, ctx.config.data, snap.workspace.host)
    if not bindings:
        return []
    if validate is None:
        notes.append(f"{snap.workspace.name}: data policies not run: the data evaluator "
                     "(validate_bindings) is not available")
        return []
    result = validate(bindings, ctx)
    notes.extend(result.notes)
    owners = _Owners(ctx)
    return [_attribute(f, owners, f.subject.ref, snap.workspace.domain) for f in result.findings]
