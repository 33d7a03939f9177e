"""Databricks REST JSON (as ``databricks-sdk``'s ``.as_dict()`` returns it) -> resources.

``from_rest`` is what the nightly audit calls for live objects; :func:`from_spec_file` reads
the same shapes from a file (``*.cluster.json``, ``*.warehouse.json``, ``*.job.json``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meshgov.infra.normalize import shapes
from meshgov.infra.normalize.build import make_resources
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.resource import Resource, SourceRef

#: api -> (resource type, report subject type, address prefix)
APIS: Mapping[str, tuple[str, str, str]] = {
    "cluster": ("cluster", "cluster", "clusters"),
    "warehouse": ("warehouse", "warehouse", "sql/warehouses"),
    "job": ("job", "job", "jobs"),
    "cluster_policy": ("cluster_policy", "cluster", "policies/clusters"),
    "grants": ("grants", "workspace", "grants"),
    "workspace_conf": ("workspace_conf", "workspace", "workspace-conf"),
    "catalog": ("catalog", "workspace", "catalogs"),
    "schema": ("schema", "workspace", "schemas"),
}
#: keys of list responses (``GET /api/2.1/clusters/list`` -> {"clusters": [...]})
LIST_KEYS: Mapping[str, str] = {
    "cluster": "clusters", "warehouse": "warehouses", "job": "jobs", "cluster_policy": "policies",
    "catalog": "catalogs", "schema": "schemas",
}


def _first(obj: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        v = obj.get(k)
        if v not in (None, ""):
            return v
    return None


def _ident(api: str, obj: Mapping[str, Any]) -> str | None:
    settings = obj.get("settings") if isinstance(obj.get("settings"), Mapping) else {}
    ids: Mapping[str, Callable[[], Any]] = {
        "cluster": lambda: _first(obj, "cluster_id", "cluster_name"),
        "warehouse": lambda: _first(obj, "id", "name"),
        "job": lambda: _first(obj, "job_id") or _first(settings, "name") or _first(obj, "name"),
        "cluster_policy": lambda: _first(obj, "policy_id", "name"),
        "grants": lambda: "/".join(str(x) for x in (_first(obj, "securable_type"),
                                                      _first(obj, "full_name", "securable_name")) if x),
        "workspace_conf": lambda: None,
        "catalog": lambda: _first(obj, "full_name", "name"),
        "schema": lambda: _first(obj, "full_name")
        or ".".join(str(x) for x in (_first(obj, "catalog_name"), _first(obj, "name")) if x),
    }
    v = ids[api]()
    return str(v) if v not in (None, "") else None


def _spec(api: str, obj: Mapping[str, Any], where: str) -> dict[str, Any]:
    if api == "cluster_policy":
        return shapes.canonical_policy(obj, where)
    if api == "grants":
        assignments = obj.get("privilege_assignments", obj.get("grants"))
        return {"securable_type": _first(obj, "securable_type"),
                "securable_name": _first(obj, "full_name", "securable_name"),
                "grants": shapes.canonical_grants(assignments)}
    if api == "workspace_conf":
        conf = obj.get("custom_config", obj)
        return shapes.canonical_workspace_conf(conf)
    return dict(obj)


def from_rest(
    api: str,
    obj: Mapping[str, Any],
    *,
    source: str,
    workspace: str | None = None,
    line: int | None = None,
    line_of: Callable[[tuple[Any, ...]], int | None] | None = None,
    fmt: str = "rest",
) -> list[Resource]:
    """Resources for one REST object of ``api`` (a job also yields its job clusters).

    ``source`` is shown as the location path (a file, or e.g. ``https://host/api/2.1/...``);
    ``workspace`` is carried in ``context.workspace``. Raises :class:`NormalizeError` for an
    object that is not a mapping or an unknown api.
    """
    if api not in APIS:
        raise NormalizeError(f"unknown Databricks API object {api!r}; expected one of {', '.join(APIS)}")
    if not isinstance(obj, Mapping):
        raise NormalizeError(f"{source}: a {api} spec must be a JSON object", line)
    rtype, subject, prefix = APIS[api]
    ident = _ident(api, obj)
    if api == "workspace_conf":
        address = f"{prefix}/{workspace}" if workspace else prefix
    else:
        address = f"{prefix}/{ident}" if ident else f"{prefix}/(unnamed)"
    context: dict[str, Any] = {}
    if workspace:
        context["workspace"] = workspace
    if api == "cluster" and str(obj.get("cluster_source", "")).upper() == "JOB":
        context["job_cluster"] = True
    spec = _spec(api, obj, address)
    return make_resources(rtype, address, spec, source=SourceRef(fmt, source, line),
                          subject_type=subject, line_of=line_of, context=context)


def from_spec_document(api: str, data: Any, path: str,
                       lines: Mapping[tuple[Any, ...], int]) -> list[Resource]:
    """One object, a list of objects, or a list response ({"clusters": [...]}) of ``api``."""
    items: list[tuple[tuple[Any, ...], Any]]
    list_key = LIST_KEYS.get(api)
    if isinstance(data, list):
        items = [((i,), x) for i, x in enumerate(data)]
    elif isinstance(data, Mapping) and list_key and isinstance(data.get(list_key), list) \
            and len(data) <= 3:
        items = [((list_key, i), x) for i, x in enumerate(data[list_key])]
    else:
        items = [((), data)]
    out: list[Resource] = []
    for base, obj in items:
        line = lines.get(base, 1 if not base else None)

        def line_of(p: tuple[Any, ...], _b: tuple[Any, ...] = base) -> int | None:
            key = (*_b, *p)
            if key in lines:
                return lines[key]
            if api == "job" and (*_b, "settings", *p) in lines:
                return lines[(*_b, "settings", *p)]
            return None

        out.extend(from_rest(api, obj, source=path, line=line, line_of=line_of))
    return out
