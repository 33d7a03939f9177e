"""The OPA server engine against the REAL ``opa`` (built from its Go module by
scripts/go-tools.sh, started here on loopback), and the few faults only a test double can make.

Server down, slow, 500, bad token, an undefined or misshapen answer: exit 2 (EngineError),
never a pass.
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshgov.core.errors import EngineError

from .infra_support import ROOT, catalog, context, finding_keys, resource, run
from .opa_server import OpaServer

PLANS = ROOT / "fixtures" / "infra" / "plans"
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def opa() -> Iterator[OpaServer]:
    """One real server for the module, with token authentication and basic authorization."""
    with OpaServer(token=TOKEN, extra_args=("--set", "decision_logs.console=true")) as server:
        yield server


def _resources() -> list:
    from meshgov.core.discovery import discover
    from meshgov.infra.evaluator import load_resources

    inputs = discover([ROOT / "fixtures" / "infra", ROOT / "fixtures" / "domains" / "sales" / "infra"],
                      ROOT, kinds=("infra",))
    resources, errors, _notes = load_resources(inputs, context("regorus"))
    assert not errors
    return resources


def _batch_queries(server: OpaServer) -> int:
    """Decisions the server logged for the batch rule (its own decision log, not our client)."""
    n = 0
    for line in server.log.read_text().splitlines():
        if line.startswith("{") and '"decision_id"' in line:
            entry = json.loads(line)
            n += entry.get("path") == "meshgov/batch/results"
    return n


def _engine(server: OpaServer, params: dict | None = None, **kw: object):  # type: ignore[no-untyped-def]
    from meshgov.infra.engines.opa_engine import OpaEngine
    from meshgov.infra.pack import load_pack

    pack = load_pack(catalog(params))
    return OpaEngine(server.url, pack.all_modules(), pack.data, token=server.token, **kw)  # type: ignore[arg-type]


def test_real_opa_findings_identical_to_embedded(opa: OpaServer) -> None:
    resources = _resources()
    remote = run(resources, "regorus", engine="opa", opa_url=opa.url, opa_token=TOKEN)
    assert remote.engine == "opa"
    assert len(remote.findings) > 20
    assert finding_keys(remote) == finding_keys(run(resources, "regorus"))
    # the pack went in through the policies API, one module a policy id, the params as data
    ids = opa.policy_ids()
    assert "meshgov/meshgov.lib/lib.rego" in ids and "meshgov/meshgov.batch/meshgov_batch.rego" in ids
    assert "meshgov/meshgov.infra.warehouse.size/size.rego" in ids
    status, body = opa.request("GET", "/v1/data/meshgov/params/infra/warehouse/max_size")
    assert status == 200 and body["result"] == "X-Large"  # type: ignore[index]


def test_pack_is_pushed_once_per_content_hash(opa: OpaServer) -> None:
    first = _engine(opa)
    again = _engine(opa)
    assert again.pack_hash == first.pack_hash
    assert again.pushes == 0  # the server already holds this pack: nothing re-sent
    tighter = _engine(opa, {"infra.warehouse.max_size": "Small"})
    assert tighter.pushes == 1 and tighter.pack_hash != first.pack_hash
    status, body = opa.request("GET", "/v1/data/meshgov/params/infra/warehouse/max_size")
    assert body["result"] == "Small"  # type: ignore[index]
    doc = resource({"type": "warehouse", "spec": {"cluster_size": "Medium", "auto_stop_mins": 10,
                                                  "enable_serverless_compute": True}})
    # the first engine's pack was replaced meanwhile: its batch answer says so, it pushes again
    pushed = first.pushes
    [value] = first.evaluate(["data.meshgov.entry.warehouse"], [doc.to_input()])
    assert first.pushes == pushed + 1
    assert value["MG-I-001"] == [[], []]  # evaluated with its own params (X-Large), not Small's
    [value] = tighter.evaluate(["data.meshgov.entry.warehouse"], [doc.to_input()])
    assert [r["field"] for r in value["MG-I-001"][0]] == ["cluster_size"]
    for e in (first, again, tighter):
        e.close()


def test_stale_modules_of_an_older_pack_are_deleted(opa: OpaServer, tmp_path: Path) -> None:
    from meshgov.infra.engines.opa_engine import OpaEngine
    from meshgov.infra.metadata import read_module
    from meshgov.infra.pack import load_pack

    extra = tmp_path / "extra.rego"
    extra.write_text("package hr.extra\n\nimport rego.v1\n\nx := 1\n")
    pack = load_pack(catalog())
    with_extra = OpaEngine(opa.url, (*pack.all_modules(), read_module(extra)), pack.data, token=TOKEN)
    assert "meshgov/hr.extra/extra.rego" in opa.policy_ids()
    without = OpaEngine(opa.url, pack.all_modules(), pack.data, token=TOKEN)
    assert without.pushes == 1
    ids = opa.policy_ids()
    assert "meshgov/hr.extra/extra.rego" not in ids
    assert any(i.endswith("authz.rego") for i in ids)  # the server's own policies are left alone
    with_extra.close()
    without.close()


def test_real_opa_batches_large_inputs(opa: OpaServer) -> None:
    docs = [resource({"type": "warehouse", "spec": {"cluster_size": "4X-Large", "auto_stop_mins": 10,
                                                    "enable_serverless_compute": True}}, f"w{i}")
            for i in range(1200)]
    before = _batch_queries(opa)
    result = run(docs, "regorus", engine="opa", opa_url=opa.url, opa_token=TOKEN)
    assert len(result.findings) == 1200
    assert sorted({f.subject.ref for f in result.findings}) == sorted(f"w{i}" for i in range(1200))
    deadline = time.monotonic() + 5
    while _batch_queries(opa) - before < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the decision log is written asynchronously
    assert _batch_queries(opa) - before == 3  # 500 resources per query


def test_cli_against_real_opa(run_cli, opa: OpaServer) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("check", str(PLANS / "plan_violations.json"), "--engine", "opa",
                             "--opa-url", opa.url, "--opa-token", TOKEN, "-f", "json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["run"]["engine"] == "opa"
    code2, out2, _ = run_cli("check", str(PLANS / "plan_violations.json"), "-f", "json")
    assert [f for f in doc["findings"]] == [f for f in json.loads(out2)["findings"]]


def _domain(tmp_path: Path, rego: str) -> Path:
    (tmp_path / "meshgov.yaml").write_text("domain: hr\npolicies:\n  local: [policies/]\n")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "local.rego").write_text(rego)
    (tmp_path / "c.cluster.json").write_text(json.dumps({"cluster_name": "c", "num_workers": 1}))
    return tmp_path


_LOCAL_HEAD = """\
# METADATA
# title: a local policy
# custom:
#   id: MG-L-009
#   resource_types: [cluster]
package hr.local

import rego.v1

"""
SLOW = _LOCAL_HEAD + textwrap.dedent("""\
    deny contains r if {
    \tinput.type == "cluster"
    \tcount([x | some x in numbers.range(1, 30000000)]) > 0
    \tr := {"msg": "slow", "resource": input.address}
    }
    """)
CONFLICT = _LOCAL_HEAD + textwrap.dedent("""\
    size := 1 if input.type == "cluster"

    size := 2 if input.type == "cluster"

    deny contains r if {
    \tsize > 0
    \tr := {"msg": "conflict", "resource": input.address}
    }
    """)


@pytest.mark.parametrize("fault", ["down", "token", "slow", "500"])
def test_real_opa_faults_are_exit_2(run_cli, tmp_path: Path, fault: str) -> None:  # type: ignore[no-untyped-def]
    target = str(PLANS / "plan_violations.json")
    if fault == "slow":
        target = str(_domain(tmp_path, SLOW))
    elif fault == "500":
        target = str(_domain(tmp_path, CONFLICT))
    with OpaServer(token="right") as server:
        token = "wrong" if fault == "token" else "right"
        if fault == "down":
            server.stop()
        start = time.monotonic()
        code, out, err = run_cli("check", target, "--engine", "opa", "--opa-url", server.url,
                                 "--opa-token", token, "--opa-timeout", "1")
        elapsed = time.monotonic() - start
    assert code == 2, (out, err)
    expected = {"down": "not reachable", "token": "check --opa-token",
                "slow": "did not answer within 1 s", "500": "HTTP 500"}[fault]
    assert "OPA server" in err and expected in err, err
    if fault == "500":
        assert "eval_conflict_error" in err or "conflict" in err, err
    assert "right" not in err and "wrong" not in err  # the token is never printed
    assert elapsed < 20


def test_real_opa_stopped_mid_run_and_undefined_result(opa: OpaServer) -> None:
    docs = [resource({"type": "cluster", "spec": {}}).to_input()]
    with OpaServer() as server:
        engine = _engine(server)  # pack pushed, then the server goes away
        assert engine.evaluate(["data.meshgov.entry.cluster"], docs)
        server.stop()
        with pytest.raises(EngineError, match="not reachable"):
            engine.evaluate(["data.meshgov.entry.cluster"], docs)
    with OpaServer() as server:
        engine = _engine(server)
        # the batch rule removed behind the run's back: OPA answers 200 without "result"
        status, _ = server.request("DELETE", "/v1/policies/meshgov/meshgov.batch/meshgov_batch.rego")
        assert status == 200
        with pytest.raises(EngineError, match="undefined"):
            engine.evaluate(["data.meshgov.entry.cluster"], docs)


def test_rego_compile_error_from_real_opa_names_the_file(run_cli, tmp_path: Path, opa: OpaServer) -> None:  # type: ignore[no-untyped-def]
    broken = _LOCAL_HEAD + 'deny contains r if {\n\tinput.type == "cluster"\n\tr := undefined_fn(1)\n}\n'
    d = _domain(tmp_path, broken)
    code, _, err = run_cli("check", str(d), "--engine", "opa", "--opa-url", opa.url, "--opa-token", TOKEN)
    assert code == 2
    assert str(d / "policies" / "local.rego") in err and "undefined function undefined_fn" in err, err


# -- what only a test double can do -----------------------------------------------------------

@pytest.mark.parametrize(("mode", "expected"), [
    ("garbage", "refused to evaluate"),
    ("shape", "unexpected answer"),
    ("empty-values", "did not evaluate the pack"),  # #18.7: {} per resource is not a pass
    ("hang", "did not answer within 0.5 s"),
])
def test_double_garbage_and_hang_are_exit_2(run_cli, mode: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("hobofan_regorus")  # the double evaluates with regorus
    from .opa_double import OpaDouble

    with OpaDouble() as server:
        server.mode, server.delay = mode, 3.0
        code, out, err = run_cli("check", str(PLANS / "plan_violations.json"), "--engine", "opa",
                                 "--opa-url", server.url, "--opa-timeout", "0.5")
    assert code == 2, (out, err)
    assert expected in err, err


def test_opa_rejects_bad_url() -> None:
    with pytest.raises(EngineError, match="no path prefix"):
        run([resource({"type": "cluster", "spec": {}})], "regorus", engine="opa",
            opa_url="http://127.0.0.1:1/opa")


@pytest.mark.parametrize("value", [{}, {"MG-I-001": "x"}, {"MG-I-001": [[], "warn"]},
                                   {"MG-I-001": [[]]}, [], None])
def test_entry_values_of_another_shape_are_engine_errors(value) -> None:  # type: ignore[no-untyped-def]
    """#18.7: whatever an engine answers other than {policy: [deny, warn]} fails the run."""
    from meshgov.infra.evaluator import to_findings

    res = resource({"type": "warehouse", "spec": {"cluster_size": "4X-Large"}})
    with pytest.raises(EngineError):
        to_findings(res, value, {}, None, frozenset({"MG-I-001"}))
    assert to_findings(res, {"MG-I-001": [[], []]}, {}, None, frozenset({"MG-I-001"})) == []
