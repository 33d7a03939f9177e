"""Inventory snapshots: atomic writes, and readers that never crash on a damaged file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.audit.config import WorkspaceRef
from meshgov.audit.snapshot import SnapshotWriter, completed, read_snapshot, write_snapshot

REF = WorkspaceRef("sales-prod", "https://sales.example", "1", None, "wh", "sales")
RECORDS = [("cluster", {"cluster_id": "c1", "num_workers": 2}),
           ("table", {"full_name": "a.b.c", "columns": [{"name": "email"}]}),
           ("workspace_conf", {"enableTokensConfig": "true"})]
SNAPSHOT = Path(__file__).resolve().parents[2] / "fixtures" / "workspaces" / "snapshot"


def test_round_trip(tmp_path: Path) -> None:
    p = write_snapshot(tmp_path, REF, RECORDS, "t0", "t1")
    snap = read_snapshot(p)
    assert snap.status == "ok" and snap.problems == ()
    assert snap.workspace == REF
    assert list(snap.records) == RECORDS
    assert completed(tmp_path) == {"sales-prod": "ok"}


def test_nothing_is_visible_until_commit(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, REF, "t0")
    for api, obj in RECORDS:
        w.add(api, obj)
    assert not (tmp_path / "sales-prod.jsonl").exists()
    assert completed(tmp_path) == {}
    w.commit("ok", "t1")
    assert (tmp_path / "sales-prod.jsonl").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_error_snapshot_is_complete_but_not_resumable(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, REF, "t0")
    w.commit("error", "t1", {"type": "Unauthenticated", "status": 401, "message": "no"})
    snap = read_snapshot(tmp_path / "sales-prod.jsonl")
    assert snap.status == "error" and snap.error == {"type": "Unauthenticated", "status": 401,
                                                     "message": "no"}
    assert completed(tmp_path) == {}  # a failed workspace is crawled again on resume


def test_the_shipped_fixture_snapshot_reads_cleanly() -> None:
    snaps = {p.name: read_snapshot(p) for p in sorted(SNAPSHOT.glob("*.jsonl"))}
    assert {n: s.status for n, s in snaps.items()} == {
        "finance-dev.jsonl": "error", "hr-prod.jsonl": "ok", "sales-prod.jsonl": "ok"}
    assert all(not s.problems for s in snaps.values())
    assert {a for a, _ in snaps["sales-prod.jsonl"].records} == {
        "cluster", "cluster_policy", "warehouse", "job", "workspace_conf", "catalog", "schema",
        "table", "grants", "tag"}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000), junk=st.binary(max_size=40),
       pos=st.integers(min_value=0, max_value=10_000))
def test_truncated_or_corrupted_snapshots_never_crash(tmp_path: Path, cut: int, junk: bytes,
                                                      pos: int) -> None:
    raw = (SNAPSHOT / "sales-prod.jsonl").read_bytes()
    cut = min(cut, len(raw))
    pos = min(pos, cut)
    damaged = raw[:pos] + junk + raw[pos:cut]
    p = tmp_path / "ws.jsonl"
    p.write_bytes(damaged)
    snap = read_snapshot(p)
    assert snap.status in ("ok", "error", "incomplete")
    if snap.status == "ok":  # only possible if the end record and every object survived
        assert len(snap.records) == json.loads(raw.splitlines()[-1])["objects"]
    if cut < len(raw) - 1:
        assert snap.status == "incomplete" and snap.problems
    completed(tmp_path)  # never raises either


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(
    st.text(max_size=30),
    st.builds(json.dumps, st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(
            st.sampled_from(["type", "api", "obj", "workspace", "status", "objects", "x"]), c,
            max_size=4), max_leaves=8))), max_size=8))
def test_arbitrary_json_lines_never_crash(tmp_path: Path, lines: list[str]) -> None:
    p = tmp_path / "ws.jsonl"
    p.write_text("\n".join(lines), encoding="utf-8")
    snap = read_snapshot(p)
    assert snap.status in ("ok", "error", "incomplete")
    assert isinstance(snap.workspace.name, str) and snap.workspace.name


def test_damaged_snapshot_in_an_offline_run_is_a_workspace_error(tmp_path: Path) -> None:
    from meshgov.audit.run import audit_command
    from meshgov.core.context import RunOptions

    for p in SNAPSHOT.glob("*.jsonl"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    raw = (tmp_path / "hr-prod.jsonl").read_bytes()
    (tmp_path / "hr-prod.jsonl").write_bytes(raw[: len(raw) // 2])
    report = audit_command(config=None, options=RunOptions(), snapshot=tmp_path, eval_workers=0)
    ws = {w["name"]: w for w in report.to_dict()["workspaces"]}
    assert ws["hr-prod"]["status"] == "error"
    assert ws["hr-prod"]["error"]["type"] == "IncompleteSnapshot"
    assert ws["sales-prod"]["status"] == "ok"
    assert {f.subject.ref for f in report.findings if f.policy_id == "MG-A-001"} == {
        "hr-prod", "finance-dev"}


@pytest.mark.parametrize("name", ["a.jsonl", ".hidden.jsonl.1.tmp"])
def test_temp_files_are_not_snapshots(tmp_path: Path, name: str) -> None:
    from meshgov.audit.snapshot import snapshot_files

    (tmp_path / name).write_text("{}\n")
    assert [p.name for p in snapshot_files(tmp_path)] == (["a.jsonl"] if name == "a.jsonl" else [])


def test_an_object_the_evaluators_choke_on_fails_only_its_workspace(tmp_path: Path) -> None:
    from meshgov.audit.run import audit_command
    from meshgov.core.context import RunOptions

    for p in SNAPSHOT.glob("*.jsonl"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    # a table whose columns are not a list: valid JSON lines, but not what UC returns
    write_snapshot(tmp_path, WorkspaceRef("odd", "https://odd"),
                   [("table", {"full_name": "a.b.c", "columns": 7})], "t0", "t1")
    report = audit_command(config=None, options=RunOptions(), snapshot=tmp_path, eval_workers=0)
    ws = {w["name"]: w for w in report.to_dict()["workspaces"]}
    assert ws["odd"]["status"] == "error" and ws["odd"]["error"]["type"] == "EvaluationError"
    assert ws["sales-prod"]["status"] == ws["hr-prod"]["status"] == "ok"


def test_an_encoded_object_line_is_the_same_bytes(tmp_path: Path) -> None:
    from meshgov.core.redact import redact_encoded
    from meshgov.audit.snapshot import SnapshotWriter

    objs = [("cluster", {"cluster_id": "c1", "custom_tags": {}, "spark_env_vars": {
                "DB_PASSWORD": "hunter2", "REF": "{{secrets/a/b}}"}, "z": [1, 2.5, None]}),
            ("table", {"name": "T\u00e9", "comment": "say \"hi\"\n", "columns": []})]
    paths = []
    for encoded in (False, True):
        d = tmp_path / str(encoded)
        w = SnapshotWriter(d, WorkspaceRef("ws", "h"), "t0")
        for api, obj in objs:
            clean, text = redact_encoded(obj)
            w.add(api, clean, text if encoded else None)
        paths.append(w.commit("ok", "t1"))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert b"hunter2" not in paths[1].read_bytes()
