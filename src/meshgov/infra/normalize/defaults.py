"""What the providers fill in when a configuration leaves an attribute out.

A plan shows a resource with its provider's defaults (``auto_stop_mins: 120`` for a warehouse
that does not set it); sources as written (Terraform HCL, bundles, which deploy through the same
provider) do not. Without these, a rule would fail a warehouse that stops after two idle hours
because it does not say so. Only static defaults are listed (the provider's ``Default:`` /
``SetDefault``), for the attributes the pack reads; computed values stay unset or unknown.

Sources (read 2026-12): terraform-provider-databricks ``sql/resource_sql_endpoint.go``
(auto_stop_mins 120, enable_photon true, max_num_clusters 1, spot_instance_policy
COST_OPTIMIZED), ``clusters/resource_cluster.go`` (autotermination_minutes 60, not for job
clusters), ``jobs/resource_job.go`` (max_concurrent_runs 1); azurerm ``azurerm_databricks_workspace``
(public_network_access_enabled true; custom_parameters.no_public_ip true since azurerm 3.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Terraform type -> attribute path -> the provider's default
TF_DEFAULTS: Mapping[str, Mapping[tuple[str, ...], Any]] = {
    "databricks_sql_endpoint": {
        ("auto_stop_mins",): 120,
        ("enable_photon",): True,
        ("max_num_clusters",): 1,
        ("spot_instance_policy",): "COST_OPTIMIZED",
    },
    "databricks_cluster": {("autotermination_minutes",): 60},
    "databricks_job": {("max_concurrent_runs",): 1},
    "azurerm_databricks_workspace": {
        ("public_network_access_enabled",): True,
        ("custom_parameters", "no_public_ip"): True,
    },
}

#: bundle resource group -> the Terraform type it is deployed as
BUNDLE_TYPES: Mapping[str, str] = {
    "jobs": "databricks_job",
    "clusters": "databricks_cluster",
    "sql_warehouses": "databricks_sql_endpoint",
}


def with_defaults(tf_type: str, body: Mapping[str, Any], *, blocks_as_lists: bool,
                  unknown: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``body`` with the provider's defaults where it leaves an attribute out (not where its
    value is unknown: ``unknown`` holds those paths, dotted). ``blocks_as_lists``: nested blocks
    are lists of one mapping, as in a plan (HCL), or mappings (bundles)."""
    out = dict(body)
    for path, value in TF_DEFAULTS.get(tf_type, {}).items():
        if ".".join(path) in unknown or path[0] in unknown:
            continue
        _set_default(out, path, value, blocks_as_lists)
    return out


def _set_default(body: dict[str, Any], path: tuple[str, ...], value: Any, as_lists: bool) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if body.get(head) is None and head not in body:
            body[head] = value
        return
    current = body.get(head)
    if current is None and head not in body:
        inner: dict[str, Any] = {}
        _set_default(inner, rest, value, as_lists)
        body[head] = [inner] if as_lists else inner
    elif isinstance(current, Mapping):
        inner = dict(current)
        _set_default(inner, rest, value, as_lists)
        body[head] = inner
    elif isinstance(current, list) and len(current) == 1 and isinstance(current[0], Mapping):
        inner = dict(current[0])
        _set_default(inner, rest, value, as_lists)
        body[head] = [inner]
