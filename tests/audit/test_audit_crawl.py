"""Crawling with the real databricks-sdk against the loopback REST server."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from audit_loopback import TOKEN, Faults, load_recorded, sdk_factory
from meshgov.audit.config import CrawlSettings, WorkspaceRef
from meshgov.audit.crawl import crawl_workspace
from meshgov.core.redact import REDACTED


def _crawl(lb, name: str, *, warehouse: bool = True, crawl: CrawlSettings = CrawlSettings(),
           faults: Faults | None = None):
    host = lb.add_workspace(name, load_recorded(name), faults)
    ref = WorkspaceRef(name, host, warehouse_id="wh-1" if warehouse else None)
    w = sdk_factory()(ref, crawl)
    return list(crawl_workspace(w, ref, crawl))


def test_every_object_type_is_crawled_and_paged(lb) -> None:
    inv = load_recorded("sales-prod")
    records = _crawl(lb, "sales-prod", crawl=CrawlSettings(page_size=2))
    counts = Counter(api for api, _ in records)
    assert counts["cluster"] == len(inv["clusters"])
    assert counts["cluster_policy"] == len(inv["cluster_policies"])
    assert counts["warehouse"] == len(inv["warehouses"])
    assert counts["job"] == len(inv["jobs"])
    assert counts["workspace_conf"] == 1
    assert counts["catalog"] == len(inv["catalogs"]) - 1  # the system catalog is skipped
    assert counts["schema"] == len(inv["schemas"])
    assert counts["table"] == len(inv["tables"])
    assert counts["grants"] == len({(g["securable_type"], g["full_name"]) for g in inv["grants"]})
    assert counts["tag"] == len(inv["tags"])
    paths = [p for _, p, _ in lb.requests("sales-prod")]
    # page_size=2: clusters and tables needed several pages, each following next_page_token
    assert paths.count("/api/2.1/clusters/list") == -(-len(inv["clusters"]) // 2)
    # the bulk path: a handful of statements instead of one call per securable
    assert paths.count("/api/2.0/sql/statements") == 5
    assert not any("effective-permissions" in p for p in paths)
    # jobs come with their task clusters
    job = next(obj for api, obj in records if api == "job")
    assert job["settings"]["tasks"][1]["new_cluster"]["num_workers"] == 60
    table = next(obj for api, obj in records if api == "table" and obj.get("view_definition"))
    assert table["columns"] and "owner" in table


def test_bulk_and_per_object_grants_agree(lb) -> None:
    bulk = _crawl(lb, "sales-prod")
    per_object = _crawl(lb, "hr-prod", warehouse=False)  # no warehouse: per-securable calls
    paths = [p for _, p, _ in lb.requests("hr-prod")]
    assert any("/effective-permissions/table/" in p for p in paths)
    assert any("/entity-tag-assignments/tables/" in p for p in paths)
    assert "/api/2.0/sql/statements" not in paths
    granted = {(o["securable_type"], o["full_name"]): o["privilege_assignments"]
               for a, o in per_object if a == "grants" and o["privilege_assignments"]}
    expected: dict = {}
    for g in load_recorded("hr-prod")["grants"]:
        expected.setdefault((g["securable_type"], g["full_name"]), {}).setdefault(
            g["principal"], set()).update(g["privileges"])
    assert {k: {a["principal"]: set(a["privileges"]) for a in v} for k, v in granted.items()} \
        == expected
    bulk_granted = {(o["securable_type"], o["full_name"]) for a, o in bulk if a == "grants"}
    sales = {(g["securable_type"], g["full_name"]) for g in load_recorded("sales-prod")["grants"]}
    assert bulk_granted == sales


def test_plaintext_secrets_in_specs_are_redacted(lb) -> None:
    records = _crawl(lb, "sales-prod")
    text = json.dumps(records)
    assert "hunter2-supersecret-value" not in text
    cluster = next(o for a, o in records if a == "cluster" and "spark_env_vars" in o)
    assert cluster["spark_env_vars"] == {"DB_PASSWORD": REDACTED,
                                         "API_KEY_REF": "{{secrets/etl/api}}"}


def test_retry_after_429_is_honoured_with_the_fake_clock(lb) -> None:
    from audit_loopback import FakeClock

    clock = FakeClock()
    name = "sales-prod"
    host = lb.add_workspace(name, load_recorded(name), Faults(throttle=3, retry_after="7"))
    ref = WorkspaceRef(name, host, warehouse_id="wh")
    t0 = time.monotonic()
    records = list(crawl_workspace(sdk_factory(clock)(ref, CrawlSettings()), ref, CrawlSettings()))
    assert time.monotonic() - t0 < 5  # 3 x 7 s of Retry-After, slept on the fake clock
    assert Counter(a for a, _ in records)["cluster"] == len(load_recorded(name)["clusters"])
    assert len(clock.slept) == 3
    assert all(7 <= s < 9 for s in clock.slept)  # Retry-After (+ the SDK's jitter)


def test_snapshot_fixture_is_what_the_crawler_yields(lb, tmp_path: Path) -> None:
    """fixtures/workspaces/snapshot was generated from recorded/ (generate.py): still true."""
    records = _crawl(lb, "hr-prod")
    lines = (Path(__file__).resolve().parents[2] / "fixtures/workspaces/snapshot/hr-prod.jsonl"
             ).read_text().splitlines()
    shipped = [(d["api"], d["obj"]) for d in map(json.loads, lines) if d["type"] == "object"]
    assert shipped == [(a, json.loads(json.dumps(o))) for a, o in records]


def test_records_are_the_rest_json_as_served(lb) -> None:
    """Raw pages through the SDK's ApiClient: fields the SDK's dataclasses do not model (yet)
    and empty maps are kept as the API sent them, not dropped by a from_dict/as_dict trip."""
    inv = load_recorded("sales-prod")
    inv["clusters"][0]["x_future_field"] = {"nested": [1, 2]}
    inv["tables"][0]["x_table_field"] = "kept"
    host = lb.add_workspace("sales-prod", inv)
    ref = WorkspaceRef("sales-prod", host, warehouse_id="wh-1")
    records = list(crawl_workspace(sdk_factory()(ref, CrawlSettings()), ref, CrawlSettings()))
    clusters = [o for a, o in records if a == "cluster"]
    assert clusters[0]["x_future_field"] == {"nested": [1, 2]}
    assert any(o.get("custom_tags") == {} for o in clusters)  # served as {}: kept
    table = next(o for a, o in records if a == "table" and o["full_name"] ==
                 inv["tables"][0]["full_name"])
    assert table["x_table_field"] == "kept"
    # every request carried the SDK's auth header (the SDK is the transport)
    assert {auth for _, _, auth in lb.requests("sales-prod")} == {f"Bearer {TOKEN}"}


def test_statement_results_follow_every_chunk(lb, monkeypatch) -> None:
    import audit_loopback

    whole = _crawl(lb, "sales-prod")
    monkeypatch.setattr(audit_loopback, "CHUNK_ROWS", 3)
    chunked = _crawl(lb, "hr-prod")
    assert any("/result/chunks/" in p for _, p, _ in lb.requests("hr-prod"))
    assert not any("/result/chunks/" in p for _, p, _ in lb.requests("sales-prod"))
    expected: dict = {}
    for g in load_recorded("hr-prod")["grants"]:
        expected.setdefault((g["securable_type"], g["full_name"]), {}).setdefault(
            g["principal"], set()).update(g["privileges"])
    got = {(o["securable_type"], o["full_name"]): {a["principal"]: set(a["privileges"])
                                                   for a in o["privilege_assignments"]}
           for a, o in chunked if a == "grants"}
    assert got == expected
    assert sum(1 for a, _ in chunked if a == "tag") == len(load_recorded("hr-prod")["tags"])
    assert whole  # the unchunked crawl of another workspace is unaffected
