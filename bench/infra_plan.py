"""Generate Terraform plan JSON (``terraform show -json`` format 1.2) for the Databricks provider.

Used by bench/infra_bench.py (1k/10k/100k resources) and to write the committed fixtures::

    python bench/infra_plan.py 1000 > /tmp/plan.json      # a 1,000-resource plan
"""

from __future__ import annotations

import json
import sys
from typing import Any


def change(tf_type: str, name: str, after: dict[str, Any] | None, actions: list[str] | None = None,
           *, sensitive: dict[str, Any] | None = None, unknown: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "address": f"{tf_type}.{name}",
        "mode": "managed",
        "type": tf_type,
        "name": name,
        "provider_name": "registry.terraform.io/databricks/databricks"
        if tf_type.startswith("databricks_") else "registry.terraform.io/hashicorp/azurerm",
        "change": {
            "actions": actions or ["create"],
            "before": None if (actions or ["create"]) == ["create"] else {},
            "after": after,
            "after_unknown": unknown or {"id": True},
            "before_sensitive": False,
            "after_sensitive": sensitive or {},
        },
    }


def plan(changes: list[dict[str, Any]], version: str = "1.2") -> dict[str, Any]:
    return {
        "format_version": version,
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"databricks": {"name": "databricks"}}},
    }


def good_cluster(i: int) -> dict[str, Any]:
    return {
        "cluster_name": f"etl-{i}", "spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2",
        "autotermination_minutes": 30, "autoscale": [{"min_workers": 1, "max_workers": 8}],
        "data_security_mode": "USER_ISOLATION", "enable_local_disk_encryption": True,
        "policy_id": "E0631F5C0D000E6A",
        "custom_tags": {"owner": "sales-data", "domain": "sales", "cost-center": "4711"},
        "spark_conf": {"spark.sql.shuffle.partitions": "64"}, "spark_env_vars": {},
    }


def good_warehouse(i: int) -> dict[str, Any]:
    return {"name": f"bi-{i}", "cluster_size": "Small", "auto_stop_mins": 20, "max_num_clusters": 2,
            "enable_serverless_compute": True, "warehouse_type": "PRO",
            "tags": [{"custom_tags": [{"key": "domain", "value": "sales"}]}]}


def good_job(i: int) -> dict[str, Any]:
    return {
        "name": f"nightly-{i}", "timeout_seconds": 7200, "max_concurrent_runs": 1,
        "run_as": [{"service_principal_name": "9f0c1a2b-0000-4000-8000-000000000001"}],
        "job_cluster": [{"job_cluster_key": "main", "new_cluster": [{
            "spark_version": "15.4.x-scala2.12", "num_workers": 4, "data_security_mode": "SINGLE_USER",
            "enable_local_disk_encryption": True, "policy_id": "E0631F5C0D000E6A",
            "custom_tags": {"owner": "sales-data", "domain": "sales", "cost-center": "4711"}}]}],
        "task": [{"task_key": "load", "job_cluster_key": "main",
                  "notebook_task": [{"notebook_path": "/Repos/sales/load"}]}],
    }


def generated(n: int, violation_every: int = 10) -> dict[str, Any]:
    """A plan with ``n`` resource changes: clusters, warehouses, jobs, grants, schemas (mixed).

    Every ``violation_every``-th resource breaks a rule (oversized, no auto-stop, ...).
    """
    out = []
    for i in range(n):
        bad = violation_every and i % violation_every == 0
        k = i % 5
        if k == 0:
            after = good_cluster(i)
            if bad:
                after["autotermination_minutes"] = 0
            out.append(change("databricks_cluster", f"c{i}", after))
        elif k == 1:
            after = good_warehouse(i)
            if bad:
                after["cluster_size"] = "4X-Large"
            out.append(change("databricks_sql_endpoint", f"w{i}", after))
        elif k == 2:
            after = good_job(i)
            if bad:
                after.pop("timeout_seconds")
            out.append(change("databricks_job", f"j{i}", after))
        elif k == 3:
            privs = ["ALL_PRIVILEGES"] if bad else ["USE_CATALOG", "USE_SCHEMA", "SELECT"]
            out.append(change("databricks_grants", f"g{i}", {
                "catalog": f"sales_{i}", "grant": [{"principal": "account users" if bad else "sales-readers",
                                                     "privileges": privs}]}))
        else:
            out.append(change("databricks_schema", f"s{i}", {
                "catalog_name": "sales_prod", "name": f"s{i}",
                "owner": "jane@corp.example" if bad else "sales-owners"}))
    return plan(out)


if __name__ == "__main__":
    json.dump(generated(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), sys.stdout, indent=1)
