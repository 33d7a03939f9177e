"""Recognise infra inputs: Terraform plans, Databricks specs, bundles, ARM templates.

Cheap by design (it runs on every file a pre-commit hook passes): the file name decides,
and for ``*.json`` at most the first 4 KiB are read.

- ``databricks.yml`` / ``databricks.yaml``                       -> databricks_bundle
- ``*.cluster.json``, ``*.warehouse.json``, ``*.job.json``,
  ``*.cluster-policy.json``, ``*.grants.json``, ``*.workspace-conf.json``,
  ``*.catalog.json``                                              -> databricks_*_spec (REST JSON)
- ``*.json`` whose head has ``"terraform_version"`` or ``"resource_changes"`` (``terraform
  show -json``)                                                   -> terraform_plan
- ``*.json`` whose head has ``deploymentTemplate.json#``          -> arm_template
"""

from __future__ import annotations

from pathlib import Path

BUNDLE_NAMES = frozenset({"databricks.yml", "databricks.yaml"})
SPEC_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".cluster.json", "databricks_cluster_spec"),
    (".warehouse.json", "databricks_warehouse_spec"),
    (".job.json", "databricks_job_spec"),
    (".cluster-policy.json", "databricks_cluster_policy_spec"),
    (".cluster_policy.json", "databricks_cluster_policy_spec"),
    (".grants.json", "databricks_grants_spec"),
    (".workspace-conf.json", "databricks_workspace_conf_spec"),
    (".workspace_conf.json", "databricks_workspace_conf_spec"),
    (".catalog.json", "databricks_catalog_spec"),
)
HEAD_BYTES = 4096


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""


def classify(path: Path) -> str | None:
    name = path.name.lower()
    if name in BUNDLE_NAMES:
        return "databricks_bundle"
    if not name.endswith(".json"):
        return None
    for suffix, kind in SPEC_SUFFIXES:
        if name.endswith(suffix):
            return kind
    if name in ("package.json", "package-lock.json", "manifest.json", "tsconfig.json"):
        return None
    head = _head(path)
    if b'"terraform_version"' in head or b'"resource_changes"' in head:
        return "terraform_plan"
    if b"deploymentTemplate.json#" in head:
        return "arm_template"
    return None
