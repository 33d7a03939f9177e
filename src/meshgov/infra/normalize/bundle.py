"""Databricks Asset Bundles (``databricks.yml``) -> resources, one set per target.

Each target's ``resources`` override the top-level ones (mappings merge deeply; a job's
``tasks`` merge by ``task_key`` and ``job_clusters`` by ``job_cluster_key``, as the Databricks
CLI does), and a target's or the bundle's ``run_as`` applies to jobs that set none. A bundle
without targets is evaluated once. ``include``d files are not followed (listed in a note).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from meshgov.infra.normalize.build import make_resources
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.resource import Resource, SourceRef

#: bundle resource group -> meshgov resource type
GROUPS: Mapping[str, str] = {
    "jobs": "job",
    "clusters": "cluster",
    "sql_warehouses": "warehouse",
    "schemas": "schema",
    "catalogs": "catalog",
}
#: list fields merged by key
KEYED_LISTS: Mapping[str, str] = {
    "tasks": "task_key",
    "job_clusters": "job_cluster_key",
    "environments": "environment_key",
}


def merge(base: Any, override: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        out = dict(base)
        for k, v in override.items():
            if k in out and k in KEYED_LISTS and isinstance(out[k], list) and isinstance(v, list):
                out[k] = _merge_keyed(out[k], v, KEYED_LISTS[k])
            elif k in out:
                out[k] = merge(out[k], v)
            else:
                out[k] = v
        return out
    return override if override is not None else base


def _merge_keyed(base: list[Any], override: list[Any], key: str) -> list[Any]:
    out = list(base)
    index = {x.get(key): i for i, x in enumerate(out) if isinstance(x, Mapping)}
    for item in override:
        k = item.get(key) if isinstance(item, Mapping) else None
        if k is not None and k in index:
            out[index[k]] = merge(out[index[k]], item)
        else:
            out.append(item)
    return out


def _mapping(value: Any, where: str, line: int | None) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NormalizeError(f"bundle: {where} must be a mapping", line)
    return value


def from_bundle(data: Any, path: str, lines: Mapping[tuple[Any, ...], int]) -> list[Resource]:
    if not isinstance(data, Mapping):
        raise NormalizeError("not a Databricks Asset Bundle: expected a mapping", 1)
    resources = _mapping(data.get("resources"), "resources", lines.get(("resources",)))
    targets = _mapping(data.get("targets"), "targets", lines.get(("targets",)))
    bundle_run_as = data.get("run_as")
    bundle_name = (data.get("bundle") or {}).get("name") if isinstance(data.get("bundle"), Mapping) else None
    plan: list[tuple[str | None, Mapping[str, Any], Any]] = []
    if targets:
        for tname, target in targets.items():
            t = _mapping(target, f"targets.{tname}", lines.get(("targets", tname)))
            t_res = _mapping(t.get("resources"), f"targets.{tname}.resources",
                             lines.get(("targets", tname, "resources")))
            plan.append((str(tname), merge(resources, t_res), t.get("run_as", bundle_run_as)))
    else:
        plan.append((None, resources, bundle_run_as))
    out: list[Resource] = []
    for tname, merged, run_as in plan:
        for group, rtype in GROUPS.items():
            items = _mapping(merged.get(group), f"resources.{group}", lines.get(("resources", group)))
            for key, spec in items.items():
                base = ("resources", group, key)
                tbase = ("targets", tname, "resources", group, key)
                if not isinstance(spec, Mapping):
                    raise NormalizeError(f"bundle: resources.{group}.{key} must be a mapping",
                                         lines.get(base) or lines.get(tbase))
                body = dict(spec)
                if rtype == "job" and run_as and "run_as" not in body:
                    body["run_as"] = run_as
                address = f"resources.{group}.{key}"
                line = lines.get(base) or lines.get(tbase)

                def line_of(p: tuple[Any, ...], _b: tuple[Any, ...] = base,
                            _t: tuple[Any, ...] = tbase) -> int | None:
                    return lines.get((*_b, *p)) or lines.get((*_t, *p))

                context: dict[str, Any] = {"bundle": bundle_name}
                if tname:
                    context["target"] = tname
                made = make_resources(rtype, address, body, source=SourceRef("bundle", path, line),
                                      subject_type="bundle", line_of=line_of, context=context)
                # the target goes last: resources.jobs.x.job_clusters[main]@prod
                out.extend(replace(r, address=f"{r.address}@{tname}") if tname else r for r in made)
    return out
