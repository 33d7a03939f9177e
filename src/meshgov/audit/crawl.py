"""Crawl one workspace with databricks-sdk: a lazy stream of ``(api, REST JSON)`` records.

The SDK is the transport: its list iterators follow ``next_page_token`` and it retries 429/503
after ``Retry-After``. Records are yielded as soon as a page arrives so that the caller can
stream them to the snapshot without holding a workspace in memory.

Unity Catalog: catalogs -> schemas -> tables come from the list APIs (a table's columns, view
definition, row filter and column masks are in ``tables.list``). Grants and entity tags are
crawled in **bulk** from ``system.information_schema`` through the statement execution API when
the workspace has a ``warehouse_id`` (a handful of queries instead of one call per securable);
otherwise ``grants.get_effective`` and ``entity_tag_assignments.list`` per securable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from meshgov.audit.config import CrawlSettings, WorkspaceRef
from meshgov.audit.redact import redact

Record = tuple[str, dict[str, Any]]

#: catalogs never crawled: the system catalog's information_schema mirrors everything else
SKIP_CATALOGS = frozenset({"system", "__databricks_internal"})

#: workspace-conf keys read (``workspace_conf.get_status`` takes an explicit list)
WORKSPACE_CONF_KEYS = (
    "enableTokensConfig", "maxTokenLifetimeDays", "enableIpAccessLists", "enableDbfsFileBrowser",
    "enableExportNotebook", "enableResultsDownloading", "enableNotebookTableClipboard",
    "enableWebTerminal", "enableVerboseAuditLogs", "enableDeprecatedGlobalInitScripts",
    "storeInteractiveNotebookResultsInCustomerAccount",
)

BULK_GRANTS = (
    ("catalog", "SELECT grantee, catalog_name, privilege_type, inherited_from "
     "FROM system.information_schema.catalog_privileges WHERE catalog_name <> 'system'"),
    ("schema", "SELECT grantee, catalog_name, schema_name, privilege_type, inherited_from "
     "FROM system.information_schema.schema_privileges WHERE catalog_name <> 'system'"),
    ("table", "SELECT grantee, table_catalog, table_schema, table_name, privilege_type, "
     "inherited_from FROM system.information_schema.table_privileges "
     "WHERE table_catalog <> 'system'"),
)
BULK_TAGS = (
    ("tables", "SELECT catalog_name, schema_name, table_name, tag_name, tag_value "
     "FROM system.information_schema.table_tags WHERE catalog_name <> 'system'"),
    ("columns", "SELECT catalog_name, schema_name, table_name, column_name, tag_name, tag_value "
     "FROM system.information_schema.column_tags WHERE catalog_name <> 'system'"),
)


class CrawlError(Exception):
    """A crawl step failed in a way the SDK does not raise itself (e.g. a failed statement)."""


def _d(obj: Any) -> dict[str, Any]:
    return redact(obj.as_dict() if hasattr(obj, "as_dict") else dict(obj))


def crawl_workspace(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, *, on_step: Callable[[str], None] | None = None
) -> Iterator[Record]:
    """Yield every object of the workspace as ``(api, obj)``; SDK errors propagate."""
    step = on_step or (lambda _s: None)
    step("clusters")
    for c in w.clusters.list(page_size=crawl.page_size):
        yield "cluster", _d(c)
    step("cluster policies")
    for p in w.cluster_policies.list():
        yield "cluster_policy", _d(p)
    step("warehouses")
    for wh in w.warehouses.list():
        yield "warehouse", _d(wh)
    step("jobs")
    for j in w.jobs.list(expand_tasks=True, limit=100):
        yield "job", _d(j)
    step("workspace conf")
    conf = w.workspace_conf.get_status(keys=",".join(WORKSPACE_CONF_KEYS))
    yield "workspace_conf", redact(dict(conf or {}))
    if crawl.unity_catalog:
        yield from crawl_unity_catalog(w, ref, crawl, step)


def crawl_unity_catalog(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, step: Callable[[str], None]
) -> Iterator[Record]:
    bulk = ref.warehouse_id is not None and crawl.grants in ("auto", "bulk")
    if crawl.grants == "bulk" and ref.warehouse_id is None:
        raise CrawlError("crawl.grants is 'bulk' but the workspace has no warehouse_id")
    per_object_grants = crawl.grants == "per_object" or (crawl.grants == "auto" and not bulk)
    per_object_tags = crawl.tags and ref.warehouse_id is None
    step("unity catalog")
    for cat in w.catalogs.list():
        c = _d(cat)
        name = str(c.get("name", ""))
        if not name or name in SKIP_CATALOGS:
            continue
        yield "catalog", c
        if per_object_grants:
            yield "grants", _effective(w, "catalog", name)
        for sch in w.schemas.list(catalog_name=name, max_results=crawl.page_size):
            s = _d(sch)
            sname = str(s.get("name", ""))
            if sname == "information_schema":
                continue
            yield "schema", s
            full_schema = f"{name}.{sname}"
            if per_object_grants:
                yield "grants", _effective(w, "schema", full_schema)
            for tbl in w.tables.list(catalog_name=name, schema_name=sname,
                                     max_results=crawl.page_size):
                t = _d(tbl)
                yield "table", t
                full = str(t.get("full_name") or f"{full_schema}.{t.get('name')}")
                if per_object_grants:
                    yield "grants", _effective(w, "table", full)
                if per_object_tags:
                    for tag in w.entity_tag_assignments.list("tables", full):
                        yield "tag", _d(tag)
    if bulk and ref.warehouse_id is not None:
        step("grants (information_schema)")
        for securable, sql in BULK_GRANTS:
            yield from _grant_records(securable, run_query(w, ref.warehouse_id, sql))
        if crawl.tags:
            step("tags (information_schema)")
            for entity_type, sql in BULK_TAGS:
                for row in run_query(w, ref.warehouse_id, sql):
                    yield "tag", _tag_from_row(entity_type, row)


def _effective(w: Any, securable_type: str, full_name: str) -> dict[str, Any]:
    """``grants.get_effective`` (one page) as a grants record naming its securable."""
    res = w.grants.get_effective(securable_type, full_name)
    assignments = []
    for a in _d(res).get("privilege_assignments") or []:
        privs = sorted({str(p.get("privilege")) for p in a.get("privileges") or []
                        if isinstance(p, dict) and p.get("privilege")})
        assignments.append({"principal": a.get("principal"), "privileges": privs})
    return {"securable_type": securable_type, "full_name": full_name,
            "privilege_assignments": assignments}


def _grant_records(securable: str, rows: Iterator[Mapping[str, Any]]) -> Iterator[Record]:
    """Group information_schema privilege rows into one grants record per securable.

    The record has the shape of ``grants.get`` (``privilege_assignments: [{principal,
    privileges: [str]}]``) plus ``securable_type`` and ``full_name``; effective (inherited)
    privileges are included, as ``get_effective`` would.

    Rows arrive in no particular order; grouping needs one pass over the query result (bounded by
    the number of grants in the metastore, not by the workspace's other objects).
    """
    grouped: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        if securable == "catalog":
            full = str(row.get("catalog_name"))
        elif securable == "schema":
            full = f"{row.get('catalog_name')}.{row.get('schema_name')}"
        else:
            full = f"{row.get('table_catalog')}.{row.get('table_schema')}.{row.get('table_name')}"
        grouped.setdefault(full, {}).setdefault(str(row.get("grantee")), set()).add(
            str(row.get("privilege_type")))
    for full in sorted(grouped):
        yield "grants", {
            "securable_type": securable,
            "full_name": full,
            "privilege_assignments": [
                {"principal": p, "privileges": sorted(privs)}
                for p, privs in sorted(grouped[full].items())
            ],
        }


def _tag_from_row(entity_type: str, row: Mapping[str, Any]) -> dict[str, Any]:
    name = f"{row.get('catalog_name')}.{row.get('schema_name')}.{row.get('table_name')}"
    if entity_type == "columns":
        name = f"{name}.{row.get('column_name')}"
    return {"entity_type": entity_type, "entity_name": name, "tag_key": row.get("tag_name"),
            "tag_value": row.get("tag_value")}


def run_query(w: Any, warehouse_id: str, sql: str) -> Iterator[dict[str, Any]]:
    """Run one SQL statement on a warehouse (INLINE, JSON_ARRAY) and yield rows as dicts."""
    from databricks.sdk.service.sql import Disposition, Format, StatementState  # noqa: PLC0415

    res = w.statement_execution.execute_statement(
        statement=sql, warehouse_id=warehouse_id, wait_timeout="50s",
        disposition=Disposition.INLINE, format=Format.JSON_ARRAY,
    )
    polls = 0
    while res.status is not None and res.status.state in (StatementState.PENDING,
                                                          StatementState.RUNNING):
        polls += 1
        if polls > 600:
            raise CrawlError(f"statement {res.statement_id} did not finish")
        w.config.clock.sleep(1.0)
        res = w.statement_execution.get_statement(res.statement_id)
    state = res.status.state if res.status is not None else None
    if state != StatementState.SUCCEEDED:
        err = res.status.error if res.status is not None else None
        msg = err.message if err is not None and err.message else str(state)
        raise CrawlError(f"information_schema query failed: {msg}")
    cols = [c.name for c in (res.manifest.schema.columns or [])] if res.manifest and \
        res.manifest.schema else []
    chunk = res.result
    while chunk is not None:
        for values in chunk.data_array or []:
            yield dict(zip(cols, values))
        if chunk.next_chunk_index is None:
            break
        chunk = w.statement_execution.get_statement_result_chunk_n(
            res.statement_id, chunk.next_chunk_index)
