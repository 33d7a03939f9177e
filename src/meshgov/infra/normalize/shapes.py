"""Canonical specs: one REST-shaped ``spec`` per resource type, whatever the source.

Terraform plan JSON writes nested blocks as arrays (``autoscale: [{...}]``) and some block
names in the singular (``task``, ``job_cluster``); REST JSON and bundles use objects and the
plural. :func:`unwrap_blocks` turns the first into the second, then one ``canonical_*``
function per type fills the fields rules rely on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from meshgov.infra.normalize.errors import NormalizeError

#: Terraform nested blocks that hold at most one object (arrays in plan JSON)
SINGLE_BLOCKS = frozenset(
    {"autoscale", "aws_attributes", "azure_attributes", "gcp_attributes", "docker_image",
     "basic_auth", "cluster_log_conf", "dbfs", "s3", "volumes", "workspace", "workload_type",
     "clients", "run_as", "new_cluster", "email_notifications", "webhook_notifications",
     "notification_settings", "schedule", "trigger", "continuous", "health", "git_source",
     "queue", "deployment", "file_arrival", "table_update", "periodic", "notebook_task",
     "spark_jar_task", "spark_python_task", "spark_submit_task", "python_wheel_task",
     "sql_task", "dbt_task", "pipeline_task", "run_job_task", "condition_task",
     "for_each_task", "task", "channel", "tags", "custom_parameters", "library_maven",
     "environment_spec", "spec"}
)
#: Terraform block names -> REST field names
RENAMES: Mapping[str, str] = {
    "job_cluster": "job_clusters",
    "parameter": "parameters",
    "environment": "environments",
    "library": "libraries",
    "grant": "grants",
}
#: inside a job, Terraform's ``task`` is the list of tasks (inside for_each_task, one task)
_JOB_LIST_BLOCKS: Mapping[str, str] = {"task": "tasks"}


def unwrap_blocks(value: Any, *, top_renames: Mapping[str, str] | None = None) -> Any:
    """Plan JSON nested blocks -> REST objects (recursively)."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if top_renames and k in top_renames:
                name = top_renames[k]
                out[name] = [unwrap_blocks(x) for x in v] if isinstance(v, list) else unwrap_blocks(v)
                continue
            name = RENAMES.get(k, k)
            if k in SINGLE_BLOCKS and isinstance(v, list):
                if not v:
                    continue  # an absent block
                v = v[0]
            out[name] = unwrap_blocks(v)
        return out
    if isinstance(value, list):
        return [unwrap_blocks(x) for x in value]
    return value


def job_renames() -> Mapping[str, str]:
    return _JOB_LIST_BLOCKS


def _map(value: Any) -> dict[str, Any]:
    """A map given as {k: v} or as [{key, value}] -> {k: v}."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            if isinstance(item, Mapping) and "key" in item:
                out[str(item["key"])] = item.get("value")
        return out
    return {}


def canonical_cluster(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(spec)
    for key in ("custom_tags", "spark_conf", "spark_env_vars"):
        if key in out and out[key] is not None:
            out[key] = _map(out[key])
    return out


def canonical_warehouse(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(spec)
    tags = out.get("tags")
    if isinstance(tags, Mapping):
        out["custom_tags"] = _map(tags.get("custom_tags"))
    return out


def canonical_job(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(spec)
    if isinstance(out.get("settings"), Mapping):  # a Jobs API GET response
        out = {**dict(out["settings"]), **{k: v for k, v in out.items() if k != "settings"}}
    return out


def canonical_privileges(privs: Any) -> list[str]:
    if not isinstance(privs, list):
        return []
    return sorted({str(p).strip().upper().replace(" ", "_") for p in privs if p is not None})


def canonical_grants(assignments: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(assignments, list):
        for a in assignments:
            if isinstance(a, Mapping):
                out.append({"principal": str(a.get("principal", "")),
                            "privileges": canonical_privileges(a.get("privileges"))})
    return out


def canonical_policy(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    out = dict(spec)
    definition = out.get("definition")
    if isinstance(definition, str):
        try:
            out["definition"] = json.loads(definition) if definition.strip() else {}
        except json.JSONDecodeError as exc:
            raise NormalizeError(
                f"{where}: cluster policy definition is not valid JSON: {exc.msg}"
            ) from None
    if out.get("definition") is not None and not isinstance(out.get("definition"), Mapping):
        raise NormalizeError(f"{where}: cluster policy definition is not a JSON object")
    return out


def canonical_workspace_conf(conf: Any) -> dict[str, Any]:
    if not isinstance(conf, Mapping):
        return {}
    return {str(k): ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in conf.items()}


def iter_job_clusters(job: Mapping[str, Any]) -> Iterable[tuple[str, tuple[Any, ...], Mapping[str, Any]]]:
    """(address suffix, path in the job spec, new_cluster) for every cluster a job defines."""
    jcs = job.get("job_clusters")
    if isinstance(jcs, list):
        for i, jc in enumerate(jcs):
            if isinstance(jc, Mapping) and isinstance(jc.get("new_cluster"), Mapping):
                key = jc.get("job_cluster_key", i)
                yield f".job_clusters[{key}]", ("job_clusters", i, "new_cluster"), jc["new_cluster"]
    tasks = job.get("tasks")
    if isinstance(tasks, list):
        for i, t in enumerate(tasks):
            if isinstance(t, Mapping) and isinstance(t.get("new_cluster"), Mapping):
                key = t.get("task_key", i)
                yield f".tasks[{key}].new_cluster", ("tasks", i, "new_cluster"), t["new_cluster"]
    if isinstance(job.get("new_cluster"), Mapping):
        yield ".new_cluster", ("new_cluster",), job["new_cluster"]
