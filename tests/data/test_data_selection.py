"""Which tables a data policy governs: names, globs, selectors (domain, tag, glob)."""

from __future__ import annotations

from data_helpers import data_policy

from meshgov.core.config import Product
from meshgov.core.products import DomainEntry, ProductRegistry
from meshgov.data.selection import select_tables, universe

REGISTRY = ProductRegistry(domains={
    "hr": DomainEntry("hr", catalogs=("hr_prod",),
                      products=(Product("employees", ("hr_prod.published.EMPLOYEES",)),)),
    "sales": DomainEntry("sales", catalogs=("sales_prod",),
                         products=(Product("orders", ("sales_prod.published.ORDERS",)),)),
})
BINDINGS = {
    "hr_prod.published.EMPLOYEES": {"path": "e.csv", "tags": ["core", "pii"]},
    "hr_prod.raw.EVENTS": {"path": "ev.csv", "tags": "core"},
    "sales_prod.published.ORDERS": {"path": "o.csv"},
}
POOL = universe(BINDINGS, REGISTRY)


def _tables(tables: list[str], **params: object) -> list[str]:
    policy = data_policy("S-1", "not_null", tables, column="a", **params)
    return select_tables(policy, POOL, BINDINGS, REGISTRY)


def test_names_and_globs_are_case_insensitive() -> None:
    assert _tables(["HR_PROD.PUBLISHED.employees"]) == ["hr_prod.published.EMPLOYEES"]
    assert _tables(["*.published.*"]) == ["hr_prod.published.EMPLOYEES",
                                          "sales_prod.published.ORDERS"]
    assert _tables(["x.y.UNBOUND"]) == ["x.y.UNBOUND"]  # an exact name is kept (noted if ours)


def test_selectors_are_anded_and_unioned_with_tables() -> None:
    assert universe(BINDINGS, REGISTRY) == list(BINDINGS)
    policy = data_policy("S-2", "not_null", ["sales_prod.published.ORDERS"], column="a",
                         select={"domain": "hr", "tag": "core", "glob": "*.raw.*"})
    assert select_tables(policy, POOL, BINDINGS, REGISTRY) == [
        "hr_prod.raw.EVENTS", "sales_prod.published.ORDERS"]
    only_tag = data_policy("S-3", "not_null", ["none.none.NONE"], column="a",
                           select={"tag": "pii"})
    assert select_tables(only_tag, POOL, BINDINGS, REGISTRY) == [
        "hr_prod.published.EMPLOYEES", "none.none.NONE"]
    by_domain = data_policy("S-4", "not_null", ["none.none.NONE"], column="a",
                            select={"domain": "sales"})
    assert "sales_prod.published.ORDERS" in select_tables(by_domain, POOL, BINDINGS, REGISTRY)
