"""ARM templates: ``Microsoft.Databricks/workspaces`` resources -> workspace resources.

Simple ``[parameters('x')]`` expressions are resolved from the template's parameter defaults;
any other expression is kept as text (and a rule reading it sees an unknown value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from meshgov.infra.normalize.build import make_resources
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.resource import Resource, SourceRef

WORKSPACE_TYPE = "microsoft.databricks/workspaces"
_PARAM = re.compile(r"^\[parameters\('([^']+)'\)\]$")


def _resolve(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        m = _PARAM.match(value.strip())
        if m and isinstance(params.get(m.group(1)), Mapping) and "defaultValue" in params[m.group(1)]:
            return params[m.group(1)]["defaultValue"]
        return value
    if isinstance(value, Mapping):
        return {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


def _param_value(props: Mapping[str, Any], name: str) -> Any:
    p = props.get("parameters")
    if isinstance(p, Mapping) and isinstance(p.get(name), Mapping):
        return p[name].get("value")
    return None


def is_arm_template(data: Any) -> bool:
    return isinstance(data, Mapping) and "deploymentTemplate" in str(data.get("$schema", ""))


def from_arm(data: Any, path: str, lines: Mapping[tuple[Any, ...], int]) -> list[Resource]:
    if not isinstance(data, Mapping):
        raise NormalizeError("not an ARM template: expected a JSON object", 1)
    resources = data.get("resources")
    resources = [] if resources is None else resources
    if not isinstance(resources, list):
        raise NormalizeError("ARM template: resources is not a list", lines.get(("resources",)))
    params = data.get("parameters") if isinstance(data.get("parameters"), Mapping) else {}
    out: list[Resource] = []
    for i, res in enumerate(resources):
        if not isinstance(res, Mapping) or str(res.get("type", "")).lower() != WORKSPACE_TYPE:
            continue
        r = _resolve(res, params)
        props = r.get("properties") if isinstance(r.get("properties"), Mapping) else {}
        sku = r.get("sku")
        name = str(r.get("name") or f"resources[{i}]")
        spec = {
            "name": name,
            "sku": sku.get("name") if isinstance(sku, Mapping) else sku,
            "public_network_access": props.get("publicNetworkAccess"),
            "no_public_ip": _param_value(props, "enableNoPublicIp"),
            "infrastructure_encryption": _param_value(props, "requireInfrastructureEncryption"),
            "required_nsg_rules": props.get("requiredNsgRules"),
        }
        out.extend(make_resources(
            "workspace", f"Microsoft.Databricks/workspaces/{name}", spec,
            source=SourceRef("arm_template", path, lines.get(("resources", i))),
            subject_type="arm_resource",
            context={"arm_api_version": r.get("apiVersion")},
        ))
    return out
