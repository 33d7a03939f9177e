"""`meshgov infra compile-cluster-policies`: the council's parameters as Databricks cluster policies.

Round trip, on every engine: the compiled definitions pass the shipped cluster_policy rules
(MG-I-022, MG-I-023); and over generated cluster specs, what a compiled policy admits (as
Databricks applies it: tests/infra/policy_semantics.py) the shipped cluster rules pass, except
the one rule a policy cannot express (MG-I-016, plain-text secrets) - so what the pack fails,
the policy rejects.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.infra.cluster_policies import at_least, coverage, definitions, runtime_pattern
from meshgov.infra.resource import Resource, SourceRef

from .infra_support import ENGINES, catalog, run
from .policy_semantics import apply

CLUSTER_RULES = {"MG-I-010", "MG-I-011", "MG-I-012", "MG-I-013", "MG-I-014", "MG-I-015",
                 "MG-I-016", "MG-I-017"}
NOT_EXPRESSIBLE = {"MG-I-016"}
#: rules about attributes a policy sets when the spec leaves them out
FILLED_IN = {"MG-I-010", "MG-I-012", "MG-I-015", "MG-I-017"}


@given(st.integers(0, 400), st.integers(0, 5000))
def test_at_least_is_exactly_the_integers_from_n(n: int, m: int) -> None:
    assert (re.fullmatch(at_least(n), str(m)) is not None) == (m >= n)


def test_runtime_pattern_examples() -> None:
    pat = runtime_pattern(13)
    ok = ["13.3.x-scala2.12", "15.4.x-photon-scala2.12", "100.0.x", "20.x-snapshot"]
    old = ["12.2.x-scala2.12", "9.1.x-cpu-ml-scala2.12", "1.3.x", "custom", "13", "013.3.x"]
    assert all(re.fullmatch(pat, v) for v in ok)
    assert not any(re.fullmatch(pat, v) for v in old)


def _params(**over: Any) -> dict[str, Any]:
    return {**catalog().params, **over}


def _policy_resources(compiled: list[Any]) -> list[Resource]:
    return [Resource("cluster_policy", c.name, {"name": c.name, "definition": dict(c.definition)},
                     SourceRef("test", "compiled", 1)) for c in compiled]


TIGHTENED = st.fixed_dictionaries({
    "infra.cluster.max_workers": st.integers(0, 50),
    "infra.cluster.min_runtime_major": st.integers(0, 20),
    "infra.cluster.max_autotermination_minutes": st.integers(1, 240),
    "infra.cluster.required_tags": st.lists(st.sampled_from(["owner", "domain", "cost-center", "team"]),
                                            unique=True, max_size=4),
    "infra.cluster.allowed_access_modes": st.lists(st.sampled_from(["SINGLE_USER", "USER_ISOLATION"]),
                                                   unique=True, min_size=1),
})


@pytest.mark.parametrize("engine", ENGINES)
def test_compiled_policies_pass_the_cluster_policy_rules(engine: str) -> None:
    compiled = definitions(_params(), name="sales")
    assert [c.name for c in compiled] == ["sales-all-purpose", "sales-jobs"]
    result = run(_policy_resources(compiled), engine)
    assert [f.message for f in result.findings] == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TIGHTENED)
def test_compiled_policies_pass_for_any_parameters(over: dict[str, Any]) -> None:
    compiled = definitions(_params(**over), name="d")
    result = run(_policy_resources(compiled), ENGINES[-1], over)
    assert [f.message for f in result.findings] == []


# -- generated clusters -------------------------------------------------------------------

RUNTIMES = ["9.1.x-scala2.12", "12.2.x-scala2.12", "13.3.x-scala2.12", "14.3.x-cpu-ml-scala2.12",
            "15.4.x-photon-scala2.12", "custom-image", "16.x-snapshot-scala2.12"]


def _cluster(rng: random.Random) -> dict[str, Any]:
    """A cluster spec: each attribute usually compliant, sometimes not, sometimes left out."""
    spec: dict[str, Any] = {}

    def pick(good: list[Any], bad: list[Any]) -> Any:
        r = rng.random()
        return rng.choice(bad) if r < 0.12 else rng.choice(good)

    def maybe(key: str, good: list[Any], bad: list[Any]) -> None:
        if rng.random() < 0.9:
            spec[key] = pick(good, bad)

    maybe("spark_version", RUNTIMES[2:5] + RUNTIMES[6:], RUNTIMES[:2] + ["custom-image"])
    maybe("autotermination_minutes", [10, 30, 60, 120], [0, 5, 121, 600])
    maybe("data_security_mode", ["SINGLE_USER", "USER_ISOLATION"], ["NONE", "LEGACY_PASSTHROUGH"])
    maybe("enable_local_disk_encryption", [True], [False])
    if rng.random() < 0.5:
        spec["num_workers"] = pick([0, 2, 8, 20], [21, 100])
    else:
        spec["autoscale"] = {"min_workers": 1, "max_workers": pick([2, 8, 20], [21, 100])}
    tags = {t: pick(["x", "team-a"], [""]) for t in ["owner", "domain", "cost-center", "team"]
            if rng.random() < 0.93}
    if tags:
        spec["custom_tags"] = tags
    if rng.random() < 0.15:
        spec["spark_conf"] = {"spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net": "a" * 40}
    elif rng.random() < 0.3:
        spec["spark_conf"] = {"spark.sql.shuffle.partitions": "8"}
    if rng.random() < 0.3:
        spec["policy_id"] = "other"
    return spec


def _round_trip(engine: str, params: dict[str, Any], over: dict[str, Any], seed: int,
                n: int) -> tuple[int, int, dict[str, int]]:
    """(admitted, rejected, rule -> specs the pack fails) over n generated clusters."""
    rng = random.Random(seed)
    compiled = {c.cluster_type: c for c in definitions(params, name="d")}
    resources, admitted = [], []
    for i in range(n):
        kind = rng.choice(["all-purpose", "job"])
        spec = _cluster(rng)
        created = apply(compiled[kind].definition, spec, kind, policy_id=f"policy-{kind}")
        ctx = {"job_cluster": True} if kind == "job" else {}
        # every generated spec is evaluated as written (to see what the pack fails) and, when
        # admitted, as the policy creates it (defaults applied, policy_id set)
        resources.append(Resource("cluster", f"raw{i}", spec, SourceRef("test", "gen", 1), ctx))
        if created is not None:
            admitted.append(i)
            resources.append(Resource("cluster", f"made{i}", created, SourceRef("test", "gen", 1), ctx))
    result = run(resources, engine, over)
    by_ref: dict[str, set[str]] = {}
    for f in result.findings:
        by_ref.setdefault(f.subject.ref, set()).add(f.policy_id)
    failing: dict[str, int] = {}
    for i in range(n):
        raw = by_ref.get(f"raw{i}", set())
        for pid in raw:
            failing[pid] = failing.get(pid, 0) + 1
        if i in admitted:
            made = by_ref.get(f"made{i}", set())
            assert made <= NOT_EXPRESSIBLE, (i, made, compiled)
            # what the pack fails in the spec as written, the policy rejects, unless the policy
            # fills the attribute in itself (a default, a fixed value, its policy_id)
            assert raw <= made | FILLED_IN, (i, raw)
    return len(admitted), n - len(admitted), failing


@pytest.mark.parametrize("engine", ENGINES)
def test_what_the_policy_admits_the_pack_passes(engine: str) -> None:
    admitted, rejected, failing = _round_trip(engine, _params(), {}, seed=7, n=600)
    # not vacuous: both outcomes occur, and every expressible cluster rule fails some specs
    assert admitted >= 30 and rejected >= 30, (admitted, rejected)
    assert set(failing) >= CLUSTER_RULES, failing


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TIGHTENED, st.integers(0, 10_000))
def test_what_the_policy_admits_the_pack_passes_for_any_parameters(over: dict[str, Any],
                                                                   seed: int) -> None:
    _round_trip(ENGINES[-1], _params(**over), over, seed=seed, n=150)


def test_coverage_names_every_cluster_and_warehouse_rule() -> None:
    cat = catalog()
    cover = {c.policy_id: c for c in coverage(cat.by_kind("infra"), cat.params)}
    assert set(cover) == CLUSTER_RULES | {"MG-I-001", "MG-I-002", "MG-I-003"}
    assert cover["MG-I-016"].status == "not expressible"
    assert cover["MG-I-017"].status == "implied"
    assert all(cover[p].status == "not concerned" and "X-Large" in cover["MG-I-001"].how
               for p in ("MG-I-001", "MG-I-002", "MG-I-003"))
    assert {p for p, c in cover.items() if c.status == "enforced"} == CLUSTER_RULES - {"MG-I-016", "MG-I-017"}


# -- the command --------------------------------------------------------------------------


def test_cli_writes_policies_that_meshgov_check_passes(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli("infra", "compile-cluster-policies", "--output", str(out))
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["NOTES.txt", "bundle-cluster-policies.yml", "cluster-policies.tf", "coverage.json",
                     "meshgov-mesh-all-purpose.cluster-policy.json", "meshgov-mesh-jobs.cluster-policy.json"]
    assert "MG-I-016 not expressible" in err and "MG-I-001 not concerned" in err
    body = json.loads((out / "meshgov-mesh-all-purpose.cluster-policy.json").read_text())
    assert set(body) == {"name", "description", "definition"}
    assert json.loads(body["definition"])["autotermination_minutes"]["maxValue"] == 120
    # the API bodies and the Terraform (read as HCL, jsonencode evaluated) pass the pack
    code, stdout, _ = run_cli("check", str(out), "--kinds", "infra", "--format", "json")
    report = json.loads(stdout)
    assert code == 0 and report["findings"] == [] and report["run"]["inputs"] == 3
    # and the Terraform's definitions are really read: loosen one, MG-I-023 reports it
    tf = out / "cluster-policies.tf"
    tf.write_text(tf.read_text().replace('"maxValue": 20', '"maxValue": 64', 1))
    code, stdout, _ = run_cli("check", str(tf), "--kinds", "infra", "--format", "json")
    found = [(f["policy_id"], f["location"]["path"]) for f in json.loads(stdout)["findings"]]
    assert found == [("MG-I-023", "cluster-policies.tf")]


def test_cli_compiles_the_domains_tightened_parameters(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "meshgov.yaml").write_text(
        "domain: sales\npolicies:\n  params:\n    infra.cluster.max_workers: 6\n"
        "    infra.cluster.min_runtime_major: 15\n    infra.cluster.required_tags: [owner, domain, cost-center, team]\n")
    out = tmp_path / "out"
    code, _, err = run_cli("infra", "compile-cluster-policies", "-c", str(tmp_path / "meshgov.yaml"),
                           "-o", str(out))
    assert code == 0, err
    jobs = json.loads(json.loads((out / "meshgov-sales-jobs.cluster-policy.json").read_text())["definition"])
    assert jobs["num_workers"]["maxValue"] == 6 and "autotermination_minutes" not in jobs
    assert jobs["cluster_type"] == {"type": "fixed", "value": "job"}
    assert "custom_tags.team" in jobs
    assert re.fullmatch(jobs["spark_version"]["pattern"], "15.4.x-scala2.12")
    assert not re.fullmatch(jobs["spark_version"]["pattern"], "14.3.x-scala2.12")
    snippet = (out / "bundle-cluster-policies.yml").read_text()
    assert 'cluster_policy: "meshgov-sales-jobs"' in snippet


def test_cli_reports_a_loosening_and_compiles_the_global_value(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "meshgov.yaml").write_text(
        "domain: sales\npolicies:\n  params:\n    infra.cluster.max_workers: 500\n")
    out = tmp_path / "out"
    code, _, err = run_cli("infra", "compile-cluster-policies", "-c", str(tmp_path / "meshgov.yaml"),
                           "-o", str(out))
    assert code == 1 and "error: " in err and "loosen" in err, err
    jobs = json.loads(json.loads((out / "meshgov-sales-jobs.cluster-policy.json").read_text())["definition"])
    assert jobs["num_workers"]["maxValue"] == 20
