"""Which tables a data policy governs: explicit names, globs, or a selector (domain, tag, glob).

``tables:`` entries are exact names or globs (``hr_prod.published.*``), compared
case-insensitively as Unity Catalog does. ``select:`` keys are ANDed: ``domain`` (owner in
the product registry), ``tag`` (``tags:`` of the table's binding in ``data:``), ``glob``.
A policy with both ``tables`` and ``select`` governs the union.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from meshgov.core.model import Policy
from meshgov.core.products import ProductRegistry

_GLOB_CHARS = frozenset("*?[")


def is_glob(name: str) -> bool:
    return bool(_GLOB_CHARS & set(name))


def _match(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def binding_tags(binding: Mapping[str, Any] | None) -> tuple[str, ...]:
    tags = (binding or {}).get("tags") or ()
    if isinstance(tags, str):
        tags = (tags,)
    return tuple(str(t) for t in tags)


def universe(bindings: Mapping[str, Mapping[str, Any]], registry: ProductRegistry) -> list[str]:
    """Every table a selector can see: the bound tables, then the registry's product tables."""
    seen: dict[str, str] = {}
    for t in bindings:
        seen.setdefault(t.lower(), t)
    for _, product in registry.products():
        for t in product.tables:
            seen.setdefault(t.lower(), t)
    return list(seen.values())


def select_tables(
    policy: Policy,
    tables: Iterable[str],
    bindings: Mapping[str, Mapping[str, Any]],
    registry: ProductRegistry,
) -> list[str]:
    """The tables (from ``tables``, plus exact names the policy lists) the policy governs."""
    pool = list(tables)
    lowered = {t.lower(): t for t in pool}
    chosen: dict[str, str] = {}
    for entry in policy.params.get("tables") or ():
        if is_glob(entry):
            for t in pool:
                if _match(t, entry):
                    chosen.setdefault(t.lower(), t)
        else:
            chosen.setdefault(entry.lower(), lowered.get(entry.lower(), entry))
    sel = policy.params.get("select")
    if sel:
        tags_of = {t.lower(): binding_tags(b) for t, b in bindings.items()}
        for t in pool:
            if "domain" in sel and registry.owner_of(t) != sel["domain"]:
                continue
            if "tag" in sel and sel["tag"] not in tags_of.get(t.lower(), ()):
                continue
            if "glob" in sel and not _match(t, sel["glob"]):
                continue
            chosen.setdefault(t.lower(), t)
    return sorted(chosen.values(), key=str.lower)
