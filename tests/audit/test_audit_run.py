"""`meshgov audit` end to end against the loopback server: findings, faults, secrets, trend."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from audit_helpers import audit_yaml, by_policy, serve_recorded
from audit_loopback import TOKEN, FakeClock, Faults, load_recorded, sdk_factory
from meshgov.audit.run import audit_command
from meshgov.core.context import RunOptions

CRAWL = "crawl:\n  http_timeout_seconds: 0.5\n  retry_timeout_seconds: 60\n"


def _audit(cfg: Path, audit_dir: Path, clock: FakeClock | None = None, **kw):
    return audit_command(config=None, options=kw.pop("options", RunOptions()),
                         workspaces_file=cfg, audit_dir=audit_dir,
                         client_factory=sdk_factory(clock), eval_workers=0, **kw)


def test_report_has_findings_from_every_crawled_object_type(lb, tmp_path: Path) -> None:
    hosts = serve_recorded(lb, ["sales-prod", "hr-prod"])
    report = _audit(audit_yaml(tmp_path / "audit.yaml", hosts), tmp_path / "audit")
    subjects = {(f.policy_id.rsplit("-", 1)[0], f.subject.type) for f in report.findings}
    assert {("MG-I", "cluster"), ("MG-I", "warehouse"), ("MG-I", "job"),
            ("MG-A", "table"), ("MG-C", "table")} <= subjects
    pols = by_policy(report)
    grants = [f for f in pols["MG-I-030"] if f.subject.ref.startswith("grants/")]
    assert grants and "account users" in grants[0].message
    assert any(f.subject.ref == "workspace_conf" or "conf" in f.subject.ref
               for f in pols.get("MG-I-040", []) + pols.get("MG-I-041", []))
    # a job's task cluster is evaluated as a cluster (num_workers 60 > max 20)
    assert any(f.subject.type == "job" and "60" in f.message for f in report.findings)
    # code policies on view definitions: SELECT * in a view, located at workspace/view
    star = [f for f in pols["MG-C-002"]]
    assert star and all(f.location.path.startswith(("sales-prod/", "hr-prod/")) for f in star)
    # UC metadata policies
    assert any("email" in f.message for f in pols["MG-A-004"])
    assert any("notes" in f.message for f in pols["MG-A-004"])  # PII by column tag
    assert any("alice@corp.example" in f.message for f in pols["MG-A-003"])
    # domains from the audit config
    assert {f.subject.domain for f in report.findings} == {"sales", "hr"}
    ws = {w["name"]: w for w in report.to_dict()["workspaces"]}
    assert ws["sales-prod"]["status"] == "ok"
    assert ws["sales-prod"]["objects"] == sum(ws["sales-prod"]["counts"].values()) > 50
    assert report.run.mode == "audit" and report.run.inputs == sum(
        w["objects"] for w in ws.values())
    assert {p.id for p in report.policies} >= {"MG-A-002", "MG-A-003", "MG-A-004"}


def test_fault_cases_are_recorded_per_workspace_while_others_complete(lb, tmp_path: Path) -> None:
    clock = FakeClock()
    hosts = serve_recorded(lb, ["sales-prod", "hr-prod", "finance-dev"], faults={
        "sales-prod": Faults(throttle=3, retry_after="2"),  # 429 then fine
        "hr-prod": Faults(unauthorized=True),  # 401
        "finance-dev": Faults(error_500_path="/api/2.2/jobs/list"),  # 500: not retried
    })
    hosts["forbidden"] = lb.add_workspace(
        "forbidden", load_recorded("hr-prod"),
        Faults(forbidden_path="/api/2.1/unity-catalog/"))  # 403
    hosts["slow"] = lb.add_workspace("slow", load_recorded("hr-prod"), Faults(delay=1.0))
    hosts["unavailable"] = lb.add_workspace(
        "unavailable", load_recorded("hr-prod"),
        Faults(unavailable_path="/api/2.1/unity-catalog/catalogs"))  # 503 until retries end
    t0 = time.monotonic()
    report = _audit(audit_yaml(tmp_path / "audit.yaml", hosts, extra=CRAWL), tmp_path / "audit",
                    clock)
    assert time.monotonic() - t0 < 60  # retries of 60 s slept on the fake clock
    ws = {w["name"]: w for w in report.to_dict()["workspaces"]}
    assert ws["sales-prod"]["status"] == "ok" and ws["sales-prod"]["objects"] > 50
    assert ws["hr-prod"]["error"]["status"] == 401
    assert ws["finance-dev"]["error"]["status"] == 500
    assert ws["forbidden"]["error"]["status"] == 403
    assert "USE CATALOG" in ws["forbidden"]["error"]["message"]
    assert ws["slow"]["status"] == "error"
    assert "timed out" in ws["slow"]["error"]["message"].lower() \
        or "timeout" in ws["slow"]["error"]["type"].lower()
    assert ws["unavailable"]["status"] == "error"
    assert ws["unavailable"]["error"]["type"] == "TimeoutError"
    failed = {f.subject.ref: f for f in by_policy(report)["MG-A-001"]}
    assert set(failed) == {"hr-prod", "finance-dev", "forbidden", "slow", "unavailable"}
    assert all(f.severity == "error" and f.subject.type == "workspace" for f in failed.values())
    assert not report.passed
    # the errors carry no SDK config dump
    assert not any("Config:" in w.get("error", {}).get("message", "") for w in ws.values()
                   if w.get("error"))


def test_tokens_and_secrets_never_reach_snapshots_reports_or_logs(lb, tmp_path: Path,
                                                                  capsys) -> None:
    hosts = serve_recorded(lb, ["sales-prod", "hr-prod"],
                           faults={"hr-prod": Faults(unauthorized=True)})
    lines: list[str] = []
    from meshgov.audit.progress import cli_progress

    class Sink:
        def write(self, s: str) -> None:
            lines.append(s)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    report = _audit(audit_yaml(tmp_path / "audit.yaml", hosts), tmp_path / "audit",
                    on_progress=cli_progress(Sink()))
    blobs = [p.read_bytes() for p in (tmp_path / "audit").rglob("*") if p.is_file()]
    blobs.append(json.dumps(report.to_dict()).encode())
    blobs.append("".join(lines).encode())
    blobs.append((capsys.readouterr().err).encode())
    assert len(blobs) >= 5
    for blob in blobs:
        assert TOKEN.encode() not in blob
        assert TOKEN[:20].encode() not in blob
        assert b"hunter2-supersecret-value" not in blob
    # the server did receive the token: the grep above could have found it
    assert any(TOKEN in auth for _, _, auth in lb.requests("sales-prod"))
    assert "hr-prod: FAILED" in "".join(lines)


STORAGE_KEY = "Zm9vYmFyYmF6cXV4c3RvcmFnZWFjY291bnRrZXk9PQ=="
CONF_SECRETS = {  # #18.3: credential keys of spark_conf whose names say nothing of "secret"
    "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net": STORAGE_KEY,
    "fs.azure.sas.container.acct.blob.core.windows.net": "sv=2022-11-02&ss=b&sig=c2FzLXNpZy12YWx1ZQ",
    "spark.hadoop.fs.s3a.access.key": "AKIAIOSFODNN7EXAMPLE",
    "spark.sql.catalog.jdbc.url": "jdbc:sqlserver://db:1433;user=etl;password=jdbc-pass-value-42",
    "spark.hadoop.fs.azure.account.key.ref.dfs.core.windows.net": "{{secrets/storage/ref}}",
}


def test_spark_conf_credentials_never_reach_the_snapshot_and_are_reported(lb, tmp_path: Path) -> None:
    data = load_recorded("sales-prod")
    data["clusters"] = [*data["clusters"], {
        "cluster_id": "0606-conf-keys", "cluster_name": "keys", "autotermination_minutes": 30,
        "custom_tags": {"owner": "x"}, "data_security_mode": "USER_ISOLATION", "num_workers": 1,
        "node_type_id": "i3.xlarge", "spark_version": "15.4.x-scala2.12", "state": "RUNNING",
        "spark_conf": CONF_SECRETS}]
    hosts = {"sales-prod": lb.add_workspace("sales-prod", data)}
    report = _audit(audit_yaml(tmp_path / "audit.yaml", hosts), tmp_path / "audit")
    blobs = [p.read_bytes() for p in (tmp_path / "audit").rglob("*") if p.is_file()]
    blobs += [json.dumps(report.to_dict()).encode()]
    snapshot = b"".join(p.read_bytes() for p in (tmp_path / "audit").rglob("*.jsonl"))
    assert b"0606-conf-keys" in snapshot  # the cluster is in the snapshot, its keys are not
    assert b"{{secrets/storage/ref}}" in snapshot  # a reference is kept
    for blob in blobs:
        for value in (STORAGE_KEY, "c2FzLXNpZy12YWx1ZQ", "AKIAIOSFODNN7EXAMPLE", "jdbc-pass-value-42"):
            assert value.encode() not in blob
    flagged = {f.evidence.get("field") or f.message for f in by_policy(report)["MG-I-016"]
               if f.subject.ref.endswith("0606-conf-keys")}
    assert len(flagged) == 4, flagged


def test_second_run_compares_with_the_previous_run(lb, tmp_path: Path) -> None:
    data = load_recorded("sales-prod")
    hosts = {"sales-prod": lb.add_workspace("sales-prod", data)}
    cfg = audit_yaml(tmp_path / "audit.yaml", hosts)
    first = _audit(cfg, tmp_path / "audit")
    assert "baseline" not in first.to_dict()
    # overnight: one cluster gets fixed, a new warehouse appears too big
    cluster = next(c for c in data["clusters"] if c["autotermination_minutes"] == 0)
    cluster["autotermination_minutes"] = 30
    data["warehouses"].append({"id": "whnew", "name": "huge", "cluster_size": "5X-Large",
                               "auto_stop_mins": 10, "enable_serverless_compute": True})
    lb.close()
    from audit_loopback import loopback

    with loopback() as lb2:
        hosts = {"sales-prod": lb2.add_workspace("sales-prod", data)}
        second = _audit(audit_yaml(cfg, hosts), tmp_path / "audit")
    out = second.to_dict()
    assert out["baseline"]["path"] == "report.json"  # the previous run's report
    assert out["baseline"]["before"]["findings"] == first.summary()["findings"]
    new = [f for f in second.findings if f.baseline_status == "new"]
    assert 1 <= len(new) < len(second.findings)  # most findings are unchanged
    assert any("whnew" in f.subject.ref or "huge" in f.message for f in new)
    assert any(cluster["cluster_id"] in json.dumps(x) for x in out["fixed"])
    runs = sorted((tmp_path / "audit" / "runs").iterdir())
    assert len(runs) == 2 and all((r / "report.json").is_file() for r in runs)


def test_no_resume_starts_a_new_run(lb, tmp_path: Path) -> None:
    hosts = serve_recorded(lb, ["sales-prod"])
    cfg = audit_yaml(tmp_path / "audit.yaml", hosts)
    _audit(cfg, tmp_path / "audit")
    (next((tmp_path / "audit" / "runs").iterdir()) / "report.json").unlink()  # "interrupted"
    _audit(cfg, tmp_path / "audit", resume=False)
    assert len(list((tmp_path / "audit" / "runs").iterdir())) == 2


@pytest.mark.parametrize("workers", [2])
def test_worker_processes_give_the_same_report_as_inline(tmp_path: Path, workers: int) -> None:
    snap = Path(__file__).resolve().parents[2] / "fixtures" / "workspaces" / "snapshot"
    inline = audit_command(config=None, options=RunOptions(), snapshot=snap, eval_workers=0)
    pooled = audit_command(config=None, options=RunOptions(), snapshot=snap,
                           eval_workers=workers)

    def strip(r):
        d = r.to_dict()
        d.pop("run")
        return d

    assert strip(inline) == strip(pooled)
    assert len(inline.findings) > 50


def test_data_bindings_follow_the_workspace_a_table_was_found_in() -> None:
    from meshgov.audit.evaluate import workspace_bindings

    data = {"ws0_cat0.sch0.T0": {"warehouse_id": "wh1"},
            "ws0_cat0.sch0.T4": {"warehouse_id": "wh1", "options": {"host": "https://pinned"}},
            "other.sch.T": {"warehouse_id": "wh1"},
            "ws0_cat0.sch0.T8": {"path": "data/t8.csv"}}
    tables = ["ws0_cat0.sch0.t0", "ws0_cat0.sch0.T4", "ws0_cat0.sch0.T8"]
    assert workspace_bindings(tables, data, "https://sales.example") == {
        "ws0_cat0.sch0.T0": {"warehouse_id": "wh1", "options": {"host": "https://sales.example"}},
        "ws0_cat0.sch0.T4": {"warehouse_id": "wh1", "options": {"host": "https://pinned"}},
    }


def test_a_second_audit_on_one_audit_dir_is_refused_while_the_first_runs(lb, tmp_path: Path) -> None:
    """#18.13: two runs must not pick the same run id and crawl into it together."""
    import subprocess
    import sys

    from meshgov.core.errors import UsageError

    hosts = serve_recorded(lb, ["sales-prod"])
    cfg = audit_yaml(tmp_path / "audit.yaml", hosts)
    audit_dir = tmp_path / "audit"
    holder = subprocess.Popen(  # another process holds the lock, as a running audit does
        [sys.executable, "-c", "import sys, time; from pathlib import Path\n"
         "from meshgov.audit.rundir import locked\n"
         "with locked(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
         str(audit_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match=f"another meshgov audit \\(pid {holder.pid}\\)"):
            _audit(cfg, audit_dir)
        assert not (audit_dir / "runs").exists()  # refused before a run directory was made
    finally:
        holder.kill()
        holder.wait()
    report = _audit(cfg, audit_dir)  # the holder died: its lock went with it
    assert report.findings and len(list((audit_dir / "runs").iterdir())) == 1


def test_cluster_policy_drift_against_the_compiled_policies(lb, tmp_path: Path) -> None:
    """A workspace whose cluster policies are looser than the compiled ones is reported; the
    policies `meshgov infra compile-cluster-policies` writes are not."""
    from meshgov.core.catalog import load_catalog
    from meshgov.core.config import default_config
    from meshgov.infra.cluster_policies import definitions

    params = load_catalog(default_config(tmp_path), ("infra",)).params
    compiled = definitions(params, name="sales")
    data = load_recorded("sales-prod")
    loose = json.loads(json.dumps(compiled[0].definition))
    loose["num_workers"]["maxValue"] = 200  # drifted: someone raised the bound in the UI
    loose["spark_version"] = {"type": "unlimited"}
    data["cluster_policies"] = [
        *[{"policy_id": f"COMPILED{i}", **c.to_api()} for i, c in enumerate(compiled)],
        {"policy_id": "DRIFTED", "name": "sales-all-purpose-edited", "definition": json.dumps(loose)},
    ]
    hosts = {"sales-prod": lb.add_workspace("sales-prod", data)}
    report = _audit(audit_yaml(tmp_path / "audit.yaml", hosts), tmp_path / "audit")
    drift = sorted((f.subject.ref.rsplit("/", 1)[-1], f.evidence.get("field"))
                   for f in report.findings if f.policy_id in ("MG-I-022", "MG-I-023"))
    assert drift == [("DRIFTED", "definition.num_workers"), ("DRIFTED", "definition.spark_version")]
    (finding,) = [f for f in report.findings if f.evidence.get("field") == "definition.spark_version"]
    assert finding.evidence["workspace"] == "sales-prod" and finding.subject.domain == "sales"
