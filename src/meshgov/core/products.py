"""The mesh's registry of domains, what they own and the data products they publish.

Built from every pack's ``products.yml`` plus the running domain's own ``meshgov.yaml``.
Identifiers are compared case-insensitively, as Unity Catalog does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from meshgov.core.config import DomainConfig, Product, parse_products
from meshgov.core.errors import ConfigError


@dataclass(frozen=True)
class DomainEntry:
    name: str
    owner: str = ""
    catalogs: tuple[str, ...] = ()  # "catalog" or "catalog.schema"
    products: tuple[Product, ...] = ()


@dataclass(frozen=True)
class ProductRegistry:
    domains: Mapping[str, DomainEntry] = field(default_factory=dict, hash=False)

    # -- queries -------------------------------------------------------------------------
    def owner_of(self, table: str) -> str | None:
        """The domain that owns a (two- or three-level) table name, by longest prefix."""
        parts = [p.lower() for p in table.split(".")]
        best: tuple[int, str] | None = None
        for entry in self.domains.values():
            for claim in entry.catalogs:
                cparts = claim.lower().split(".")
                if parts[: len(cparts)] == cparts and len(cparts) < len(parts):
                    if best is None or len(cparts) > best[0]:
                        best = (len(cparts), entry.name)
        return best[1] if best else None

    def product_of(self, table: str) -> tuple[str, Product] | None:
        """(domain, product) when the three-level table is a published product table."""
        key = table.lower()
        for entry in self.domains.values():
            for product in entry.products:
                if any(t.lower() == key for t in product.tables):
                    return entry.name, product
        return None

    def products(self) -> list[tuple[str, Product]]:
        return [(d.name, p) for d in self.domains.values() for p in d.products]


def parse_registry(raw: object, shown: str) -> list[DomainEntry]:
    """Parse a products.yml document (``domains: {name: {owner, catalogs, products}}``)."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping) or set(raw) - {"domains"}:
        raise ConfigError(shown, "", "expected a mapping with one key 'domains'")
    domains = raw.get("domains") or {}
    if not isinstance(domains, Mapping):
        raise ConfigError(shown, "domains", "expected a mapping of domain name -> entry")
    out = []
    for name, entry in domains.items():
        key = f"domains.{name}"
        if not isinstance(entry, Mapping):
            raise ConfigError(shown, key, "expected a mapping {owner, catalogs, products}")
        unknown = set(entry) - {"owner", "catalogs", "products", "description"}
        if unknown:
            raise ConfigError(shown, f"{key}.{sorted(unknown)[0]}", "unknown key; expected "
                              "owner, catalogs, products, description")
        catalogs = entry.get("catalogs") or []
        if not isinstance(catalogs, list) or not all(isinstance(c, str) for c in catalogs):
            raise ConfigError(shown, f"{key}.catalogs", "expected a list of catalog names")
        owner = entry.get("owner") or ""
        if not isinstance(owner, str):
            raise ConfigError(shown, f"{key}.owner", "expected a string")
        out.append(
            DomainEntry(
                name=str(name),
                owner=owner,
                catalogs=tuple(catalogs),
                products=parse_products(entry.get("products"), shown, f"{key}.products"),
            )
        )
    return out


def build_registry(
    entries: Iterable[tuple[DomainEntry, str]], config: DomainConfig
) -> ProductRegistry:
    """Merge registry entries (each with the file it came from) and the domain's own config.

    Two domains claiming one catalog (or schema) is a configuration error.
    """
    merged: dict[str, DomainEntry] = {}
    origin: dict[str, str] = {}
    all_entries = list(entries)
    if config.domain:
        all_entries.append(
            (
                DomainEntry(config.domain, config.owner, config.catalogs, config.products),
                config.display_path,
            )
        )
    for entry, shown in all_entries:
        prev = merged.get(entry.name)
        if prev is None:
            merged[entry.name] = entry
        else:
            products = {p.name: p for p in prev.products}
            for p in entry.products:  # a later entry without a description keeps the registry's
                old = products.get(p.name)
                products[p.name] = p if p.description or old is None else \
                    Product(p.name, p.tables, old.description)
            merged[entry.name] = DomainEntry(
                entry.name,
                entry.owner or prev.owner,
                tuple(dict.fromkeys((*prev.catalogs, *entry.catalogs))),
                tuple(products.values()),
            )
        for claim in entry.catalogs:
            c = claim.lower()
            other = origin.get(c)
            if other is not None and other.split("\x00")[0] != entry.name:
                raise ConfigError(
                    shown,
                    "catalogs",
                    f"'{claim}' is claimed by domain '{entry.name}' and by domain "
                    f"'{other.split(chr(0))[0]}' ({other.split(chr(0))[1]})",
                )
            origin[c] = f"{entry.name}\x00{shown}"
    return ProductRegistry(domains=merged)
