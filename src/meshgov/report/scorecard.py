"""Data-product scorecards: for each published product, which characteristics hold.

The characteristics are the data-mesh ones a council asks of an output port. Each is computed
from the catalog (which policies are in force), the product registry and the findings; the
mapping from policies to characteristics is the one table :data:`MAPPING` below. A
characteristic is

- ``pass`` when policies mapped to it ran over something belonging to the product and none
  of them has an unwaived finding on it,
- ``fail`` when one of them has an unwaived finding on the product (or, for discoverable,
  the product has no description),
- ``unknown`` when no mapped policy is in force or nothing of the product was evaluated in
  this run: never claimed as a pass.

A finding *belongs to a product* when its subject is one of the product's tables, when it is
about the dbt model named like a product table, or when its evidence names a product table.
Compute policies (cost) and infra grants are judged per domain: a domain's clusters and
warehouses serve all its products.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any, Literal

from meshgov.core.config import Product
from meshgov.core.model import Finding, Policy
from meshgov.core.sections import Characteristic, Scorecard

CHARACTERISTICS: tuple[str, ...] = (
    "discoverable", "understandable", "truthful", "secure", "cost", "compliance",
)

Scope = Literal["product", "domain"]


@dataclass(frozen=True)
class MapEntry:
    """Policies of ``kind`` whose rule or id matches one of ``match`` (globs, lower case)
    and none of ``exclude`` count towards ``characteristic``, judged per ``scope``."""

    characteristic: str
    kind: str
    match: tuple[str, ...]
    scope: Scope
    exclude: tuple[str, ...] = ()
    meaning: str = ""


#: THE mapping (documented in the README): policy kind + rule/id glob -> characteristic
MAPPING: tuple[MapEntry, ...] = (
    MapEntry("understandable", "code", ("dbt_*", "dbt.*", "*document*", "*describ*", "*classif*"),
             "product", (), "dbt model of the product: description, documented and classified columns"),
    MapEntry("truthful", "data", ("*",), "product", ("pii_masked", "*pii*"),
             "data rules on the product's tables, and they pass"),
    MapEntry("secure", "code", ("*grant*", "*mask*", "*owner*", "*privilege*"), "product",
             ("dbt_*",), "GRANT / mask / owner statements about the product's tables"),
    MapEntry("secure", "infra", ("*grant*", "*privilege*", "*owner*"), "domain", (),
             "Unity Catalog grants in the domain's infrastructure"),
    MapEntry("cost", "infra", ("*cluster*", "*warehouse*", "*job*", "*compute*", "*autoterm*",
                               "*auto_stop*", "*worker*"), "domain", ("*grant*",),
             "compute policies on the domain's clusters, warehouses and jobs"),
    MapEntry("compliance", "data", ("pii_masked", "*pii*"), "product", (),
             "PII columns of the product's tables are masked"),
)


def policy_matches(entry: MapEntry, policy: Policy) -> bool:
    if policy.kind != entry.kind:
        return False
    names = [n.lower() for n in (policy.rule, policy.id) if n]
    if any(fnmatchcase(n, x) for n in names for x in entry.exclude):
        return False
    return any(fnmatchcase(n, m) for n in names for m in entry.match)


@dataclass(frozen=True)
class Coverage:
    """What this run looked at: which kinds ran, and over what."""

    kinds: tuple[str, ...]
    model_names: frozenset[str] = frozenset()  # lower-case dbt model names among the inputs
    sql_inputs: bool = False
    infra_inputs: bool = False
    data_tables: frozenset[str] = frozenset()  # lower-case tables data policies validated


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 4:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, depth + 1)


@dataclass(frozen=True)
class _Indexed:
    """A finding with the lower-cased texts product matching looks at, computed once."""

    finding: Finding
    ref: str
    stem: str
    evidence: str


def _index(f: Finding) -> _Indexed:
    ref = f.subject.ref.lower()
    stem = PurePosixPath(ref).stem if f.subject.type == "dbt_model" else ""
    return _Indexed(f, ref, stem, " ".join(_strings(f.evidence)).lower())


@dataclass(frozen=True)
class _Tables:
    lowered: tuple[str, ...]
    names: frozenset[str]
    suffixes: tuple[str, ...]

    @classmethod
    def of(cls, tables: Sequence[str]) -> _Tables:
        lowered = tuple(t.lower() for t in tables)
        return cls(lowered, frozenset(t.rsplit(".", 1)[-1] for t in lowered),
                   tuple("." + t for t in lowered))


def _belongs(x: _Indexed, tables: _Tables) -> bool:
    if x.ref in tables.lowered or x.ref.endswith(tables.suffixes):
        return True
    if x.stem and x.stem in tables.names:
        return True
    return bool(x.evidence) and any(t in x.evidence for t in tables.lowered)


def belongs_to(f: Finding, tables: Sequence[str]) -> bool:
    """Whether a finding is about a product with these tables (see the module docstring)."""
    return _belongs(_index(f), _Tables.of(tables))


def _table_targeted(policy: Policy, table: str, domain: str) -> bool:
    tables = policy.params.get("tables") or ()
    if any(fnmatchcase(table.lower(), str(t).lower()) for t in tables):
        return True
    select = policy.params.get("select") or {}
    if isinstance(select, Mapping):
        if select.get("domain") and str(select["domain"]).lower() == domain.lower():
            return True
        if select.get("glob") and fnmatchcase(table.lower(), str(select["glob"]).lower()):
            return True
    return False


def _judge(
    name: str,
    policies: Sequence[Policy],
    findings_by_policy: Mapping[str, Sequence[_Indexed]],
    domain: str,
    product: Product,
    cov: Coverage,
) -> Characteristic:
    entries = [e for e in MAPPING if e.characteristic == name]
    in_force: list[tuple[MapEntry, Policy]] = [
        (e, p) for e in entries for p in policies if policy_matches(e, p)
    ]
    if not in_force:
        return Characteristic("unknown", "no policy in force maps to it")
    ids = sorted({p.id for _, p in in_force})
    tables = _Tables.of(product.tables)
    failing: list[Finding] = []
    covered = False
    for e, p in in_force:
        if e.kind not in cov.kinds:
            continue
        candidates = [x for x in findings_by_policy.get(p.id, ()) if not x.finding.waived]
        if e.scope == "domain":
            mine = [x.finding for x in candidates if (x.finding.subject.domain or domain) == domain]
            covered = covered or cov.infra_inputs or bool(mine)
        else:
            mine = [x.finding for x in candidates if _belongs(x, tables)]
            if e.kind == "data":
                targeted = [t for t in product.tables if _table_targeted(p, t, domain)]
                covered = covered or any(t.lower() in cov.data_tables for t in targeted) or bool(mine)
            elif name == "understandable":
                covered = covered or bool(mine) or any(
                    t.rsplit(".", 1)[-1].lower() in cov.model_names for t in product.tables)
            else:
                covered = covered or bool(mine) or cov.sql_inputs
        failing.extend(mine)
    if failing:
        worst = sorted({f.policy_id for f in failing})
        return Characteristic("fail", f"{len(failing)} finding(s): {', '.join(worst)}",
                              tuple(ids), len(failing))
    if not covered:
        if name == "truthful" and not any(
            _table_targeted(p, t, domain) for _, p in in_force for t in product.tables
        ):
            return Characteristic("fail", "no data rule is defined on the product's tables",
                                  tuple(ids))
        return Characteristic("unknown", "nothing of the product was evaluated in this run",
                              tuple(ids))
    return Characteristic("pass", "the mapped policies ran and found nothing", tuple(ids), 0)


def _by_policy(findings: Sequence[Finding]) -> dict[str, list[_Indexed]]:
    out: dict[str, list[_Indexed]] = {}
    for f in findings:
        out.setdefault(f.policy_id, []).append(_index(f))
    return out


def scorecard(
    domain: str,
    product: Product,
    policies: Sequence[Policy],
    findings: Sequence[Finding],
    coverage: Coverage,
) -> Scorecard:
    """The scorecard of one product (``build_scorecards`` does many at once)."""
    return _scorecard(domain, product, policies, _by_policy(findings), coverage)


def _scorecard(
    domain: str,
    product: Product,
    policies: Sequence[Policy],
    by_policy: Mapping[str, Sequence[_Indexed]],
    coverage: Coverage,
) -> Scorecard:
    described = bool(product.description.strip())
    chars = [("discoverable", Characteristic(
        "pass" if described else "fail",
        "registered and described" if described else "registered but has no description"))]
    for name in CHARACTERISTICS[1:]:
        chars.append((name, _judge(name, policies, by_policy, domain, product, coverage)))
    passed = sum(1 for _, c in chars if c.status == "pass")
    known = sum(1 for _, c in chars if c.status != "unknown")
    return Scorecard(domain=domain, product=product.name, tables=tuple(product.tables),
                     characteristics=tuple(chars), score=f"{passed}/{len(CHARACTERISTICS)}",
                     evaluated=known)


def build_scorecards(
    products: Sequence[tuple[str, Product]],
    policies: Sequence[Policy],
    findings: Sequence[Finding],
    coverage: Coverage,
) -> list[Scorecard]:
    """Scorecards of the given (domain, product) pairs, sorted by domain and product."""
    relevant = {p.id for p in policies if any(policy_matches(e, p) for e in MAPPING)}
    by_policy = _by_policy([f for f in findings if f.policy_id in relevant])
    return [_scorecard(d, p, policies, by_policy, coverage)
            for d, p in sorted(products, key=lambda x: (x[0], x[1].name))]


def for_run(cfg: Any, catalog: Any, inputs: Sequence[Any], opts: Any,
            findings: Sequence[Finding]) -> list[Scorecard]:
    """Scorecards for a run (api.run): the running domain's products, or every product of
    the registry when the run has no domain (a council-wide run)."""
    products = catalog.registry.products()
    if cfg.domain:
        products = [(d, p) for d, p in products if d == cfg.domain]
    if not products:
        return []
    data_on = "data" in opts.kinds and (opts.data is True or (opts.data is None and not opts.explicit_files))
    coverage = Coverage(
        kinds=tuple(opts.kinds),
        model_names=frozenset(PurePosixPath(i.rel).stem.lower() for i in inputs
                              if i.type == "dbt_model"),
        sql_inputs=any(i.kind == "code" for i in inputs),
        infra_inputs=any(i.kind == "infra" for i in inputs),
        data_tables=frozenset(t.lower() for t in cfg.data) if data_on else frozenset(),
    )
    policies = [p for p in catalog.policies.values() if p.kind in opts.kinds]
    return build_scorecards(products, sorted(policies, key=lambda p: p.id), findings, coverage)
