"""The one resource document every infra input is normalized to, and that Rego rules read.

``input`` of a Rego rule is :meth:`Resource.to_input`::

    {"type": "cluster", "address": "databricks_cluster.etl",
     "source": {"format": "terraform_plan", "path": "infra/plan.json", "line": 42},
     "spec": {...REST-shaped: nested blocks as objects...},
     "context": {"job_cluster": true, "job": "...", "target": "dev", ...},
     "unknown": ["policy_id"]}

``spec`` follows the Databricks REST API shape whatever the source (a plan's
``autoscale: [{...}]`` becomes ``autoscale: {...}``), so one rule covers a cluster from
Terraform, a bundle, a job task or the REST API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: resource types rules may dispatch on
RESOURCE_TYPES: tuple[str, ...] = (
    "cluster",
    "warehouse",
    "job",
    "cluster_policy",
    "grants",
    "catalog",
    "schema",
    "workspace_conf",
    "workspace",
)


@dataclass(frozen=True)
class SourceRef:
    format: str  # terraform_plan | rest | bundle | arm_template
    path: str | None = None
    line: int | None = None  # 1-based, when the source is YAML/JSON text

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "path": self.path, "line": self.line}


@dataclass(frozen=True)
class Resource:
    type: str
    address: str
    spec: Mapping[str, Any] = field(default_factory=dict, hash=False)
    source: SourceRef = SourceRef("rest")
    #: where the resource sits: job_cluster, job (address), target (bundle), workspace, ...
    context: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: attribute paths only known after apply (Terraform after_unknown)
    unknown: tuple[str, ...] = ()
    #: report subject type (terraform_resource, cluster, warehouse, job, bundle, arm_resource, workspace)
    subject_type: str = "workspace"
    #: string values that must never be copied into a finding (after_sensitive, secrets)
    sensitive: frozenset[str] = frozenset()
    #: top-level attribute -> (path, line, also) that decides it, when the source knows (HCL:
    #: the attribute's line in its .tf file; or the .tfvars line a variable's value came from,
    #: ``also`` then naming the attribute's own place, ``main.tf:26``)
    field_locations: Mapping[str, tuple[str, int, str]] = field(default_factory=dict, hash=False)

    def to_input(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "address": self.address,
            "source": self.source.to_dict(),
            "spec": self.spec,
            "context": self.context,
            "unknown": list(self.unknown),
        }
