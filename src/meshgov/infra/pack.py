"""The Rego pack as the engines load it: modules, data, and two generated modules.

- ``meshgov.entry`` has one rule per resource type collecting, for every policy that applies to
  that type, ``[deny, warn]``: one evaluation per resource runs only the relevant packages;
- ``meshgov.batch`` evaluates a list of resources in one query (``input.resources``), for the
  OPA server, where a round trip per resource would dominate; its answer names the pack it was
  evaluated with (``data.meshgov.pack.hash``, a module the OPA engine pushes last), so that a
  run notices when another run replaced the pack on a shared server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.model import Policy
from meshgov.infra.metadata import RegoModule, read_module
from meshgov.infra.resource import RESOURCE_TYPES

ENTRY_PACKAGE = "meshgov.entry"
BATCH_PACKAGE = "meshgov.batch"
STAMP_PACKAGE = "meshgov.pack"
ANY_TYPE = "any"  # entry rule for resource types no policy names


@dataclass(frozen=True)
class PolicyRules:
    """One policy of an entry rule: its id and the full paths of its deny/warn rules (if any)."""

    policy_id: str
    deny: str | None
    warn: str | None


@dataclass(frozen=True)
class Pack:
    modules: tuple[RegoModule, ...]
    #: package path ("meshgov.infra.cluster.workers") -> policy
    policies: Mapping[str, Policy] = field(default_factory=dict, hash=False)
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: resource type -> entry rule name
    entries: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def data_json(self) -> str:
        return json.dumps(self.data, sort_keys=True)

    def entry_for(self, rtype: str) -> str:
        return self.entries.get(rtype, ANY_TYPE)

    def entry_rules(self) -> list[str]:
        """Full paths of the entry rules (data.meshgov.entry.cluster, ...)."""
        return [f"data.{ENTRY_PACKAGE}.{r}" for r in sorted(set(self.entries.values()) | {ANY_TYPE})]

    def generated(self) -> tuple[RegoModule, RegoModule]:
        return entry_module(self), batch_module(self)

    def all_modules(self) -> tuple[RegoModule, ...]:
        return (*self.modules, *self.generated())


def entry_items(pack: Pack, rule: str) -> tuple[PolicyRules, ...]:
    """The policies an entry rule collects, by policy id, with their deny/warn rule paths."""
    by_pkg = {m.package: m for m in pack.modules if m.package in pack.policies}
    items = []
    for pkg, policy in sorted(pack.policies.items(), key=lambda kv: kv[1].id):
        types = policy.scope.get("resource_types") or []
        if not types or (rule != ANY_TYPE and rule in types):
            mod = by_pkg[pkg]
            items.append(PolicyRules(policy.id,
                                     f"data.{pkg}.deny" if "deny" in mod.rules else None,
                                     f"data.{pkg}.warn" if "warn" in mod.rules else None))
    return tuple(items)


def entry_expansions(pack: Pack) -> dict[str, tuple[PolicyRules, ...]]:
    """Full entry rule path -> the policy rules it collects (an engine may evaluate them itself)."""
    return {f"data.{ENTRY_PACKAGE}.{rule}": entry_items(pack, rule)
            for rule in sorted(set(pack.entries.values()) | {ANY_TYPE})}


def entry_module(pack: Pack) -> RegoModule:
    lines = [f"package {ENTRY_PACKAGE}", "", "import rego.v1", ""]
    for rule in sorted(set(pack.entries.values()) | {ANY_TYPE}):
        lines.append(f"{rule} := {{")
        for item in entry_items(pack, rule):
            lines.append(f"\t{json.dumps(item.policy_id)}: [{item.deny or 'set()'}, {item.warn or 'set()'}],")
        lines.append("}")
        lines.append("")
    text = "\n".join(lines)
    return RegoModule("meshgov_entry.rego", text, ENTRY_PACKAGE, tuple(sorted(set(pack.entries.values()) | {ANY_TYPE})), {})


def batch_module(pack: Pack) -> RegoModule:
    lines = [f"package {BATCH_PACKAGE}", "", "import rego.v1", "",
             f"results := {{\"pack\": data.{STAMP_PACKAGE}.hash, "
             "\"values\": [r | some doc in input.resources; r := one with input as doc]}", ""]
    types = sorted(t for t in pack.entries)
    if types:
        first, *rest = types
        lines.append(f"one := data.{ENTRY_PACKAGE}.{pack.entries[first]} if input.type == {json.dumps(first)}")
        for t in rest:
            lines.append(f"else := data.{ENTRY_PACKAGE}.{pack.entries[t]} if input.type == {json.dumps(t)}")
        lines.append(f"else := data.{ENTRY_PACKAGE}.{ANY_TYPE}")
    else:
        lines.append(f"one := data.{ENTRY_PACKAGE}.{ANY_TYPE}")
    return RegoModule("meshgov_batch.rego", "\n".join(lines) + "\n", BATCH_PACKAGE, ("results", "one"), {})


def stamp_module(digest: str) -> RegoModule:
    """The module that says which pack a server holds (pushed after every other module)."""
    text = f"package {STAMP_PACKAGE}\n\nimport rego.v1\n\nhash := {json.dumps(digest)}\n"
    return RegoModule("meshgov_pack.rego", text, STAMP_PACKAGE, ("hash",), {})


def load_pack(catalog: Catalog, policies: Sequence[Policy] | None = None,
              extra_files: Sequence[str | Path] = ()) -> Pack:
    """The catalog's Rego modules (plus ``extra_files``, e.g. tests) and its params as data."""
    modules = [read_module(f) for f in (*catalog.rego_files, *map(str, extra_files))]
    chosen = policies if policies is not None else catalog.by_kind("infra")
    by_rule = {p.rule.removeprefix("data."): p for p in chosen}
    packages = {m.package for m in modules}
    pol = {pkg: p for pkg, p in by_rule.items() if pkg in packages}
    types: set[str] = set(RESOURCE_TYPES)
    for p in pol.values():
        types.update(p.scope.get("resource_types") or [])
    entries = {t: t for t in sorted(types) if t.isidentifier() and t != ANY_TYPE}
    return Pack(modules=tuple(modules), policies=pol,
                data={"meshgov": {"params": catalog.nested_params()}}, entries=entries)
