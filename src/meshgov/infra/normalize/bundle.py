"""Databricks Asset Bundles (``databricks.yml``) -> resources, one set per target.

Each target's ``resources`` override the top-level ones (mappings merge deeply; a job's
``tasks`` merge by ``task_key`` and ``job_clusters`` by ``job_cluster_key``, as the Databricks
CLI does), and a target's or the bundle's ``run_as`` applies to jobs that set none. A bundle
without targets is evaluated once. ``include``d files are read and merged into the root
configuration first (:mod:`meshgov.infra.normalize.includes`); a resource of an included file
is reported in that file, at its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from meshgov.infra.normalize.build import make_resources
from meshgov.infra.normalize.defaults import BUNDLE_TYPES, with_defaults
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.includes import with_includes
from meshgov.infra.positions import FileLines, Located
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


def _mapping(value: Any, where: str, at: Located | None) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        file, line = at if at else (None, None)
        raise NormalizeError(f"bundle: {where} must be a mapping", line, path=file)
    return value


def from_bundle(data: Any, path: str, lines: Mapping[tuple[Any, ...], int],
                directory: Path | None = None) -> list[Resource]:
    """Resources of a bundle; ``directory`` (of ``databricks.yml``) is where includes are read."""
    if not isinstance(data, Mapping):
        raise NormalizeError("not a Databricks Asset Bundle: expected a mapping", 1)
    _mapping(data.get("resources"), "resources", (path, lines.get(("resources",))))
    data, where = with_includes(data, path, lines, directory)
    resources = _mapping(data.get("resources"), "resources", where.find(("resources",)))
    targets = _mapping(data.get("targets"), "targets", where.find(("targets",)))
    bundle_run_as = data.get("run_as")
    bundle_name = (data.get("bundle") or {}).get("name") if isinstance(data.get("bundle"), Mapping) else None
    plan: list[tuple[str | None, Mapping[str, Any], Any]] = []
    if targets:
        for tname, target in targets.items():
            t = _mapping(target, f"targets.{tname}", where.find(("targets", tname)))
            t_res = _mapping(t.get("resources"), f"targets.{tname}.resources",
                             where.find(("targets", tname, "resources")))
            plan.append((str(tname), merge(resources, t_res), t.get("run_as", bundle_run_as)))
    else:
        plan.append((None, resources, bundle_run_as))
    out: list[Resource] = []
    for tname, merged, run_as in plan:
        for group, rtype in GROUPS.items():
            items = _mapping(merged.get(group), f"resources.{group}", where.find(("resources", group)))
            for key, spec in items.items():
                out.extend(_resources(where, path, tname, group, rtype, key, spec, run_as, bundle_name))
    return out


def _resources(where: FileLines, path: str, tname: str | None, group: str, rtype: str, key: Any,
               spec: Any, run_as: Any, bundle_name: Any) -> list[Resource]:
    base = ("resources", group, key)
    tbase = ("targets", tname, "resources", group, key)
    at = where.find(base, tbase)
    if not isinstance(spec, Mapping):
        raise NormalizeError(f"bundle: resources.{group}.{key} must be a mapping",
                             at[1] if at else None, path=at[0] if at else None)
    body = dict(spec)
    if group in BUNDLE_TYPES:  # deployed through the Terraform provider: its defaults apply
        body = with_defaults(BUNDLE_TYPES[group], body, blocks_as_lists=False)
    if rtype == "job" and run_as and "run_as" not in body:
        body["run_as"] = run_as
    address = f"resources.{group}.{key}"
    file, line = at if at else (path, None)

    def line_of(p: tuple[Any, ...]) -> int | None:
        return where.line_in(file, (*base, *p), (*tbase, *p))

    context: dict[str, Any] = {"bundle": bundle_name}
    if tname:
        context["target"] = tname
    made = make_resources(rtype, address, body, source=SourceRef("bundle", file, line),
                          subject_type="bundle", line_of=line_of, context=context)
    # the target goes last: resources.jobs.x.job_clusters[main]@prod
    return [replace(r, address=f"{r.address}@{tname}") if tname else r for r in made]
