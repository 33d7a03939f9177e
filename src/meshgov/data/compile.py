"""Data policies -> GX Expectation Suites, as plain JSON-ready dicts (no GX import here).

Each governed table gets one suite named after the table. Each policy becomes one
expectation whose ``meta.meshgov`` names the policy (GX returns results out of order; the
evaluator matches them back by this meta). Values only known at validation time are GX suite
parameters (``{"$PARAMETER": name}``), so a written suite loads in GX unchanged:

- ``freshness``   ``min_value`` of ``expect_column_max_to_be_between`` = now - max_age
  (parameter ``meshgov_min_ts__<policy>``, an ISO timestamp);
- ``referential`` ``value_set`` of ``expect_column_values_to_be_in_set`` = the distinct
  values of ``ref_column`` in ``ref_table`` (parameter ``meshgov_ref__<policy>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.model import Policy
from meshgov.data.selection import select_tables, universe

GX_SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}
GX_VERSION = "1.24"

_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN",
        "not_in": "NOT_IN"}


@dataclass(frozen=True)
class Compiled:
    """One policy's expectation for one table."""

    policy: Policy
    table: str
    config: Mapping[str, Any] = field(hash=False)  # {"type", "kwargs", "meta", "severity"}

    @property
    def type(self) -> str:
        return str(self.config["type"])

    @property
    def kwargs(self) -> Mapping[str, Any]:
        return self.config["kwargs"]  # type: ignore[no-any-return]

    @property
    def column(self) -> str | None:
        col = self.kwargs.get("column")
        return col if isinstance(col, str) else None

    @property
    def row_level(self) -> bool:
        """Column-map expectations count unexpected rows (and can show examples)."""
        return self.type.startswith("expect_column_values_") or \
            self.type.startswith("expect_column_value_lengths_")

    def parameter(self) -> str | None:
        """The suite parameter this expectation needs at validation time, if any."""
        for v in self.kwargs.values():
            if isinstance(v, Mapping) and "$PARAMETER" in v:
                return str(v["$PARAMETER"])
        return None


def policy_of(config: Mapping[str, Any]) -> str:
    """The policy id an expectation config was compiled from (its ``meta.meshgov.policy``)."""
    return str(((config.get("meta") or {}).get("meshgov") or {}).get("policy", ""))


def resolved(config: Mapping[str, Any], params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config with its suite parameters (``{"$PARAMETER": name}``) replaced by their values
    (a parameter not in ``params`` stays a placeholder)."""
    kwargs = {k: params[v["$PARAMETER"]] if isinstance(v, Mapping) and "$PARAMETER" in v
              and v["$PARAMETER"] in params else v for k, v in config["kwargs"].items()}
    return {**config, "kwargs": kwargs}


def param_name(prefix: str, policy_id: str) -> str:
    return f"{prefix}__{re.sub(r'[^A-Za-z0-9_]', '_', policy_id)}"


def row_condition(where: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``where`` conditions -> a GX 1.x row condition (Condition objects, serialized)."""
    parts: list[dict[str, Any]] = []
    for cond in where:
        col = {"name": cond["column"]}
        op = cond["op"]
        if op in ("is_null", "is_not_null"):
            parts.append({"type": "nullity", "column": col, "is_null": op == "is_null"})
        else:
            value = cond["value"]
            parts.append({"type": "comparison", "column": col, "operator": _OPS[op],
                          "parameter": list(value) if isinstance(value, list) else value})
    if len(parts) == 1:
        return parts[0]
    return {"type": "and", "conditions": parts}


def expectation_for(policy: Policy) -> dict[str, Any]:
    """The GX expectation configuration a data policy compiles to (table-independent)."""
    p = policy.params
    rule = policy.rule
    col = p.get("column")
    kwargs: dict[str, Any]
    if rule == "not_null":
        etype, kwargs = "expect_column_values_to_not_be_null", {"column": col}
    elif rule == "unique":
        etype, kwargs = "expect_column_values_to_be_unique", {"column": col}
    elif rule == "positive":
        etype, kwargs = "expect_column_values_to_be_between", \
            {"column": col, "min_value": 0, "strict_min": True}
    elif rule == "non_negative":
        etype, kwargs = "expect_column_values_to_be_between", {"column": col, "min_value": 0}
    elif rule == "between":
        etype = "expect_column_values_to_be_between"
        kwargs = {"column": col}
        for ours, theirs in (("min", "min_value"), ("max", "max_value"),
                             ("strict_min", "strict_min"), ("strict_max", "strict_max")):
            if p.get(ours) is not None:
                kwargs[theirs] = p[ours]
    elif rule == "in_set":
        etype, kwargs = "expect_column_values_to_be_in_set", \
            {"column": col, "value_set": list(p["values"])}
    elif rule == "matches_regex":
        etype, kwargs = "expect_column_values_to_match_regex", {"column": col, "regex": p["regex"]}
    elif rule == "pii_masked":
        etype, kwargs = "expect_column_values_to_match_regex", {"column": col, "regex": p["mask"]}
    elif rule == "max_length":
        etype, kwargs = "expect_column_value_lengths_to_be_between", \
            {"column": col, "max_value": p["length"]}
    elif rule == "row_count_between":
        etype = "expect_table_row_count_to_be_between"
        kwargs = {k2: p[k1] for k1, k2 in (("min", "min_value"), ("max", "max_value"))
                  if p.get(k1) is not None}
    elif rule == "freshness":
        etype = "expect_column_max_to_be_between"
        kwargs = {"column": col, "min_value": {"$PARAMETER": param_name("meshgov_min_ts", policy.id)}}
    elif rule == "referential":
        etype = "expect_column_values_to_be_in_set"
        kwargs = {"column": col,
                  "value_set": {"$PARAMETER": param_name("meshgov_ref", policy.id)}}
    elif rule == "expectation":
        etype, kwargs = str(p["expectation"]), dict(p.get("kwargs") or {})
    else:  # pragma: no cover - the vocabulary validated the rule name
        raise ValueError(f"unknown data rule {rule!r}")
    if p.get("mostly") is not None:
        kwargs["mostly"] = p["mostly"]
    if p.get("where"):
        kwargs["row_condition"] = row_condition(p["where"])
    meta: dict[str, Any] = {"policy": policy.id, "rule": rule, "title": policy.title,
                            "severity": policy.severity}
    if rule == "freshness":
        meta["max_age"] = p["max_age"]
    if rule == "referential":
        meta["ref_table"], meta["ref_column"] = p["ref_table"], p["ref_column"]
    return {"type": etype, "kwargs": kwargs, "meta": {"meshgov": meta},
            "severity": GX_SEVERITY[policy.severity]}


def compile_catalog(
    policies: Sequence[Policy],
    bindings: Mapping[str, Mapping[str, Any]],
    catalog: Catalog,
    *,
    only: Sequence[str] | None = None,
) -> dict[str, list[Compiled]]:
    """table -> its compiled expectations (tables in ``only``, default: every selectable one)."""
    pool = list(only) if only is not None else universe(bindings, catalog.registry)
    out: dict[str, list[Compiled]] = {}
    for policy in sorted(policies, key=lambda x: x.id):
        config = expectation_for(policy)
        chosen = select_tables(policy, pool, bindings, catalog.registry)
        if only is not None:
            keep = {t.lower() for t in only}
            chosen = [t for t in chosen if t.lower() in keep]
        for table in chosen:
            out.setdefault(table, []).append(Compiled(policy, table, config))
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def suite_dict(table: str, compiled: Sequence[Compiled]) -> dict[str, Any]:
    """The GX ExpectationSuite JSON for one table (loads with ``ExpectationSuite(**d)``)."""
    return {
        "name": table,
        "expectations": [dict(c.config) for c in compiled],
        "meta": {"great_expectations_version": GX_VERSION,
                 "meshgov": {"table": table, "policies": [c.policy.id for c in compiled]}},
        "notes": None,
    }


def suite_filename(table: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", table) + ".json"


def _check_with_gx(suites: Mapping[str, Sequence[Compiled]]) -> None:
    """Expectations named directly (rule ``expectation``) must be ones GX knows, with valid kwargs."""
    direct = {c.policy.id: c for items in suites.values() for c in items
              if c.policy.rule == "expectation"}
    if not direct:
        return
    from meshgov.core.errors import ConfigError
    from meshgov.data.gxrun import config_problem

    for pid, c in sorted(direct.items()):
        problem = config_problem(c.config)
        if problem:
            raise ConfigError(c.policy.origin or "<policy>", pid, problem)


def compile_command(*, catalog: Catalog, config_path: str | None, output_dir: Path,
                    target: str = "gx", actions: Sequence[str] = ()) -> tuple[list[Path], list[str]]:
    """`meshgov data compile`: write the target's files for every governed table.

    ``gx``: one GX suite JSON per table. ``lakeflow`` / ``check-constraints``: the row-level
    rules as pipeline expectations or Delta CHECK constraints (meshgov.data.pipeline), and
    ``coverage.json``. Returns the paths written and one note per policy that did not compile.
    """
    from meshgov.api import resolve_config
    from meshgov.core.atomic import write_files

    cfg = resolve_config([Path.cwd()], config_path)
    suites = compile_catalog(catalog.by_kind("data"), cfg.data, catalog)
    _check_with_gx(suites)
    files: dict[str, str] = {}
    notes: list[str] = []
    if target == "gx":
        for table, compiled in suites.items():
            files[suite_filename(table)] = json.dumps(suite_dict(table, compiled), indent=2,
                                                      sort_keys=True) + "\n"
    else:
        from meshgov.data import pipeline

        chosen = pipeline.parse_actions(actions)
        done, left = pipeline.row_constraints(suites)
        files = pipeline.render(target, done, left, chosen) if (done or left) else {}
        notes = [f"{n.policy_id} on {n.table} ({n.rule}) not compiled: {n.why}" for n in left]
    return write_files(output_dir, files), notes
