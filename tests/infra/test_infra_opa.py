"""The OPA server engine: against an OPA-compatible TEST DOUBLE (tests/infra/opa_double.py),
and against a real ``opa`` binary when one is on PATH.

Server down, slow, 500, bad token: exit 2 (EngineError), never a pass.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from meshgov.core.errors import EngineError
from meshgov.infra.engines.regorus_engine import available as regorus_available

from .infra_support import ROOT, finding_keys, resource, run

pytestmark = pytest.mark.skipif(not regorus_available(), reason="the OPA test double evaluates with regorus")

PLANS = ROOT / "fixtures" / "infra" / "plans"


@pytest.fixture()
def opa() -> Iterator[object]:
    from .opa_double import OpaDouble

    with OpaDouble(token="s3cret-token") as server:
        yield server


def _resources() -> list:
    from meshgov.core.discovery import discover
    from meshgov.infra.evaluator import load_resources

    from .infra_support import context

    inputs = discover([ROOT / "fixtures" / "infra"], ROOT, kinds=("infra",))
    resources, errors = load_resources(inputs, context("regorus"))
    assert not errors
    return resources


def test_opa_findings_identical_to_embedded(opa) -> None:  # type: ignore[no-untyped-def]
    resources = _resources()
    embedded = finding_keys(run(resources, "regorus"))
    remote = run(resources, "regorus", engine="opa", opa_url=opa.url, opa_token="s3cret-token")
    assert remote.engine == "opa"
    assert finding_keys(remote) == embedded
    assert any(p.startswith("/v1/policies/meshgov/") for m, p in opa.requests if m == "PUT")
    assert ("PUT", "/v1/data/meshgov/params") in opa.requests
    assert [p for m, p in opa.requests if m == "POST"] == ["/v1/data/meshgov/batch/results"]


def test_opa_batches_large_inputs(opa) -> None:  # type: ignore[no-untyped-def]
    docs = [resource({"type": "warehouse", "spec": {"cluster_size": "4X-Large", "auto_stop_mins": 10,
                                                    "enable_serverless_compute": True}}, f"w{i}")
            for i in range(1200)]
    result = run(docs, "regorus", engine="opa", opa_url=opa.url, opa_token="s3cret-token")
    assert len(result.findings) == 1200
    assert len([p for m, p in opa.requests if m == "POST"]) == 3  # 500 per request


def test_cli_against_opa(run_cli, opa) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("check", str(PLANS / "plan_violations.json"), "--engine", "opa",
                             "--opa-url", opa.url, "--opa-token", "s3cret-token", "-f", "json")
    assert code == 1, err
    assert '"engine": "opa"' in out


@pytest.mark.parametrize("fault", ["down", "500", "slow", "token"])
def test_opa_faults_are_exit_2(run_cli, fault: str) -> None:  # type: ignore[no-untyped-def]
    from .opa_double import OpaDouble

    server = OpaDouble(token="right")
    server.__enter__()
    url = server.url
    token = "right"
    try:
        if fault == "down":
            server.stop()
        elif fault == "500":
            server.mode = "500"
        elif fault == "slow":
            server.mode, server.delay = "slow", 1.5
        else:
            token = "wrong"
        start = time.monotonic()
        code, out, err = run_cli("check", str(PLANS / "plan_violations.json"), "--engine", "opa",
                                 "--opa-url", url, "--opa-token", token, "--opa-timeout", "0.5")
        elapsed = time.monotonic() - start
    finally:
        if fault != "down":
            server.stop()
    assert code == 2, (out, err)
    assert "OPA server" in err
    expected = {"down": "not reachable", "500": "internal_error", "slow": "did not answer within 0.5 s",
                "token": "check --opa-token"}[fault]
    assert expected in err
    assert "right" not in err and "wrong" not in err  # the token is never printed
    if fault == "slow":
        assert elapsed < 5


def test_opa_500_on_query_and_undefined_result(opa) -> None:  # type: ignore[no-untyped-def]
    docs = [resource({"type": "cluster", "spec": {}})]
    opa.mode = "500-query"
    with pytest.raises(EngineError, match="HTTP 500"):
        run(docs, "regorus", engine="opa", opa_url=opa.url, opa_token="s3cret-token")
    opa.mode = "ok"
    from meshgov.infra.engines.opa_engine import OpaEngine
    from meshgov.infra.pack import load_pack

    from .infra_support import catalog

    pack = load_pack(catalog())
    opa.policies.clear()
    engine = OpaEngine(opa.url, pack.modules, pack.data, token="s3cret-token")  # no batch module
    with pytest.raises(EngineError, match="undefined"):
        engine.evaluate(["data.meshgov.entry.cluster"], [docs[0].to_input()])


def test_opa_rejects_bad_url() -> None:
    with pytest.raises(EngineError, match="no path prefix"):
        run([resource({"type": "cluster", "spec": {}})], "regorus", engine="opa",
            opa_url="http://127.0.0.1:1/opa")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(shutil.which("opa") is None,
                    reason="no `opa` binary on PATH (not installable here: not on PyPI, npm or Debian); "
                    "the OPA path is covered by the test double above")
def test_real_opa_server_identical_to_embedded() -> None:  # pragma: no cover - needs opa
    port = _free_port()
    proc = subprocess.Popen([shutil.which("opa"), "run", "--server", "--addr", f"127.0.0.1:{port}"],  # type: ignore[list-item]
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        resources = _resources()
        remote = run(resources, "regorus", engine="opa", opa_url=f"http://127.0.0.1:{port}")
        assert finding_keys(remote) == finding_keys(run(resources, "regorus"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
