"""``meshgov.yaml``: a domain repo's identity, its products, its policy settings and waivers.

Loading validates every key; anything unknown or mistyped is a :class:`ConfigError` naming
the file, the key and what was expected.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.core.errors import ConfigError
from meshgov.core.model import Waiver
from meshgov.core.yamlio import YamlError, load_file

CONFIG_NAME = "meshgov.yaml"
BUILTIN_PACK = "builtin"

#: keys a data binding may carry (see the data evaluator for their meaning)
DATA_BINDING_KEYS = frozenset(
    {"path", "format", "url", "table", "schema", "query", "spark", "warehouse_id", "catalog",
     "timeout_seconds", "options", "tags", "pii_columns"}
)


@dataclass(frozen=True)
class Product:
    name: str
    tables: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class PolicySettings:
    packs: tuple[str, ...] = (BUILTIN_PACK,)  # "builtin" or absolute paths
    local: tuple[str, ...] = ()  # absolute paths of files/dirs with the domain's own policies
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    disable: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainConfig:
    root: Path
    path: Path | None = None  # None when no meshgov.yaml was found (defaults apply)
    domain: str | None = None
    owner: str = ""
    catalogs: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()
    policies: PolicySettings = PolicySettings()
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    waivers: tuple[Waiver, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def default_catalog(self) -> str | None:
        return self.catalogs[0] if self.catalogs else None

    @property
    def display_path(self) -> str:
        return str(self.path) if self.path else "<defaults>"


TOP_KEYS = {
    "domain": "a domain name (string)",
    "owner": "an owner contact (string)",
    "catalogs": "a list of Unity Catalog catalog names",
    "products": "a list of {name, tables, description}",
    "policies": "a mapping with packs, local, params, disable",
    "data": "a mapping of table name -> binding",
    "waivers": "a list of {policy, subject, reason, owner, expires}",
    "exclude": "a list of .gitignore-style patterns",
}


def find_config(start: Iterable[Path]) -> Path | None:
    """The nearest meshgov.yaml above the first given path (or the working directory)."""
    starts = [p for p in start] or [Path.cwd()]
    first = starts[0].resolve()
    return nearest_config(first if first.is_dir() else first.parent)


def nearest_config(directory: Path, stop: Path | None = None) -> Path | None:
    """The nearest meshgov.yaml at or above ``directory``, never above ``stop`` when given
    (a directory outside ``stop`` is looked at alone)."""
    for d in (directory, *directory.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if stop is not None and (d == stop or stop not in d.parents):
            return None
    return None


def default_config(root: Path) -> DomainConfig:
    return DomainConfig(root=root.resolve())


def load_config(path: Path) -> DomainConfig:
    """Load and validate a meshgov.yaml; raise ConfigError on any problem."""
    path = path.resolve()
    shown = str(path)
    if not path.is_file():
        raise ConfigError(shown, "", "configuration file not found")
    try:
        raw = load_file(path, shown)
    except YamlError as exc:
        raise ConfigError(shown, "", f"invalid YAML: {exc.message}", line=exc.line) from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path) -> DomainConfig:
    shown = str(path)
    root = path.parent
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(shown, "", "expected a mapping at the top level")
    for key in raw:
        if key not in TOP_KEYS:
            raise ConfigError(
                shown, str(key), f"unknown key; expected one of: {', '.join(sorted(TOP_KEYS))}"
            )
    domain = _opt_str(raw, "domain", shown)
    return DomainConfig(
        root=root,
        path=path,
        domain=domain,
        owner=_opt_str(raw, "owner", shown) or "",
        catalogs=str_list(raw.get("catalogs"), shown, "catalogs"),
        products=_products(raw.get("products"), shown),
        policies=_policies(raw.get("policies"), shown, root),
        data=_data(raw.get("data"), shown),
        waivers=parse_waivers(raw.get("waivers"), shown, "waivers", source="domain"),
        exclude=str_list(raw.get("exclude"), shown, "exclude"),
    )


# -- helpers ---------------------------------------------------------------------------------


def _opt_str(raw: Mapping[str, Any], key: str, shown: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(shown, key, f"expected {TOP_KEYS.get(key, 'a non-empty string')}")
    return value


def str_list(value: Any, shown: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(shown, key, "expected a list of non-empty strings")
    return tuple(value)


def _check_keys(obj: Mapping[str, Any], allowed: Iterable[str], shown: str, key: str) -> None:
    allowed = set(allowed)
    for k in obj:
        if k not in allowed:
            raise ConfigError(
                shown, f"{key}.{k}", f"unknown key; expected one of: {', '.join(sorted(allowed))}"
            )


def _products(value: Any, shown: str) -> tuple[Product, ...]:
    return parse_products(value, shown, "products")


def parse_products(value: Any, shown: str, key: str) -> tuple[Product, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError(shown, key, "expected a list of products {name, tables}")
    out = []
    for i, item in enumerate(value):
        k = f"{key}[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(shown, k, "expected a mapping {name, tables, description}")
        _check_keys(item, ("name", "tables", "description", "owner", "tags"), shown, k)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(shown, f"{k}.name", "expected the product name (string)")
        tables = str_list(item.get("tables"), shown, f"{k}.tables")
        if not tables:
            raise ConfigError(shown, f"{k}.tables", "expected at least one table")
        for t in tables:
            if len(t.split(".")) != 3:
                raise ConfigError(
                    shown, f"{k}.tables", f"'{t}' is not a three-level name catalog.schema.table"
                )
        desc = item.get("description") or ""
        if not isinstance(desc, str):
            raise ConfigError(shown, f"{k}.description", "expected a string")
        out.append(Product(name=name, tables=tables, description=desc))
    return tuple(out)


def _policies(value: Any, shown: str, root: Path) -> PolicySettings:
    if value is None:
        return PolicySettings()
    if not isinstance(value, Mapping):
        raise ConfigError(shown, "policies", "expected a mapping with packs, local, params, disable")
    _check_keys(value, ("packs", "local", "params", "disable"), shown, "policies")
    packs_raw = str_list(value.get("packs"), shown, "policies.packs") or (BUILTIN_PACK,)
    packs = []
    for p in packs_raw:
        if p == BUILTIN_PACK:
            packs.append(p)
            continue
        resolved = (root / p).resolve()
        if not resolved.exists():
            raise ConfigError(shown, "policies.packs", f"pack '{p}' not found at {resolved}")
        packs.append(str(resolved))
    local = []
    for p in str_list(value.get("local"), shown, "policies.local"):
        resolved = (root / p).resolve()
        if not resolved.exists():
            raise ConfigError(shown, "policies.local", f"'{p}' not found at {resolved}")
        local.append(str(resolved))
    params = value.get("params") or {}
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise ConfigError(shown, "policies.params", "expected a mapping of parameter name -> value")
    return PolicySettings(
        packs=tuple(packs),
        local=tuple(local),
        params=dict(params),
        disable=str_list(value.get("disable"), shown, "policies.disable"),
    )


def _data(value: Any, shown: str) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(shown, "data", "expected a mapping of table name -> binding")
    out: dict[str, dict[str, Any]] = {}
    for table, binding in value.items():
        k = f"data.{table}"
        if not isinstance(table, str) or not table:
            raise ConfigError(shown, "data", "table names must be strings")
        if not isinstance(binding, Mapping) or not binding:
            raise ConfigError(
                shown, k, "expected a binding such as {path: data/x.csv} or {url: ..., table: ...}"
            )
        _check_keys(binding, DATA_BINDING_KEYS, shown, k)
        if not ({"path", "url", "spark", "warehouse_id"} & set(binding)):
            raise ConfigError(shown, k, "a binding needs one of path, url, spark, warehouse_id")
        out[table] = dict(binding)
    return out


def parse_waivers(value: Any, shown: str, key: str, *, source: str) -> tuple[Waiver, ...]:
    """Parse a list of waivers (used for meshgov.yaml and a council pack's approved_waivers)."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError(shown, key, "expected a list of waivers")
    out = []
    for i, item in enumerate(value):
        k = f"{key}[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(shown, k, "expected a mapping {policy, subject, reason, owner, expires}")
        _check_keys(item, ("policy", "subject", "reason", "owner", "expires"), shown, k)
        fields: dict[str, str] = {}
        for name in ("policy", "subject", "reason", "owner"):
            v = item.get(name)
            if not isinstance(v, str) or not v.strip():
                raise ConfigError(shown, f"{k}.{name}", "required: a non-empty string")
            fields[name] = v.strip()
        expires = item.get("expires")
        if isinstance(expires, _dt.datetime):
            expires = expires.date()
        if isinstance(expires, str):
            try:
                expires = _dt.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if not isinstance(expires, _dt.date):
            raise ConfigError(shown, f"{k}.expires", "required: a date YYYY-MM-DD")
        out.append(
            Waiver(
                policy=fields["policy"],
                subject=fields["subject"],
                reason=fields["reason"],
                owner=fields["owner"],
                expires=expires.isoformat(),
                source=source,
                origin=f"{shown}#{k}",
            )
        )
    return tuple(out)
