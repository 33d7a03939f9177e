"""Bad input and faults: each is a clear MG-INPUT finding for its table; the others still run."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from data_helpers import data_policy, make_context

from meshgov.api import evaluate
from meshgov.data.evaluator import validate_bindings


def _by_table(findings: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in findings:
        out.setdefault(f.subject.ref, []).append(f)
    return out


def test_each_broken_table_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("a,b\n1,x\n,y\n")
    (tmp_path / "bad.parquet").write_bytes(b"this is not parquet")
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.execute("CREATE TABLE present (a INTEGER)")
    con.execute("INSERT INTO present VALUES (NULL)")
    con.commit()
    con.close()
    silent = socket.socket()  # accepts TCP connections and never answers: a hanging server
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    refused_port = refused.getsockname()[1]
    refused.close()  # nothing listens there any more: connection refused
    bindings = {
        "x.s.OK": {"path": "ok.csv"},
        "x.s.MISSING_FILE": {"path": "nope.csv"},
        "x.s.UNREADABLE": {"path": "bad.parquet"},
        "x.s.NO_DB": {"url": "sqlite:///missing.sqlite", "table": "t"},
        "x.s.NO_TABLE": {"url": "sqlite:///db.sqlite", "table": "absent"},
        "x.s.PRESENT": {"url": "sqlite:///db.sqlite", "table": "present"},
        "x.s.REFUSED": {"url": f"postgresql://u:s3cret@127.0.0.1:{refused_port}/db", "table": "t"},
        "x.s.HANGS": {"url": f"postgresql://u:s3cret@127.0.0.1:{silent.getsockname()[1]}/db",
                      "table": "t", "timeout_seconds": 1},
    }
    policies = [
        data_policy("X-001", "not_null", ["x.s.*"], column="a"),
        data_policy("X-002", "not_null", ["x.s.OK"], column="no_such_column"),
    ]
    started = time.monotonic()
    try:
        result = validate_bindings(bindings, make_context(tmp_path, bindings, policies))
    finally:
        silent.close()
    assert time.monotonic() - started < 60
    got = _by_table(result.findings)
    assert result.inputs == len(bindings)
    ok = {f.policy_id: f for f in got["x.s.OK"]}
    assert ok["X-001"].evidence["unexpected_count"] == 1
    assert "column 'no_such_column' does not exist" in ok["MG-INPUT"].message
    assert got["x.s.PRESENT"][0].policy_id == "X-001"
    reasons = {
        "x.s.MISSING_FILE": "file not found: nope.csv",
        "x.s.UNREADABLE": "cannot read bad.parquet as parquet",
        "x.s.NO_DB": "SQLite database not found",
        "x.s.NO_TABLE": "table not found: absent",
        "x.s.REFUSED": "cannot connect to postgresql://u:***@127.0.0.1",
        "x.s.HANGS": "cannot connect to postgresql://u:***@127.0.0.1",
    }
    for table, text in reasons.items():
        [f] = got[table]
        assert f.policy_id == "MG-INPUT" and f.severity == "error" and f.kind == "data"
        assert text in f.message, f.message
        assert "X-001" in f.message and f.evidence["policies"] == ["X-001"]
        assert "s3cret" not in f.message
    assert "timeout" in got["x.s.HANGS"][0].message.lower()
    assert not (tmp_path / "missing.sqlite").exists()  # SQLAlchemy did not create it


def test_notes_when_data_checks_do_not_run(tmp_path: Path, fixtures_dir: Path) -> None:
    (tmp_path / "meshgov.yaml").write_text("domain: x\n")
    (tmp_path / "a.sql").write_text("SELECT 1\n")
    report = evaluate([tmp_path], config=tmp_path / "meshgov.yaml", kinds=("data",), data=True)
    assert any("binds no tables" in n for n in report.notes)
    hr = fixtures_dir / "domains" / "hr"
    skipped = evaluate([hr], config=hr / "meshgov.yaml", kinds=("data",), data=False)
    assert skipped.findings == () and any("--no-data" in n for n in skipped.notes)
    explicit = evaluate([hr / "sql" / "employees.sql"], config=hr / "meshgov.yaml",
                        kinds=("data",), explicit_files=True)
    assert explicit.findings == ()  # pre-commit on named files: data checks only with --data


def test_progress_is_reported(fixtures_dir: Path) -> None:
    from meshgov.core.context import RunOptions

    seen: list[str] = []
    hr = fixtures_dir / "domains" / "hr"
    evaluate([hr], config=hr / "meshgov.yaml",
             options=RunOptions(kinds=("data",), progress=seen.append))
    assert any("[1/1] hr_prod.published.EMPLOYEES: 16 check(s) on files" in m for m in seen)


def test_cli_output_stays_clean(fixtures_dir: Path) -> None:
    """GX's progress bars, warnings and logs do not leak into stdout or stderr."""
    import json

    hr = fixtures_dir / "domains" / "hr"
    meshgov = Path(sys.executable).parent / "meshgov"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")}
    out = subprocess.run([str(meshgov), "check", str(hr), "--kinds", "data", "-f", "json", "-v"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert report["summary"]["by_kind"]["data"] == 15
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("meshgov: data: ") for ln in lines), out.stderr


def test_databricks_binding_builds_gx_datasource_without_connecting() -> None:
    from meshgov.data.runners import DataSourceError, backend_of
    from meshgov.data.runners.databricks import build_datasource, connection_string, target

    binding = {"warehouse_id": "abc123", "options": {"host": "https://adb-1.azuredatabricks.net/"}}
    assert backend_of(binding) == "databricks"
    t = target("hr_prod.published.EMPLOYEES", binding, {})
    assert (t.host, t.http_path, t.catalog, t.schema, t.table) == (
        "adb-1.azuredatabricks.net", "/sql/1.0/warehouses/abc123", "hr_prod", "published",
        "EMPLOYEES")
    conn = connection_string(t, {"DATABRICKS_TOKEN": "dapi/x+1"})
    assert conn == ("databricks://token:dapi%2Fx%2B1@adb-1.azuredatabricks.net?http_path="
                    "/sql/1.0/warehouses/abc123&catalog=hr_prod&schema=published")
    from meshgov.data.gxrun import quiet

    with quiet():
        ds = build_datasource("wh", conn)
    assert type(ds).__name__ == "DatabricksSQLDatasource" and ds.type == "databricks_sql"
    with pytest.raises(DataSourceError, match="DATABRICKS_TOKEN"):
        connection_string(t, {})
    with pytest.raises(DataSourceError, match="host"):
        target("a.b.c", {"warehouse_id": "w"}, {})


def test_databricks_binding_unreachable_is_an_input_finding(tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "adb-1.invalid")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-secret-token")
    bindings = {"hr_prod.published.EMPLOYEES": {"warehouse_id": "abc123", "timeout_seconds": 1}}
    policies = [data_policy("X-001", "not_null", ["hr_prod.published.EMPLOYEES"], column="a")]
    result = validate_bindings(bindings, make_context(tmp_path, bindings, policies))
    [f] = result.findings
    assert f.policy_id == "MG-INPUT" and "X-001" in f.message
    assert "dapi-secret-token" not in f.message
