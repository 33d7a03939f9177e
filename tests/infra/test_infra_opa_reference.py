"""OPA is the reference implementation of Rego: every verdict of the embedded engines is held
against the real ``opa``.

- the differential test: every policy case, every fixture resource and hypothesis-generated
  plans, evaluated in OPA (server), regorus and regopy: identical findings;
- ``meshgov policy test`` gives the same pass/fail, test by test, as ``opa test``;
- ``opa check --strict`` (and ``opa fmt``) are clean on the shipped pack;
- a domain's Rego is sandboxed: meshgov refuses the builtins that the sandbox capabilities
  take away from ``opa check``, on every engine; a local package cannot shadow a global one.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.core.context import RunOptions
from meshgov.infra.engines import open_engine
from meshgov.infra.evaluator import to_findings
from meshgov.infra.pack import Pack, load_pack

from .infra_support import ENGINES, ROOT, catalog, finding_keys, resource, run
from .opa_server import OpaServer, opa_bin
from .test_infra_policies import ALL_CASES

REFERENCE = ("opa", *ENGINES)


@pytest.fixture(scope="module")
def server() -> Iterator[OpaServer]:
    with OpaServer() as s:
        yield s


def _fixture_resources() -> list:
    from meshgov.core.discovery import discover
    from meshgov.infra.evaluator import load_resources

    from .infra_support import context

    inputs = discover([ROOT / "fixtures" / "infra", ROOT / "fixtures" / "domains" / "sales" / "infra"],
                      ROOT, kinds=("infra",))
    resources, errors, _notes = load_resources(inputs, context(ENGINES[0]))
    assert not errors
    return resources


def test_every_case_and_fixture_identical_on_opa_and_embedded_engines(server: OpaServer) -> None:
    """Each policy's cases (with their params) and every fixture resource, on all three engines."""
    by_params: dict[str, list] = defaultdict(list)
    index: dict[str, int] = defaultdict(int)
    for pid, case in ALL_CASES:
        by_params[json.dumps(case.get("params") or {}, sort_keys=True)].append(
            resource(case["resource"], address=f"{pid}#{index[pid]}"))
        index[pid] += 1
    by_params["{}"].extend(_fixture_resources())
    compared = 0
    for params_json, resources in sorted(by_params.items()):
        params = json.loads(params_json)
        keys = {"opa": finding_keys(run(resources, ENGINES[0], params, engine="opa", opa_url=server.url))}
        for engine in ENGINES:
            keys[engine] = finding_keys(run(resources, engine, params))
        for engine in ENGINES:
            assert keys[engine] == keys["opa"], f"{engine} differs from OPA with params {params_json}"
        compared += len(keys["opa"])
    assert compared > 80


# -- generated plans ------------------------------------------------------------------------------

SIZES = ["2X-Small", "Small", "Medium", "X-Large", "2X-Large", "5X-Large", "Huge", ""]
numbers = st.one_of(st.sampled_from([0, 1, 5, 10, 20, 21, 60, 61, 120, 121, -1, 1000]),
                    st.sampled_from(["30", "0"]), st.none(), st.just(0.0), st.floats(1e-300, 200))
# (strings that are not numbers, "", "abc", "12x", are refused before any engine: test_infra_plan_shapes)
flags = st.one_of(st.booleans(), st.none(), st.sampled_from(["true", "false"]))
tags = st.dictionaries(st.sampled_from(["owner", "domain", "cost-center", "team"]),
                       st.sampled_from(["sales", "", "x"]), max_size=4)
runtime = st.sampled_from(["15.4.x-scala2.12", "12.2.x-scala2.12", "9.1.x", "abc", "", "13.3.x-gpu-ml-scala2.12"])
modes = st.sampled_from(["SINGLE_USER", "USER_ISOLATION", "NONE", "LEGACY_TABLE_ACL", "", "NO_ISOLATION"])
secrets = st.dictionaries(st.sampled_from(["PASSWORD", "spark.password", "token", "X", "aws_secret_access_key"]),
                          st.sampled_from(["{{secrets/s/k}}", "hunter2", "", "{{secrets/x}}"]), max_size=3)


def _maybe(d: Mapping[str, Any], draw: Any) -> dict[str, Any]:
    """Each attribute present or absent (absent is where the engines disagreed before)."""
    return {k: v for k, v in d.items() if draw(st.booleans())}


@st.composite
def clusters(draw: Any) -> dict[str, Any]:
    spec = _maybe({"spark_version": draw(runtime), "num_workers": draw(numbers),
                   "autotermination_minutes": draw(numbers), "data_security_mode": draw(modes),
                   "enable_local_disk_encryption": draw(flags), "policy_id": draw(st.sampled_from(["P", "", None])),
                   "custom_tags": draw(tags), "spark_env_vars": draw(secrets), "spark_conf": draw(secrets),
                   "autoscale": [{"min_workers": draw(numbers), "max_workers": draw(numbers)}]}, draw)
    return {"type": "databricks_cluster", "after": spec}


@st.composite
def warehouses(draw: Any) -> dict[str, Any]:
    spec = _maybe({"cluster_size": draw(st.sampled_from(SIZES)), "auto_stop_mins": draw(numbers),
                   "enable_serverless_compute": draw(flags), "max_num_clusters": draw(numbers),
                   "warehouse_type": draw(st.sampled_from(["PRO", "CLASSIC"]))}, draw)
    return {"type": "databricks_sql_endpoint", "after": spec}


@st.composite
def jobs(draw: Any) -> dict[str, Any]:
    spec = _maybe({"name": "j", "timeout_seconds": draw(numbers), "max_concurrent_runs": draw(numbers),
                   "run_as": [draw(st.sampled_from([{"service_principal_name": "sp"}, {"user_name": "u@x"}, {}]))],
                   "job_cluster": [{"job_cluster_key": "k", "new_cluster": [draw(clusters())["after"]]}]}, draw)
    return {"type": "databricks_job", "after": spec}


@st.composite
def policies(draw: Any) -> dict[str, Any]:
    definition = _maybe({
        "autotermination_minutes": draw(st.sampled_from([{"type": "fixed", "value": 30}, {"type": "range", "maxValue": 500},
                                                         {"type": "range"}, {"type": "unlimited"}])),
        "data_security_mode": draw(st.sampled_from([{"type": "allowlist", "values": ["SINGLE_USER"]},
                                                    {"type": "fixed", "value": "NONE"}, {"type": "unlimited"}])),
    }, draw)
    return {"type": "databricks_cluster_policy", "after": {"name": "p", "definition": json.dumps(definition)}}


@st.composite
def grants(draw: Any) -> dict[str, Any]:
    grant = {"principal": draw(st.sampled_from(["account users", "sales-engineers", "users"])),
             "privileges": draw(st.lists(st.sampled_from(["ALL_PRIVILEGES", "SELECT", "MODIFY", "USE_CATALOG"]),
                                         max_size=3, unique=True))}
    return {"type": "databricks_grants", "after": {"catalog": "sales_prod", "grant": [grant]}}


@st.composite
def generated_plan(draw: Any) -> dict[str, Any]:
    items = draw(st.lists(st.one_of(clusters(), warehouses(), jobs(), policies(), grants()), min_size=1, max_size=6))
    changes = []
    for i, item in enumerate(items):
        unknown = {k: True for k in draw(st.lists(st.sampled_from(
            ["cluster_size", "autotermination_minutes", "num_workers", "id"]), max_size=2))}
        changes.append({"address": f"{item['type']}.r{i}", "mode": "managed", "type": item["type"],
                        "name": f"r{i}", "provider_name": "registry.terraform.io/databricks/databricks",
                        "change": {"actions": ["create"], "before": None, "after": item["after"],
                                   "after_unknown": unknown, "after_sensitive": {}}})
    return {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}


@pytest.fixture(scope="module")
def engines(server: OpaServer) -> Iterator[tuple[Pack, dict[str, Any]]]:
    pack = load_pack(catalog())
    opened = {"opa": open_engine(RunOptions(engine="opa", opa_url=server.url), pack)}
    for name in ENGINES:
        opened[name] = open_engine(RunOptions(embedded_engine=name), pack)
    yield pack, opened
    for e in opened.values():
        e.close()


def _keys(pack: Pack, engine: Any, resources: Sequence[Any]) -> list[tuple]:
    by_id = {p.id: p for p in pack.policies.values()}
    rules = [f"data.meshgov.entry.{pack.entry_for(r.type)}" for r in resources]
    values = engine.evaluate(rules, [r.to_input() for r in resources])
    findings = [f for r, v in zip(resources, values) for f in to_findings(r, v, by_id, None)]
    return sorted((f.subject.ref, f.policy_id, f.severity, f.message, repr(sorted(f.evidence.items())))
                  for f in findings)


@settings(max_examples=int(os.environ.get("MESHGOV_DIFF_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=generated_plan())
def test_generated_plans_identical_on_opa_and_embedded_engines(engines: tuple[Pack, dict], plan: dict) -> None:
    from meshgov.infra.normalize.terraform import from_plan

    pack, opened = engines
    resources = from_plan(json.dumps(plan), "plan.json")
    reference = _keys(pack, opened["opa"], resources)
    for name in ENGINES:
        assert _keys(pack, opened[name], resources) == reference, f"{name} differs from OPA"


@pytest.mark.skipif("regopy" not in ENGINES, reason="regopy not installed")
def test_regopy_refuses_subnormal_numbers_that_opa_evaluates(engines: tuple[Pack, dict]) -> None:
    """rego-cpp fails on any arithmetic with a subnormal float (its output is not JSON): the
    wrapper says so, naming the resource and the number, instead of crashing (exit 3)."""
    from meshgov.core.errors import EngineError

    pack, opened = engines
    [doc] = [resource({"type": "cluster", "spec": {"num_workers": 5e-324}}, "c")]
    assert _keys(pack, opened["opa"], [doc])  # OPA evaluates it (the cluster fails other rules)
    with pytest.raises(EngineError, match=r"regopy could not evaluate c: rego-cpp cannot compute with "
                                          r"the subnormal number 5e-324; evaluate it with --engine regorus"):
        _keys(pack, opened["regopy"], [doc])


# -- policy test == opa test ------------------------------------------------------------------------

def _opa_test(files: Sequence[str], data: Mapping[str, Any], tmp_path: Path) -> dict[str, bool]:
    """The reference: ``opa test --format json`` run here directly (not through meshgov)."""
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(data))
    out = subprocess.run([opa_bin(), "test", "--format", "json", *files, str(data_file)],
                         capture_output=True, text=True, check=False)
    return {f"{r['package']}.{r['name']}": not (r.get("fail") or r.get("error")) for r in json.loads(out.stdout)}


def _meshgov_tests(cat: Any, engine: str) -> dict[str, bool]:
    from meshgov.infra.testing import run_tests, summarize

    return summarize(run_tests(cat, engine, opa_bin())[1])


def test_policy_test_same_as_opa_test_on_the_pack(tmp_path: Path) -> None:
    cat = catalog()
    reference = _opa_test([str(ROOT / "rego")], load_pack(cat).data, tmp_path)
    assert len(reference) >= 57 and all(reference.values())
    for engine in ("opa", "regorus") if "regorus" in ENGINES else ("opa",):
        assert _meshgov_tests(cat, engine) == reference, engine


def test_policy_test_same_as_opa_test_with_a_failing_local_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from meshgov.core.catalog import load_catalog
    from meshgov.core.config import load_config

    from .test_infra_engines import LOCAL_POLICY, _domain

    failing = ("package hr.small_clusters\n\nimport rego.v1\n\n"
               "test_wrong if count(deny) == 7\n\n"
               'test_right if count(deny) == 1 with input as {"type": "cluster", "address": "c", '
               '"spec": {"num_workers": 5}, "context": {}, "unknown": []}\n')
    d = _domain(tmp_path / "d", LOCAL_POLICY, extra={"small_test.rego": failing}) if (tmp_path / "d").mkdir() is None else None
    assert d is not None
    cat = load_catalog(load_config(d / "meshgov.yaml"), ("infra",))
    reference = _opa_test([str(ROOT / "rego"), str(d / "policies")], load_pack(cat).data, tmp_path)
    assert reference["data.hr.small_clusters.test_wrong"] is False
    assert reference["data.hr.small_clusters.test_right"] is True
    for engine in ("opa", "regorus") if "regorus" in ENGINES else ("opa",):
        assert _meshgov_tests(cat, engine) == reference, engine


def test_policy_test_cli_runs_opa_check_and_opa_test(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MESHGOV_OPA_BIN", opa_bin())
    code, out, _ = run_cli("policy", "test", "--engine", "opa")
    assert code == 0, out
    assert "opa check --strict: ok" in out and "engine: opa" in out and "PASS: " in out


def test_shipped_pack_is_clean_under_opa_check_strict_and_opa_fmt() -> None:
    """CI's lint of the pack (Regal is not available from the module proxy here)."""
    check = subprocess.run([opa_bin(), "check", "--strict", str(ROOT / "rego")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    fmt = subprocess.run([opa_bin(), "fmt", "--list", str(ROOT / "rego")], capture_output=True, text=True)
    assert fmt.returncode == 0 and fmt.stdout.strip() == "", fmt.stdout


def test_opa_check_strict_fails_policy_test_on_a_local_module(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from .test_infra_engines import LOCAL_POLICY, _domain

    unused = LOCAL_POLICY.replace('\tinput.spec.num_workers > 1\n', '\tinput.spec.num_workers > 1\n\tunused := input.spec\n')
    d = _domain(tmp_path, unused)
    monkeypatch.chdir(d)
    monkeypatch.setenv("MESHGOV_OPA_BIN", opa_bin())
    code, out, _ = run_cli("policy", "test")
    assert code == 1
    assert "opa check --strict: FAILED" in out and "small.rego" in out


# -- sandbox ---------------------------------------------------------------------------------------

SANDBOXED = {
    "http.send": 'http.send({"method": "get", "url": "http://127.0.0.1:1"})',
    "net.lookup_ip_addr": 'net.lookup_ip_addr("localhost")',
    "net.cidr_contains": 'net.cidr_contains("10.0.0.0/8", "10.1.1.1")',
    "opa.runtime": "opa.runtime()",
    "time.now_ns": "time.now_ns()",
    "rand.intn": 'rand.intn("x", 10)',
    "uuid.rfc4122": 'uuid.rfc4122("x")',
}
ALLOWED = {"sprintf": 'sprintf("%v", [1])', "time.parse_rfc3339_ns": 'time.parse_rfc3339_ns("2026-01-01T00:00:00Z")',
           "json.marshal": "json.marshal([1])", "regex.match": 'regex.match("a", "a")'}


def _calling(expr: str) -> str:
    return ("# METADATA\n# title: t\n# custom:\n#   id: MG-L-050\n#   resource_types: [cluster]\n"
            "package hr.sandbox\n\nimport rego.v1\n\ndeny contains r if {\n\tinput.type == \"cluster\"\n"
            f"\tv := {expr}\n\tr := {{\"msg\": json.marshal(v), \"resource\": input.address}}\n}}\n")


def _sandbox_domain(tmp_path: Path, expr: str) -> Path:
    from .test_infra_engines import _domain

    return _domain(tmp_path, _calling(expr), name="sandbox.rego")


@pytest.mark.parametrize("builtin", sorted(SANDBOXED))
@pytest.mark.parametrize("engine", REFERENCE)
def test_a_domain_rego_cannot_call_sandboxed_builtins(run_cli, tmp_path: Path, server: OpaServer,
                                                      monkeypatch: pytest.MonkeyPatch, builtin: str, engine: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-must-never-leak-0123456789")
    d = _sandbox_domain(tmp_path, SANDBOXED[builtin])
    extra = ("--opa-url", server.url) if engine == "opa" else ()
    code, out, err = run_cli("check", str(d), "--engine", engine, *extra, "-f", "json")
    assert code == 2, (out, err)
    assert f"sandbox.rego:12: a domain's Rego may not call {builtin}" in err, err
    assert "dapi-must-never-leak" not in out + err


def test_the_sandbox_list_is_what_opa_capabilities_take_away(tmp_path: Path) -> None:
    """The same modules are refused by meshgov's check and by ``opa check`` with the sandbox
    capabilities (the server-path equivalent), and the same are accepted."""
    from meshgov.core.errors import ConfigError
    from meshgov.infra import opa_cli
    from meshgov.infra.metadata import check_sandbox, read_module

    caps = opa_cli.sandbox_capabilities(opa_bin(), tmp_path)
    for name, expr in {**SANDBOXED, **ALLOWED}.items():
        f = tmp_path / f"{name.replace('.', '_')}.rego"
        f.write_text(_calling(expr))
        out = subprocess.run([opa_bin(), "check", "--capabilities", str(caps), str(f)], capture_output=True, text=True)
        try:
            check_sandbox(read_module(f))
            refused = False
        except ConfigError:
            refused = True
        assert refused == (name in SANDBOXED), name
        assert (out.returncode != 0) == refused, (name, out.stderr)
        if refused:
            assert "undefined function" in out.stderr, out.stderr


@pytest.mark.parametrize("package", ["meshgov.infra.warehouse.size", "meshgov.lib", "meshgov.hr"])
def test_a_local_package_cannot_shadow_the_council_pack(run_cli, tmp_path: Path, package: str) -> None:  # type: ignore[no-untyped-def]
    from .test_infra_engines import LOCAL_POLICY, _domain

    d = _domain(tmp_path, LOCAL_POLICY.replace("package hr.small_clusters", f"package {package}"))
    code, _, err = run_cli("check", str(d))
    assert code == 2
    assert "small.rego:9" in err and ("package of the global pack" in err or "namespace is the council's" in err), err
