"""Policy behaviour as data: tests/infra/cases/policies/<id>.yaml, on every available engine.

Also the differential test: every shipped policy's case inputs and every fixture resource,
evaluated on every available engine, give identical findings.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from meshgov.core.discovery import discover
from meshgov.infra.evaluator import load_resources

from .infra_support import CASES, ENGINES, ROOT, catalog, context, finding_keys, resource, run

CASE_FILES = sorted((CASES / "policies").glob("*.yaml"))


def _cases() -> list[tuple[str, dict]]:
    out = []
    for f in CASE_FILES:
        doc = yaml.safe_load(f.read_text())
        for case in doc["cases"]:
            out.append((doc["policy"], case))
    return out


ALL_CASES = _cases()


def test_every_shipped_policy_has_cases_and_a_rego_test() -> None:
    infra = {p.id: p for p in catalog().by_kind("infra") if p.source == "global"}
    assert {f.stem for f in CASE_FILES} == set(infra)
    for p in infra.values():
        rego = Path(p.origin)
        assert rego.with_name(rego.stem + "_test.rego").is_file(), p.origin
        cases = [c for pid, c in ALL_CASES if pid == p.id]
        assert any(c["expect"] == [] for c in cases), f"{p.id}: no passing case"
        assert any(c["expect"] for c in cases), f"{p.id}: no failing case"


def _evaluate_cases(engine: str) -> dict[tuple[str, int], list[str]]:
    """(policy, case index) -> sorted fields of that policy's findings, grouped by params."""
    groups: dict[str, list[tuple[str, int, dict]]] = defaultdict(list)
    index: dict[str, int] = defaultdict(int)
    for pid, case in ALL_CASES:
        i = index[pid]
        index[pid] += 1
        groups[json.dumps(case.get("params") or {}, sort_keys=True)].append((pid, i, case))
    out: dict[tuple[str, int], list[str]] = {}
    for params_json, items in groups.items():
        resources = [resource(c["resource"], address=f"{pid}#{i}") for pid, i, c in items]
        result = run(resources, engine, json.loads(params_json))
        fields: dict[str, list[str]] = defaultdict(list)
        for f in result.findings:
            fields[(f.subject.ref, f.policy_id)].append(str(f.evidence.get("field")))  # type: ignore[index]
        for pid, i, _ in items:
            out[(pid, i)] = sorted(fields.get((f"{pid}#{i}", pid), []))  # type: ignore[call-overload]
    return out


@pytest.fixture(scope="module", params=ENGINES)
def engine_results(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param, _evaluate_cases(request.param)


def test_policy_cases(engine_results: tuple[str, dict]) -> None:
    engine, results = engine_results
    failures = []
    index: dict[str, int] = defaultdict(int)
    for pid, case in ALL_CASES:
        i = index[pid]
        index[pid] += 1
        if results[(pid, i)] != sorted(case["expect"]):
            failures.append(f"{engine} {pid} {case['name']!r}: expected {case['expect']}, "
                            f"got {results[(pid, i)]}")
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(len(ENGINES) < 2, reason="only one embedded engine installed (regorus needs CPython <= 3.12)")
def test_differential_all_engines_identical() -> None:
    """Case inputs + every fixture resource: identical findings on every engine."""
    resources = []
    index: dict[str, int] = defaultdict(int)
    for pid, case in ALL_CASES:
        if case.get("params"):
            continue
        resources.append(resource(case["resource"], address=f"{pid}#{index[pid]}"))
        index[pid] += 1
    inputs = discover([ROOT / "fixtures" / "infra", ROOT / "fixtures" / "domains" / "sales" / "infra"],
                      ROOT, kinds=("infra",))
    fixture_resources, errors, _notes = load_resources(inputs, context(ENGINES[0]))
    assert not errors
    resources.extend(fixture_resources)
    keys = {engine: finding_keys(run(resources, engine)) for engine in ENGINES}
    first = keys[ENGINES[0]]
    assert len(first) > 50
    for engine in ENGINES[1:]:
        assert keys[engine] == first, f"{engine} differs from {ENGINES[0]}"


def test_warehouse_size_order_is_the_same_in_the_pack_and_the_rego_library() -> None:
    """The order `infra.warehouse.max_size` tightens by (checks/pack.yaml) is the one the Rego
    library ranks sizes by (lib.sizes; size.rego's spelled-out rank is checked against it by
    size_test.rego), so "tighten only" and MG-I-001 agree on what is larger."""
    import regopy

    pack = yaml.safe_load((ROOT / "checks" / "pack.yaml").read_text())
    order = pack["params"]["infra.warehouse.max_size"]["order"]
    interp = regopy.Interpreter()
    for name in ("lib/lib.rego", "warehouse/size.rego"):
        interp.add_module(name, (ROOT / "rego" / name).read_text())
    out = json.loads(str(interp.query("s := data.meshgov.lib.sizes; r := data.meshgov.infra.warehouse.size.rank")))
    bindings = out["bindings"] if "bindings" in out else out["result"][0]["bindings"]
    assert bindings["s"] == order
    assert sorted(bindings["r"], key=bindings["r"].get) == order
    assert catalog().param_specs["infra.warehouse.max_size"].order == tuple(order)


def test_the_case_files_pass_through_the_public_rule_case_runner() -> None:
    """The same case files, read and run as `meshgov policy test` does (default engine)."""
    from meshgov.core.cases import describe, load_case_file, run_case_file
    from meshgov.core.catalog import load_catalog

    from .infra_support import config

    cfg = config()
    cat = load_catalog(cfg, ("infra",))
    failures = []
    ran = 0
    for f in CASE_FILES:
        for r in run_case_file(load_case_file(f), cfg, cat):
            ran += 1
            if not r.passed:
                failures.append(f"{f.name} {r.case.name!r}: {r.error or ''} missing "
                                f"{[dict(e) for e in r.missing]} extra "
                                f"{[describe(x) for x in r.extra]}")
    assert ran == len(ALL_CASES) and not failures, "\n".join(failures)
