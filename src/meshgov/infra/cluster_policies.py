"""The council's cluster parameters -> Databricks cluster policy definitions.

Infra policies are checked before merge (the gate) and at night (the audit); a cluster policy
enforces the same parameters where a cluster is created, so a violating cluster cannot exist.
From the parameters in force for a domain (global values, tightened by the domain) this
module builds two definitions, in the JSON the Cluster Policies API and
``databricks_cluster_policy`` take:

- ``<name>-all-purpose`` (virtual attribute ``cluster_type`` fixed to ``all-purpose``): bounded
  auto-termination, allow-listed access modes, a runtime regex of the allowed majors, worker
  bounds, required non-empty tags, local disk encryption;
- ``<name>-jobs`` (``cluster_type`` fixed to ``job``): the same without auto-termination (a
  job cluster ends with its run; MG-I-010 does not concern it either).

What each shipped infra rule becomes is :func:`coverage`: enforced by which attributes,
implied, not expressible as a cluster policy, or not concerned (SQL warehouses have no
cluster policies: their rules stay with the gate and the audit). Both definitions pass the
shipped ``cluster_policy`` rules (MG-I-022, MG-I-023), which the audit applies to every
workspace policy: a workspace policy looser than these is reported as drift.

Plain functions over data; writing files is :func:`write_outputs`, the CLI prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from meshgov.core.atomic import write_files
from meshgov.core.model import Policy

Status = Literal["enforced", "implied", "not expressible", "not concerned"]

#: Rego package of a shipped infra rule -> how a compiled cluster policy enforces it
_COVERAGE: Mapping[str, tuple[Status, tuple[str, ...], str]] = {
    "cluster.autotermination": (
        "enforced", ("autotermination_minutes",),
        "a range from 10 minutes (or the maximum, if lower) to "
        "infra.cluster.max_autotermination_minutes on the all-purpose policy; "
        "job clusters end with their run (the rule exempts them too)"),
    "cluster.workers": (
        "enforced", ("num_workers", "autoscale.max_workers"),
        "ranges with maxValue infra.cluster.max_workers"),
    "cluster.access_mode": (
        "enforced", ("data_security_mode",),
        "an allowlist of infra.cluster.allowed_access_modes, not optional"),
    "cluster.runtime": (
        "enforced", ("spark_version",),
        "a regex admitting only runtimes whose major version is at least "
        "infra.cluster.min_runtime_major"),
    "cluster.tags": (
        "enforced", ("custom_tags.*",),
        "one regex attribute per required tag, not optional, rejecting an empty value"),
    "cluster.disk_encryption": (
        "enforced", ("enable_local_disk_encryption",), "fixed to true"),
    "cluster.secrets": (
        "not expressible", ("spark_conf.*", "spark_env_vars.*"),
        "a cluster policy limits attributes it names; a plain-text secret can sit under any "
        "spark_conf or spark_env_vars key and a policy cannot test values across keys. "
        "The gate and the audit keep checking it"),
    "cluster.policy": (
        "implied", ("policy_id",),
        "a cluster created under a policy carries its policy_id; grant users these policies and "
        "take away unrestricted cluster creation so that no cluster is created without one"),
}


@dataclass(frozen=True)
class CompiledPolicy:
    """One cluster policy: its name, the cluster type it admits, its definition."""

    name: str
    cluster_type: str
    description: str
    definition: Mapping[str, Any] = field(hash=False)

    def to_api(self) -> dict[str, Any]:
        """The Cluster Policies API create request body (definition is a JSON string)."""
        return {"name": self.name, "description": self.description,
                "definition": json.dumps(self.definition, sort_keys=True)}


@dataclass(frozen=True)
class Coverage:
    """What one infra policy in force becomes in the compiled cluster policies."""

    policy_id: str
    title: str
    status: Status
    attributes: tuple[str, ...]
    how: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy_id, "title": self.title, "status": self.status,
                "attributes": list(self.attributes), "how": self.how}


# -- building the definitions ---------------------------------------------------------------


def at_least(n: int) -> str:
    """A regex (no anchors: Databricks anchors policy regexes) of the integers >= ``n``.

    ``at_least(13)`` -> ``13|1[4-9]|[2-9][0-9]|[1-9][0-9]{2,}``. No leading zeros.
    """
    if n <= 0:
        return "[0-9]+"
    digits = str(n)
    width = len(digits)
    parts = [digits]
    for i, d in enumerate(digits):
        if d == "9":
            continue
        head = digits[:i]
        low = int(d) + 1
        cls = str(low) if low == 9 else f"[{low}-9]"
        rest = width - i - 1
        parts.append(head + cls + ("[0-9]" if rest == 1 else f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(f"[1-9][0-9]{{{width},}}")
    return "|".join(parts)


def runtime_pattern(min_major: int) -> str:
    """spark_version values whose major version is at least ``min_major`` (``13.3.x-scala2.12``)."""
    return f"({at_least(min_major)})\\..+"


def _common(params: Mapping[str, Any]) -> dict[str, Any]:
    modes = [str(m) for m in params.get("infra.cluster.allowed_access_modes") or ()]
    workers = int(params.get("infra.cluster.max_workers", 0))
    out: dict[str, Any] = {
        "data_security_mode": {"type": "allowlist", "values": modes,
                               **({"defaultValue": modes[0]} if modes else {})},
        "spark_version": {"type": "regex",
                          "pattern": runtime_pattern(int(params.get("infra.cluster.min_runtime_major", 0)))},
        "num_workers": {"type": "range", "maxValue": workers, "isOptional": True},
        "autoscale.max_workers": {"type": "range", "maxValue": workers, "isOptional": True},
        "enable_local_disk_encryption": {"type": "fixed", "value": True},
    }
    for tag in params.get("infra.cluster.required_tags") or ():
        out[f"custom_tags.{tag}"] = {"type": "regex", "pattern": ".+", "isOptional": False}
    return out


def definitions(params: Mapping[str, Any], *, name: str) -> list[CompiledPolicy]:
    """The all-purpose and the job cluster policy for the parameters in force."""
    most = int(params.get("infra.cluster.max_autotermination_minutes", 0))
    lowest = max(1, min(10, most))
    all_purpose = {
        "cluster_type": {"type": "fixed", "value": "all-purpose"},
        "autotermination_minutes": {"type": "range", "minValue": lowest, "maxValue": most,
                                    "defaultValue": max(lowest, min(60, most))},
        **_common(params),
    }
    jobs = {"cluster_type": {"type": "fixed", "value": "job"}, **_common(params)}
    shown = "written by `meshgov infra compile-cluster-policies` from the council's parameters"
    return [
        CompiledPolicy(f"{name}-all-purpose", "all-purpose", f"All-purpose clusters of {name}; {shown}",
                       dict(sorted(all_purpose.items()))),
        CompiledPolicy(f"{name}-jobs", "job", f"Job clusters of {name}; {shown}",
                       dict(sorted(jobs.items()))),
    ]


def coverage(policies: Sequence[Policy], params: Mapping[str, Any]) -> list[Coverage]:
    """Every infra policy in force whose resources are clusters or warehouses, and its fate."""
    in_force = ", ".join(f"{k}: {v}" for k, v in sorted(params.items())
                         if k.startswith("infra.warehouse."))
    out = []
    for p in sorted(policies, key=lambda x: x.id):
        package = p.rule.removeprefix("data.meshgov.infra.")
        if package in _COVERAGE:
            status, attrs, how = _COVERAGE[package]
            out.append(Coverage(p.id, p.title, status, attrs, how))
        elif package.startswith("warehouse."):
            out.append(Coverage(p.id, p.title, "not concerned", (),
                                "SQL warehouses have no cluster policies: the gate and the nightly "
                                f"audit keep enforcing this rule ({in_force})"))
        elif package.startswith("cluster."):
            out.append(Coverage(p.id, p.title, "not expressible", (),
                                "a cluster rule meshgov does not ship (a domain's own Rego): only "
                                "the shipped rules' parameters are compiled"))
    return out


# -- writing --------------------------------------------------------------------------------


def _tf_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_").lower() or "policy"


def terraform(compiled: Sequence[CompiledPolicy]) -> str:
    """``databricks_cluster_policy`` resources (the definition through jsonencode)."""
    blocks = ["# Written by `meshgov infra compile-cluster-policies`; do not edit: re-compile.\n"]
    for c in compiled:
        body = json.dumps(c.definition, indent=2, sort_keys=True).replace("\n", "\n  ")
        blocks.append(
            f'resource "databricks_cluster_policy" "{_tf_name(c.name)}" {{\n'
            f"  name        = {json.dumps(c.name)}\n"
            f"  description = {json.dumps(c.description)}\n"
            f"  definition  = jsonencode({body})\n"
            "}\n")
    return "\n".join(blocks)


def bundle_snippet(compiled: Sequence[CompiledPolicy]) -> str:
    """An Asset Bundle fragment: bundles cannot create cluster policies, they look them up."""
    lines = [
        "# Written by `meshgov infra compile-cluster-policies`.",
        "# Asset Bundles cannot create cluster policies: apply cluster-policies.tf (or the",
        "# *.cluster-policy.json files through the Cluster Policies API) first, then look the",
        "# policies up by name and use them on every cluster the bundle defines:",
        "variables:",
    ]
    for c in compiled:
        var = _tf_name(c.name) + "_policy_id"
        lines += [f"  {var}:",
                  f"    description: cluster policy {c.name} ({c.cluster_type} clusters)",
                  "    lookup:",
                  f"      cluster_policy: {json.dumps(c.name)}"]
    job = next((c for c in compiled if c.cluster_type == "job"), None)
    if job is not None:
        var = _tf_name(job.name) + "_policy_id"
        lines += [
            "# for example, a job cluster:",
            "# resources:",
            "#   jobs:",
            "#     my_job:",
            "#       job_clusters:",
            "#         - job_cluster_key: main",
            "#           new_cluster:",
            f"#             policy_id: ${{var.{var}}}",
            "#             apply_policy_default_values: true",
        ]
    return "\n".join(lines) + "\n"


def notes_text(compiled: Sequence[CompiledPolicy], cover: Sequence[Coverage]) -> str:
    out = ["Cluster policies compiled by meshgov", "",
           "Policies: " + ", ".join(c.name for c in compiled), ""]
    for status in ("enforced", "implied", "not expressible", "not concerned"):
        rows = [c for c in cover if c.status == status]
        if not rows:
            continue
        out.append(f"{status}:")
        for c in rows:
            attrs = f" [{', '.join(c.attributes)}]" if c.attributes else ""
            out.append(f"  {c.policy_id} {c.title}{attrs}: {c.how}")
        out.append("")
    out.append("Drift: the nightly audit applies MG-I-022 and MG-I-023 to every workspace cluster "
               "policy; a policy looser than these is reported.")
    return "\n".join(out) + "\n"


def write_outputs(output_dir: Path, compiled: Sequence[CompiledPolicy],
                  cover: Sequence[Coverage]) -> list[Path]:
    """One ``<name>.cluster-policy.json`` per policy (the API body), the Terraform file, the
    bundle snippet and ``coverage.json`` / ``NOTES.txt`` (what is enforced, what is not)."""
    files: dict[str, str] = {}
    for c in compiled:
        files[f"{c.name}.cluster-policy.json"] = json.dumps(c.to_api(), indent=2, sort_keys=True) + "\n"
    files["cluster-policies.tf"] = terraform(compiled)
    files["bundle-cluster-policies.yml"] = bundle_snippet(compiled)
    files["coverage.json"] = json.dumps(
        {"policies": [c.name for c in compiled], "rules": [c.to_dict() for c in cover]},
        indent=2) + "\n"
    files["NOTES.txt"] = notes_text(compiled, cover)
    return write_files(output_dir, files)


def compile_command(*, config_path: str | None, output_dir: Path,
                    name: str | None = None
                    ) -> tuple[list[Path], list[CompiledPolicy], list[Coverage], list[str]]:
    """`meshgov infra compile-cluster-policies`: the policies for the domain's parameters.

    Returns the files written, the policies, the coverage, and the federation violations of the
    domain's configuration (a parameter it tried to loosen: the global value was compiled)."""
    from meshgov.api import resolve_config
    from meshgov.core.catalog import load_catalog

    cfg = resolve_config([Path.cwd()], config_path)
    catalog = load_catalog(cfg, ("infra",))
    compiled = definitions(catalog.params, name=name or f"meshgov-{cfg.domain or 'mesh'}")
    cover = coverage(catalog.by_kind("infra"), catalog.params)
    problems = [f"{f.location.path or '<config>'}: {f.message}" for f in catalog.findings]
    return write_outputs(output_dir, compiled, cover), compiled, cover, problems
