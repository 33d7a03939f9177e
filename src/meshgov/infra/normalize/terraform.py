"""Terraform plan JSON (``terraform show -json plan``) -> resources.

Only ``resource_changes`` whose ``actions`` create or update are evaluated (a delete or a
no-op is not a violation), on ``change.after``. Values flagged in ``after_sensitive`` are kept
for the rules but marked sensitive (never copied into a finding); attributes flagged in
``after_unknown`` (computed) are listed in ``unknown``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from meshgov.infra.normalize import shapes
from meshgov.infra.normalize.build import make_resources
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.positions import plan_address_lines
from meshgov.infra.resource import Resource, SourceRef

SUPPORTED_MAJOR = "1"

#: Terraform resource type -> meshgov resource type
TF_TYPES: Mapping[str, str] = {
    "databricks_cluster": "cluster",
    "databricks_sql_endpoint": "warehouse",
    "databricks_job": "job",
    "databricks_cluster_policy": "cluster_policy",
    "databricks_grants": "grants",
    "databricks_catalog": "catalog",
    "databricks_schema": "schema",
    "databricks_workspace_conf": "workspace_conf",
    "azurerm_databricks_workspace": "workspace",
}
EVALUATED_ACTIONS = frozenset({"create", "update"})
#: every action a plan's change may list (Terraform 1.x; "forget" since 1.7)
ACTIONS = frozenset({"no-op", "create", "read", "update", "delete", "forget"})
#: securable keys of databricks_grants
GRANT_SECURABLES = ("metastore", "catalog", "schema", "table", "volume", "function",
                    "external_location", "storage_credential", "model", "share", "foreign_connection")
#: placeholder for reference-like attributes only known after apply (e.g. policy_id = x.id)
UNKNOWN_VALUE = "(known after apply)"


class _BadNumber(ValueError):
    def __init__(self, literal: str, why: str) -> None:
        self.literal = literal
        self.why = why
        super().__init__(why)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _BadNumber(literal, f"the number {literal[:40]} is out of range")
    return value


def _constant(name: str) -> Any:
    raise _BadNumber(name, f"{name} is not a JSON number")


def load_json(text: str) -> Any:
    """The JSON document; NormalizeError (line, column) for what is not strict JSON: syntax,
    ``NaN``/``Infinity``, a number out of float range (``1e400``), an integer longer than
    Python converts (4,300 digits), nesting too deep. Integers are parsed by the C scanner
    (no hook: a plan holds many); floats and constants are rare, their hooks cost nothing."""
    try:
        return json.loads(text, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise NormalizeError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except _BadNumber as exc:
        at = text.find(exc.literal)
        line = text.count("\n", 0, at) + 1 if at >= 0 else None
        column = at - text.rfind("\n", 0, at) if at >= 0 else None
        raise NormalizeError(f"invalid JSON: {exc.why}", line, column) from None
    except ValueError as exc:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        long = re.search(r"\d{4000,}", text)
        at = long.start() if long else -1
        line = text.count("\n", 0, at) + 1 if at >= 0 else None
        column = at - text.rfind("\n", 0, at) if at >= 0 else None
        digits = f"of {long.end() - long.start():,} digits" if long else "too long"
        raise NormalizeError(f"invalid JSON: an integer {digits} ({exc.args[0].split(':')[0]})",
                             line, column) from None
    except RecursionError:
        raise NormalizeError("invalid JSON: nesting too deep") from None


def _flagged(flags: Any, value: Any, prefix: str, out: list[tuple[str, Any]]) -> None:
    """(path, value) of every leaf flagged true in an after_sensitive/after_unknown tree."""
    if flags is True:
        out.append((prefix, value))
        return
    if isinstance(flags, Mapping):
        for k, f in flags.items():
            v = value.get(k) if isinstance(value, Mapping) else None
            _flagged(f, v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(flags, list):
        for i, f in enumerate(flags):
            v = value[i] if isinstance(value, list) and i < len(value) else None
            _flagged(f, v, f"{prefix}.{i}" if prefix else str(i), out)


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        if value:
            out.add(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    elif value is not None and not isinstance(value, bool):
        out.add(str(value))


def _spec(tf_type: str, rtype: str, after: Mapping[str, Any], where: str) -> dict[str, Any]:
    if rtype == "job":
        return dict(shapes.unwrap_blocks(after, top_renames=shapes.job_renames()))
    body = shapes.unwrap_blocks(after)
    if rtype == "cluster_policy":
        return shapes.canonical_policy(body, where)
    if rtype == "grants":
        securable = next(((k, body[k]) for k in GRANT_SECURABLES if body.get(k)), (None, None))
        return {"securable_type": securable[0], "securable_name": securable[1],
                "grants": shapes.canonical_grants(body.get("grants"))}
    if rtype == "workspace_conf":
        return shapes.canonical_workspace_conf(body.get("custom_config"))
    if rtype == "workspace":
        params = body.get("custom_parameters") if isinstance(body.get("custom_parameters"), Mapping) else {}
        pna = body.get("public_network_access_enabled")
        return {
            "name": body.get("name"),
            "sku": body.get("sku"),
            "public_network_access": None if pna is None else ("Enabled" if pna else "Disabled"),
            "no_public_ip": params.get("no_public_ip"),
            "infrastructure_encryption": params.get("infrastructure_encryption_enabled"),
        }
    return dict(body)


def from_plan(text: str, path: str) -> list[Resource]:
    """Resources of a plan; raises NormalizeError for what cannot be read as a plan."""
    data = load_json(text)
    if not isinstance(data, Mapping):
        raise NormalizeError("not a Terraform plan: expected a JSON object")
    version = data.get("format_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise NormalizeError(
            f"unsupported Terraform plan format_version {version!r} "
            f"(meshgov reads format {SUPPORTED_MAJOR}.x of `terraform show -json`)", 1)
    changes = data.get("resource_changes", [])  # absent when the plan changes nothing
    if not isinstance(changes, list):
        raise NormalizeError(f"not a Terraform plan: resource_changes is {_kind(changes)}, "
                             "expected a list", _key_line(text, "resource_changes"))
    lines = plan_address_lines(text) if changes else {}
    out: list[Resource] = []
    for i, rc in enumerate(changes):
        if not isinstance(rc, Mapping):
            raise NormalizeError(f"resource_changes[{i}] is not an object", lines.get("", None))
        rtype = TF_TYPES.get(str(rc.get("type")))
        if rtype is None or rc.get("mode", "managed") != "managed":
            continue
        change = rc.get("change")
        address = str(rc.get("address") or f"{rc.get('type')}.{rc.get('name')}")
        if not isinstance(change, Mapping):
            raise NormalizeError(f"{address}: change is not an object", lines.get(address))
        actions = change.get("actions")
        if (not isinstance(actions, list) or not actions
                or not all(isinstance(a, str) and a in ACTIONS for a in actions)):
            raise NormalizeError(f"{address}: change.actions is {json.dumps(actions)[:60]}, expected "
                                 f"a list of {', '.join(sorted(ACTIONS))}", lines.get(address))
        if not EVALUATED_ACTIONS.intersection(actions):
            continue
        after = change.get("after")
        if not isinstance(after, Mapping):
            raise NormalizeError(f"{address}: change.after is not an object for a {'/'.join(map(str, actions))}",
                                 lines.get(address))
        flagged: list[tuple[str, Any]] = []
        _flagged(change.get("after_sensitive"), after, "", flagged)
        sensitive: set[str] = set()
        for _, v in flagged:
            _strings(v, sensitive)
        unknown_flags: list[tuple[str, Any]] = []
        _flagged(change.get("after_unknown"), after, "", unknown_flags)
        line = lines.get(address)
        out.extend(resources_of(
            str(rc.get("type")), address, after, tuple(sorted(p for p, _ in unknown_flags)),
            source=SourceRef("terraform_plan", path, line),
            context={"terraform_type": rc.get("type"), "actions": list(map(str, actions))},
            sensitive=frozenset(sensitive)))
    return out


def _kind(value: Any) -> str:
    return "null" if value is None else "an object" if isinstance(value, Mapping) else type(value).__name__


def _key_line(text: str, key: str) -> int | None:
    at = text.find(f'"{key}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def resources_of(tf_type: str, address: str, after: Mapping[str, Any], unknown: tuple[str, ...], *,
                 source: SourceRef, context: Mapping[str, Any], sensitive: frozenset[str] = frozenset(),
                 field_locations: Mapping[str, tuple[str, int, str]] | None = None) -> list[Resource]:
    """The resources of one Terraform resource instance: its attributes as a plan's
    ``change.after`` shapes them, ``unknown`` its after_unknown paths (plan or HCL)."""
    rtype = TF_TYPES[tf_type]
    spec = _spec(tf_type, rtype, after, address)
    for p in unknown:
        if "." not in p and p not in spec and (p.endswith("_id") or p in ("owner",)):
            spec[p] = UNKNOWN_VALUE
    out = make_resources(rtype, address, spec, source=source, subject_type="terraform_resource",
                         line_of=lambda _p, _l=source.line: _l, context=context,
                         unknown=_rest_paths(unknown), sensitive=sensitive)
    if field_locations:
        out = [replace(r, field_locations=field_locations) if r.address == address else r for r in out]
    return out


def _rest_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    """after_unknown paths in the REST shape (``autoscale.0.max_workers`` -> ``autoscale.max_workers``)."""
    out = []
    for p in paths:
        parts = p.split(".")
        kept = [RENAME if (RENAME := shapes.RENAMES.get(x)) else x for x in parts]
        cleaned = [x for j, x in enumerate(kept)
                   if not (x == "0" and j > 0 and parts[j - 1] in shapes.SINGLE_BLOCKS)]
        out.append(".".join(cleaned))
    return tuple(out)
