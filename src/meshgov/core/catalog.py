"""The catalog: every policy in force for a domain, with parameters and the product registry.

A *pack* is a directory (the shipped ``checks/`` + ``rego/`` is the pack named ``builtin``):

- ``pack.yaml``      name, declared ``params`` (default and tightening direction), ``approved_waivers``
- ``products.yml``   the mesh's registry of domains and published products
- ``*.yaml|*.yml``   policy files: ``{kind: code|data, policies: [...]}``
- ``*.rego``         infra policies (``*_test.rego`` are their unit tests)

Global packs come from ``policies.packs``; a domain's own files from ``policies.local``.
A domain may add policies and tighten parameters; an attempt to loosen a parameter, disable
or redefine a global policy is reported as a finding and has no effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from meshgov.core import builtin
from meshgov.core.config import BUILTIN_PACK, DomainConfig, parse_waivers
from meshgov.core.errors import ConfigError, MeshgovError
from meshgov.core.lazy import load
from meshgov.core.model import KINDS, SEVERITIES, Finding, Kind, Location, Policy, Subject, Waiver
from meshgov.core.products import DomainEntry, ProductRegistry, build_registry, parse_registry
from meshgov.core.yamlio import YamlError, load_file
from meshgov.core.yamlpos import find_item_with, position

PACK_FILE = "pack.yaml"
PRODUCTS_FILES = ("products.yml", "products.yaml")
COMMON_POLICY_KEYS = frozenset(
    {"id", "kind", "rule", "title", "description", "severity", "enforced", "rationale",
     "remediation", "scope", "example"}
)

#: per-kind validators of a policy entry's remaining keys -> (rule, params). Imported lazily.
KIND_VALIDATORS: Mapping[str, str] = {
    "code": "meshgov.code.registry:validate_policy",
    "data": "meshgov.data.vocabulary:validate_policy",
}
#: reads policies (with their metadata) out of Rego files
REGO_LOADER = "meshgov.infra.metadata:load_rego_policies"
REGO_LOCAL_CHECK = "meshgov.infra.metadata:check_local_packages"

TIGHTEN = ("lower", "higher", "subset", "superset", "fixed", "any")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Any
    tighten: str = "fixed"  # lower | higher | subset | superset | fixed | any
    order: tuple[Any, ...] = ()  # for ordered enums (e.g. warehouse sizes), smallest first
    description: str = ""

    def is_looser(self, value: Any, reference: Any) -> bool | None:
        """True if ``value`` is looser than ``reference``; None if incomparable (wrong type)."""
        t = self.tighten
        if t == "any":
            return False
        if t == "fixed":
            return value != reference
        if t in ("lower", "higher"):
            if self.order:
                if value not in self.order or reference not in self.order:
                    return None
                a, b = self.order.index(value), self.order.index(reference)
            else:
                if not _is_number(value) or not _is_number(reference):
                    return None
                a, b = value, reference
            return a > b if t == "lower" else a < b
        if not isinstance(value, list) or not isinstance(reference, list):
            return None
        if t == "subset":
            return not set(map(str, value)) <= set(map(str, reference))
        return not set(map(str, value)) >= set(map(str, reference))  # superset


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Catalog:
    policies: Mapping[str, Policy] = field(default_factory=dict, hash=False)
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    param_specs: Mapping[str, ParamSpec] = field(default_factory=dict, hash=False)
    registry: ProductRegistry = ProductRegistry()
    approved_waivers: tuple[Waiver, ...] = ()
    #: findings produced while loading (federation violations)
    findings: tuple[Finding, ...] = ()
    #: Rego modules (global first, then local), excluding *_test.rego
    rego_files: tuple[str, ...] = ()
    #: the domain's own Rego modules (a tail of rego_files): sandboxed
    local_rego_files: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = KINDS

    def by_kind(self, kind: str) -> list[Policy]:
        return sorted((p for p in self.policies.values() if p.kind == kind), key=lambda p: p.id)

    def get(self, policy_id: str) -> Policy | None:
        return self.policies.get(policy_id) or builtin.META_POLICIES.get(policy_id)

    def nested_params(self) -> dict[str, Any]:
        """Params as nested objects (``infra.warehouse.max_size`` -> {infra: {warehouse: ...}})."""
        out: dict[str, Any] = {}
        for name, value in sorted(self.params.items()):
            node = out
            *head, last = name.split(".")
            for part in head:
                node = node.setdefault(part, {})
            node[last] = value
        return out


def builtin_pack_dirs() -> tuple[Path, Path]:
    """(checks, rego) of the shipped pack: inside the wheel, or at the source checkout root."""
    pkg = Path(__file__).resolve().parent.parent
    inside = pkg / "_builtin"
    if (inside / "checks").is_dir():
        return inside / "checks", inside / "rego"
    root = pkg.parent.parent
    return root / "checks", root / "rego"


def _import(ref: str) -> Callable[..., Any]:
    return load(ref)  # type: ignore[no-any-return]


# -- loading ---------------------------------------------------------------------------------


@dataclass
class _PackContent:
    policies: list[Policy] = field(default_factory=list)
    specs: dict[str, ParamSpec] = field(default_factory=dict)
    registry: list[tuple[DomainEntry, str]] = field(default_factory=list)
    approved: list[Waiver] = field(default_factory=list)
    rego: list[Path] = field(default_factory=list)


def load_catalog(config: DomainConfig, kinds: Sequence[str] = KINDS) -> Catalog:
    """Build the catalog for a domain: global packs, then local policies, then parameters."""
    kinds_t: tuple[Kind, ...] = tuple(k for k in KINDS if k in kinds)
    global_content = _PackContent()
    for pack in config.policies.packs:
        dirs = builtin_pack_dirs() if pack == BUILTIN_PACK else (Path(pack),)
        if pack == BUILTIN_PACK:
            missing = [str(d) for d in dirs if not d.is_dir()]
            if missing:  # a broken installation must not pass everything: fail closed
                raise MeshgovError(f"the builtin policy pack is missing ({', '.join(missing)}): "
                                   "reinstall meshgov")
        for d in dirs:
            _read_pack(Path(d), "global", kinds_t, global_content)
    global_ids: dict[str, Policy] = {}
    for p in global_content.policies:
        if p.id in global_ids:
            raise ConfigError(p.origin, p.id, f"policy id already defined in {global_ids[p.id].origin}")
        global_ids[p.id] = p

    local_content = _PackContent()
    for entry in config.policies.local:
        _read_pack(Path(entry), "local", kinds_t, local_content)

    findings: list[Finding] = []
    policies = dict(global_ids)
    for p in local_content.policies:
        if p.id in global_ids:
            findings.append(
                _gov_finding(
                    builtin.GOV_OVERRIDE,
                    global_ids[p.id].kind,
                    f"local policy {p.id} ({p.origin}) redefines a global policy; the global "
                    "definition stays in force",
                    _local_policy_location(config, p),
                    {"policy": p.id, "local_origin": p.origin},
                )
            )
            continue
        if p.id in policies:
            raise ConfigError(p.origin, p.id, f"policy id already defined in {policies[p.id].origin}")
        policies[p.id] = p

    for index, pid in enumerate(config.policies.disable):
        if pid in global_ids:
            findings.append(
                _gov_finding(
                    builtin.GOV_OVERRIDE,
                    global_ids[pid].kind,
                    f"global policy {pid} cannot be disabled by a domain; it stays in force "
                    "(use a waiver with a reason, an owner and an expiry)",
                    _config_location(config, ["policies", "disable", index]),
                    {"policy": pid},
                )
            )
        elif pid in policies:
            del policies[pid]
        else:
            raise ConfigError(config.display_path, "policies.disable", f"unknown policy '{pid}'")

    specs = dict(global_content.specs)
    for name, spec in local_content.specs.items():  # a domain may declare its own new params
        if name in specs:
            raise ConfigError(spec.description or config.display_path, name,
                              "a local pack cannot redeclare a global parameter")
        specs[name] = spec
    params = {name: spec.default for name, spec in specs.items()}
    for name, value in config.policies.params.items():
        spec = specs.get(name)
        if spec is None:
            raise ConfigError(
                config.display_path,
                f"policies.params.{name}",
                "unknown parameter; `meshgov policy list --params` shows them"
                if specs
                else "unknown parameter",
            )
        looser = spec.is_looser(value, params[name])
        if looser is None:
            raise ConfigError(
                config.display_path,
                f"policies.params.{name}",
                f"expected a value like {spec.default!r}"
                + (f" (one of {', '.join(map(str, spec.order))})" if spec.order else ""),
            )
        if looser:
            findings.append(
                _gov_finding(
                    builtin.GOV_LOOSEN,
                    _kind_of_param(name),
                    f"parameter {name}={value!r} would loosen the global value {params[name]!r} "
                    f"(a domain may only tighten: {spec.tighten}); the global value stays",
                    _config_location(config, ["policies", "params", name]),
                    {"param": name, "requested": value, "global": params[name]},
                )
            )
            continue
        params[name] = value

    if local_content.rego:
        _import(REGO_LOCAL_CHECK)([str(p) for p in global_content.rego], [str(p) for p in local_content.rego])
    registry = build_registry(
        [*global_content.registry, *local_content.registry], config
    )
    return Catalog(
        policies=policies,
        params=params,
        param_specs=specs,
        registry=registry,
        approved_waivers=tuple(global_content.approved),
        findings=tuple(findings),
        rego_files=tuple(str(p) for p in (*global_content.rego, *local_content.rego)),
        local_rego_files=tuple(str(p) for p in local_content.rego),
        kinds=kinds_t,
    )


def _rel(config: DomainConfig) -> str:
    return config.path.name if config.path else "meshgov.yaml"


def _kind_of_param(name: str) -> Kind:
    head = name.split(".", 1)[0]
    return head if head in KINDS else "code"  # type: ignore[return-value]


def _config_location(config: DomainConfig, keys: Sequence[str | int]) -> Location:
    """meshgov.yaml (as the report shows it) at the line of the key, when it can be found."""
    pos = position(config.path, keys) if config.path else None
    return Location(_rel(config), *(pos or (None, None)))


def _local_policy_location(config: DomainConfig, policy: Policy) -> Location:
    """The local policy file, relative to the domain root, at the line of the policy entry."""
    origin = Path(policy.origin) if policy.origin else None
    if origin is None or not origin.is_file():
        return Location(_rel(config))
    try:
        shown = origin.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        shown = origin.as_posix()
    pos = find_item_with(origin, "policies", "id", policy.id) if origin.suffix in (".yaml", ".yml") \
        else None
    return Location(shown, *(pos or (None, None)))


def _gov_finding(
    policy_id: str, kind: Kind, message: str, location: Location, evidence: Mapping[str, Any]
) -> Finding:
    return builtin.meta_finding(
        policy_id, kind=kind, message=message,
        subject=Subject("config", location.path or "meshgov.yaml"), location=location,
        evidence=evidence,
        # what was attempted, not where the file lives
        fingerprint=[f"{k}={evidence[k]!r}" for k in sorted(evidence) if k != "local_origin"])


def _pack_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        return
    for p in sorted(root.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts):
            yield p


def _read_pack(root: Path, source: str, kinds: tuple[Kind, ...], out: _PackContent) -> None:
    rego: list[Path] = []
    for f in _pack_files(root):
        name = f.name
        if name.endswith(".rego"):
            if not name.endswith("_test.rego"):
                rego.append(f)
            continue
        if not name.endswith((".yaml", ".yml")) or name.endswith((".cases.yaml", ".cases.yml")):
            continue  # rule cases (meshgov.core.cases) are not policies
        shown = str(f)
        try:
            raw = load_file(f, shown)
        except YamlError as exc:
            raise ConfigError(shown, "", f"invalid YAML: {exc.message}", line=exc.line) from None
        if name == PACK_FILE:
            _read_pack_file(raw, shown, source, out)
        elif name in PRODUCTS_FILES:
            out.registry.extend((e, shown) for e in parse_registry(raw, shown))
        else:
            out.policies.extend(_read_policy_file(raw, shown, source, kinds))
    if rego and "infra" in kinds:
        out.rego.extend(rego)
        loader = _import(REGO_LOADER)
        out.policies.extend(loader(rego, source))


def _read_pack_file(raw: Any, shown: str, source: str, out: _PackContent) -> None:
    if not isinstance(raw, Mapping):
        raise ConfigError(shown, "", "expected a mapping with name, params, approved_waivers")
    unknown = set(raw) - {"name", "version", "description", "params", "approved_waivers"}
    if unknown:
        raise ConfigError(shown, sorted(unknown)[0], "unknown key; expected name, version, "
                          "description, params, approved_waivers")
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(shown, "params", "expected a mapping of name -> {default, tighten}")
    for name, spec in params.items():
        key = f"params.{name}"
        if not isinstance(spec, Mapping) or "default" not in spec:
            raise ConfigError(shown, key, "expected {default, tighten, order?, description?}")
        tighten = spec.get("tighten", "fixed")
        if tighten not in TIGHTEN:
            raise ConfigError(shown, f"{key}.tighten", f"expected one of {', '.join(TIGHTEN)}")
        order = spec.get("order") or ()
        if not isinstance(order, (list, tuple)):
            raise ConfigError(shown, f"{key}.order", "expected a list, smallest first")
        out.specs[str(name)] = ParamSpec(
            name=str(name),
            default=spec["default"],
            tighten=tighten,
            order=tuple(order),
            description=str(spec.get("description", "")),
        )
    if source == "global":
        out.approved.extend(
            parse_waivers(raw.get("approved_waivers"), shown, "approved_waivers", source="council")
        )
    elif raw.get("approved_waivers"):
        raise ConfigError(shown, "approved_waivers", "only a council (global) pack approves waivers")


def _read_policy_file(raw: Any, shown: str, source: str, kinds: tuple[Kind, ...]) -> list[Policy]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping) or "policies" not in raw:
        raise ConfigError(shown, "", "expected a policy file {kind: code|data, policies: [...]}")
    unknown = set(raw) - {"kind", "policies"}
    if unknown:
        raise ConfigError(shown, sorted(unknown)[0], "unknown key; expected kind, policies")
    file_kind = raw.get("kind")
    items = raw.get("policies") or []
    if not isinstance(items, list):
        raise ConfigError(shown, "policies", "expected a list of policies")
    out = []
    for i, item in enumerate(items):
        key = f"policies[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(shown, key, "expected a mapping with at least id, title, rule")
        kind = item.get("kind", file_kind)
        if not isinstance(kind, str) or kind not in KIND_VALIDATORS:
            raise ConfigError(shown, f"{key}.kind", "expected code or data (infra policies are Rego)")
        if kind not in kinds:
            continue
        out.append(_policy_from_yaml(item, shown, key, kind, source))
    return out


def _policy_from_yaml(
    item: Mapping[str, Any], shown: str, key: str, kind: Kind, source: str
) -> Policy:
    pid = item.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise ConfigError(shown, f"{key}.id", "required: a policy id such as MG-C-001")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(shown, f"{key}.title", "required: a short title")
    severity = item.get("severity", "error")
    if severity not in SEVERITIES:
        raise ConfigError(shown, f"{key}.severity", "expected error, warning or info")
    enforced = item.get("enforced", False)
    if not isinstance(enforced, bool):
        raise ConfigError(shown, f"{key}.enforced", "expected true or false")
    for text_key in ("description", "rationale", "remediation", "example", "rule"):
        if text_key in item and not isinstance(item[text_key], str):
            raise ConfigError(shown, f"{key}.{text_key}", "expected a string")
    scope = item.get("scope") or {}
    if not isinstance(scope, Mapping):
        raise ConfigError(shown, f"{key}.scope", "expected a mapping (paths, domains, ...)")
    extra = {k: v for k, v in item.items() if k not in COMMON_POLICY_KEYS}
    validate = _import(KIND_VALIDATORS[kind])
    rule, params = validate(item.get("rule"), extra, shown, key)
    return Policy(
        id=pid.strip(),
        kind=kind,
        title=title.strip(),
        severity=severity,
        description=item.get("description", "").strip(),
        rationale=item.get("rationale", "").strip(),
        remediation=item.get("remediation", "").strip(),
        enforced=enforced,
        source=source,  # type: ignore[arg-type]
        rule=rule,
        scope=dict(scope),
        params=dict(params),
        origin=shown,
        example=item.get("example", "").rstrip(),
    )


def policy_from_entry(item: Mapping[str, Any], shown: str, key: str = "policy",
                      source: str = "local") -> Policy:
    """One policy entry as a policy file holds it (``kind: code|data``), validated by its
    kind: what a rule case's inline ``policy:`` is read with. Raises ConfigError."""
    kind = item.get("kind")
    if not isinstance(kind, str) or kind not in KIND_VALIDATORS:
        raise ConfigError(shown, f"{key}.kind", "expected code or data (infra policies are Rego)")
    return _policy_from_yaml({"title": f"{item.get('rule')} case", **item}, shown, key,
                             kind, source)  # type: ignore[arg-type]


def with_params(policy: Policy, **params: Any) -> Policy:
    """A copy of the policy with extra params (used by tests and per-domain overrides)."""
    return replace(policy, params={**policy.params, **params})
