"""The `meshgov audit` command: offline snapshot, exit codes, schema, progress rendering."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema

from meshgov.audit.progress import AuditProgress, cli_progress

SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "workspaces" / "snapshot"


def test_offline_snapshot_report_is_schema_valid(run_cli, report_schema, tmp_path: Path) -> None:
    code, out, err = run_cli("audit", "--snapshot", str(SNAPSHOT), "-f", "json")
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, report_schema)
    assert doc["run"]["mode"] == "audit"
    ws = {w["name"]: w["status"] for w in doc["workspaces"]}
    assert ws == {"finance-dev": "error", "hr-prod": "ok", "sales-prod": "ok"}
    assert doc["run"]["inputs"] == 144
    assert "meshgov: audit:" in err  # plain progress lines on a non-TTY stderr


def test_snapshot_of_an_audit_dir_is_its_newest_run(run_cli, tmp_path: Path) -> None:
    for run in ("20261120T020000Z", "20261121T020000Z"):
        d = tmp_path / "runs" / run / "workspaces"
        d.mkdir(parents=True)
        names = ["sales-prod"] if run.startswith("20261120") else ["sales-prod", "hr-prod"]
        for n in names:
            (d / f"{n}.jsonl").write_bytes((SNAPSHOT / f"{n}.jsonl").read_bytes())
    code, out, _ = run_cli("audit", "--snapshot", str(tmp_path), "-f", "json")
    assert [w["name"] for w in json.loads(out)["workspaces"]] == ["hr-prod", "sales-prod"]


def test_offline_snapshot_with_include_filter(run_cli) -> None:
    code, out, _ = run_cli("audit", "--snapshot", str(SNAPSHOT), "--include", "sales-*",
                           "-f", "json")
    doc = json.loads(out)
    assert [w["name"] for w in doc["workspaces"]] == ["sales-prod"]
    assert code == 1 and doc["findings"]


def test_offline_snapshot_is_deterministic(run_cli) -> None:
    a = json.loads(run_cli("audit", "--snapshot", str(SNAPSHOT), "-f", "json")[1])
    b = json.loads(run_cli("audit", "--snapshot", str(SNAPSHOT), "-f", "json")[1])
    a.pop("run"), b.pop("run")
    assert a == b


def test_usage_and_configuration_errors_exit_2(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("audit", "--audit-dir", str(tmp_path))
    assert code == 2 and "--workspaces" in err
    bad = tmp_path / "audit.yaml"
    bad.write_text("workspaces:\n  - {name: a, host: 'https://x', password: p}\n")
    code, _, err = run_cli("audit", "--workspaces", str(bad), "--audit-dir", str(tmp_path))
    assert code == 2 and "workspaces[0].password" in err and "secrets" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli("audit", "--snapshot", str(empty))
    assert code == 2 and "no workspace snapshot" in err


def test_progress_is_a_bar_on_a_tty_and_lines_otherwise() -> None:
    events = [AuditProgress("planned", total=2), AuditProgress("objects", "a", 0, 2, 250),
              AuditProgress("done", "a", 1, 2, 250, "in 1.0s"),
              AuditProgress("failed", "b", 2, 2, 0, "Unauthenticated: no"),
              AuditProgress("finished", done=2, total=2, objects=250)]
    tty, plain = io.StringIO(), io.StringIO()
    for sink, is_tty in ((tty, True), (plain, False)):
        render = cli_progress(sink, tty=is_tty)
        for e in events:
            render(e)
    assert "\r[" in tty.getvalue() and "2/2 workspaces" in tty.getvalue()
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().splitlines()[1:3] == [
        "meshgov: audit: [1/2] a: ok, 250 objects in 1.0s",
        "meshgov: audit: [2/2] b: FAILED Unauthenticated: no"]


def test_product_scorecards_from_unity_catalog_metadata(tmp_path: Path) -> None:
    from meshgov.audit.run import audit_command
    from meshgov.core.context import RunOptions

    cfg = tmp_path / "meshgov.yaml"
    cfg.write_text("domain: sales\nowner: sales@corp.example\ncatalogs: [ws0_cat0]\nproducts:\n"
                   "  - {name: orders, tables: [ws0_cat0.sch0.T0], description: Orders}\n"
                   "  - {name: customers, tables: [ws0_cat0.sch1.T1], description: Customers}\n")
    report = audit_command(config=str(cfg), options=RunOptions(), snapshot=SNAPSHOT,
                           eval_workers=0)
    doc = report.to_dict()
    cards = {c["product"]: c["characteristics"] for c in doc["scorecards"]}
    # T0 has no comment (MG-A-002); T1 has one and was looked at
    assert cards["orders"]["understandable"]["status"] == "fail"
    assert "MG-A-002" in cards["orders"]["understandable"]["detail"]
    assert cards["customers"]["understandable"]["status"] == "pass"
    facts = {p["table"]: p for w in doc["workspaces"] for p in w.get("products", [])}
    assert facts["ws0_cat0.sch0.T0"]["pii_columns"] == ["email"]
    assert facts["ws0_cat0.sch0.T0"]["unmasked_pii"] == []  # it has a mask
    assert facts["ws0_cat0.sch1.T1"]["described"] is True


def test_jobs_chooses_the_evaluation_workers() -> None:
    from meshgov.audit.evalpool import choose_workers, default_workers

    assert choose_workers(None, 1, 20) == 0  # --jobs 1: this process only
    assert choose_workers(None, 3, 20) == 3
    assert choose_workers(None, 8, 2) == 2  # no more workers than workspaces
    assert choose_workers(None, 4, 1) == 0
    assert choose_workers(None, None, 20) == default_workers(20)
    assert choose_workers(2, 1, 20) == 2  # the API's eval_workers wins


def test_offline_snapshot_in_one_process_is_the_same_report(run_cli) -> None:
    a = json.loads(run_cli("audit", "--snapshot", str(SNAPSHOT), "-f", "json")[1])
    b = json.loads(run_cli("audit", "--snapshot", str(SNAPSHOT), "--jobs", "1", "-f", "json")[1])
    a.pop("run"), b.pop("run")
    assert a == b
