"""How Databricks applies a cluster policy definition to a cluster spec (a test model).

From the compute policy reference: each attribute path (dots join nested names, e.g.
``custom_tags.owner``, ``autoscale.max_workers``) has one limitation:

- ``fixed``      the value is set to ``value``; a different value is rejected;
- ``forbidden``  the attribute must not be set;
- ``allowlist`` / ``blocklist`` / ``regex`` (anchored to the whole value) / ``range``
  (``minValue`` / ``maxValue``) / ``unlimited``: limiting types; an attribute left out takes
  ``defaultValue`` (``apply_policy_default_values``), else is rejected unless ``isOptional``;
- the virtual attribute ``cluster_type`` (``all-purpose``, ``job``, ``dlt``) limits which
  clusters may use the policy.

A cluster created under a policy carries its ``policy_id``. Attributes a definition does not
name are not limited. Used by the round-trip tests of the compiled cluster policies.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

_MISSING = object()


def _get(spec: Mapping[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    if head in ("custom_tags", "spark_conf", "spark_env_vars") and rest:
        block = spec.get(head)
        return block.get(rest, _MISSING) if isinstance(block, Mapping) else _MISSING
    if rest:
        inner = spec.get(head)
        return _get(inner, rest) if isinstance(inner, Mapping) else _MISSING
    return spec.get(head, _MISSING)


def _set(spec: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        inner = spec.setdefault(head, {})
        if head in ("custom_tags", "spark_conf", "spark_env_vars"):
            inner[rest] = value
        else:
            _set(inner, rest, value)
    else:
        spec[head] = value


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _admitted(lim: Mapping[str, Any], v: Any) -> bool:
    t = lim.get("type", "unlimited")
    if t == "allowlist":
        return v in lim.get("values", [])
    if t == "blocklist":
        return v not in lim.get("values", [])
    if t == "regex":
        return isinstance(v, str) and re.fullmatch(str(lim["pattern"]), v) is not None
    if t == "range":
        return _number(v) and lim.get("minValue", float("-inf")) <= v <= lim.get("maxValue", float("inf"))
    return True  # unlimited


def apply(definition: Mapping[str, Any], spec: Mapping[str, Any], cluster_type: str,
          policy_id: str = "policy-1") -> dict[str, Any] | None:
    """The cluster as created under the policy, or None when the policy rejects it."""
    out = copy.deepcopy(dict(spec))
    for path, lim in definition.items():
        t = lim.get("type", "unlimited")
        if path == "cluster_type":
            if t == "fixed" and lim.get("value") != cluster_type:
                return None
            if t in ("allowlist", "blocklist") and not _admitted(lim, cluster_type):
                return None
            continue
        value = _get(out, path)
        if t == "fixed":
            if value is not _MISSING and value != lim.get("value"):
                return None
            _set(out, path, lim.get("value"))
            continue
        if t == "forbidden":
            if value is not _MISSING:
                return None
            continue
        if value is _MISSING:
            if "defaultValue" in lim:
                value = lim["defaultValue"]
                _set(out, path, value)
            elif lim.get("isOptional"):
                continue
            else:
                return None
        if not _admitted(lim, value):
            return None
    out["policy_id"] = policy_id
    return out
