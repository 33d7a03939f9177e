"""Crawl one workspace with databricks-sdk: a lazy stream of ``(api, REST JSON)`` records.

The SDK is the transport: every call goes through its ``ApiClient`` (authentication, retries of
429/503 after ``Retry-After``, timeouts, error mapping). The list endpoints are read as raw JSON
pages and paged exactly as the SDK's list iterators do (``next_page_token`` until it is absent
or empty; ``max_results=0`` by default for Unity Catalog): each record is the REST JSON object
itself, not a round trip through the SDK's dataclasses (``from_dict`` then ``as_dict``, ~65 us
per object, which dropped fields the SDK does not model yet and empty maps). Records are yielded
as soon as a page arrives so that the caller can stream them to the snapshot without holding a
workspace in memory.

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
from meshgov.core.redact import redact, redact_encoded

Record = tuple[str, dict[str, Any]]
#: a record with its snapshot encoding when the crawl already made it (None: not encoded yet)
EncodedRecord = tuple[str, dict[str, Any], str | None]

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


#: statement states that mean "poll again" (the SDK's StatementState.PENDING / RUNNING)
_RUNNING_STATES = frozenset({"PENDING", "RUNNING"})


def _headers(w: Any, *, body: bool = False) -> dict[str, str]:
    """The headers the SDK's generated methods send (JSON, and the workspace id when known)."""
    headers = {"Accept": "application/json"}
    if body:
        headers["Content-Type"] = "application/json"
    workspace_id = getattr(w.config, "workspace_id", None)
    if workspace_id:
        headers["X-Databricks-Workspace-Id"] = workspace_id
    return headers


def _get(w: Any, path: str, query: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One GET through the SDK's ApiClient (its auth, retries and error mapping)."""
    res = w.api_client.do("GET", path, query=dict(query) if query is not None else None,
                          headers=_headers(w))
    if not isinstance(res, dict):
        raise CrawlError(f"{path}: expected a JSON object, got {type(res).__name__}")
    return res


def _pages(w: Any, path: str, key: str, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The items of a paged list endpoint, page by page, as the SDK's list iterators page:
    follow ``next_page_token`` until a page has none (or an empty one)."""
    q = dict(query)
    while True:
        page = _get(w, path, q)
        for item in page.get(key) or ():
            if not isinstance(item, dict):
                raise CrawlError(f"{path}: expected objects in {key!r}, got {type(item).__name__}")
            yield item
        token = page.get("next_page_token")
        if not token:
            return
        q["page_token"] = token


def crawl_workspace(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, *, on_step: Callable[[str], None] | None = None
) -> Iterator[Record]:
    """Yield every object of the workspace as ``(api, obj)``; SDK errors propagate."""
    for api, obj, _text in crawl_records(w, ref, crawl, on_step=on_step):
        yield api, obj


def crawl_records(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, *, on_step: Callable[[str], None] | None = None
) -> Iterator[EncodedRecord]:
    """:func:`crawl_workspace` with each object's snapshot encoding when redaction made it."""
    step = on_step or (lambda _s: None)
    step("clusters")
    for c in _pages(w, "/api/2.1/clusters/list", "clusters", {"page_size": crawl.page_size}):
        yield "cluster", *redact_encoded(c)
    step("cluster policies")
    for p in _get(w, "/api/2.0/policies/clusters/list", {}).get("policies") or ():
        yield "cluster_policy", *redact_encoded(dict(p))
    step("warehouses")
    for wh in _pages(w, "/api/2.0/sql/warehouses", "warehouses", {}):
        yield "warehouse", *redact_encoded(wh)
    step("jobs")
    for j in _pages(w, "/api/2.2/jobs/list", "jobs", {"expand_tasks": True, "limit": 100}):
        yield "job", *redact_encoded(j)
    step("workspace conf")
    conf = _get(w, "/api/2.0/workspace-conf", {"keys": ",".join(WORKSPACE_CONF_KEYS)})
    yield "workspace_conf", *redact_encoded(dict(conf or {}))
    if crawl.unity_catalog:
        yield from _unity_catalog(w, ref, crawl, step)


def crawl_unity_catalog(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, step: Callable[[str], None]
) -> Iterator[Record]:
    for api, obj, _text in _unity_catalog(w, ref, crawl, step):
        yield api, obj


def _unity_catalog(
    w: Any, ref: WorkspaceRef, crawl: CrawlSettings, step: Callable[[str], None]
) -> Iterator[EncodedRecord]:
    bulk = ref.warehouse_id is not None and crawl.grants in ("auto", "bulk")
    if crawl.grants == "bulk" and ref.warehouse_id is None:
        raise CrawlError("crawl.grants is 'bulk' but the workspace has no warehouse_id")
    per_object_grants = crawl.grants == "per_object" or (crawl.grants == "auto" and not bulk)
    per_object_tags = crawl.tags and ref.warehouse_id is None
    step("unity catalog")
    # the SDK's list methods send max_results=0 (server default page) unless told otherwise
    for cat in _pages(w, "/api/2.1/unity-catalog/catalogs", "catalogs", {"max_results": 0}):
        c, ctext = redact_encoded(cat)
        name = str(c.get("name", ""))
        if not name or name in SKIP_CATALOGS:
            continue
        yield "catalog", c, ctext
        if per_object_grants:
            yield "grants", _effective(w, "catalog", name), None
        for sch in _pages(w, "/api/2.1/unity-catalog/schemas", "schemas",
                          {"catalog_name": name, "max_results": crawl.page_size}):
            s, stext = redact_encoded(sch)
            sname = str(s.get("name", ""))
            if sname == "information_schema":
                continue
            yield "schema", s, stext
            full_schema = f"{name}.{sname}"
            if per_object_grants:
                yield "grants", _effective(w, "schema", full_schema), None
            for tbl in _pages(w, "/api/2.1/unity-catalog/tables", "tables",
                              {"catalog_name": name, "max_results": crawl.page_size,
                               "schema_name": sname}):
                t, ttext = redact_encoded(tbl)
                yield "table", t, ttext
                full = str(t.get("full_name") or f"{full_schema}.{t.get('name')}")
                if per_object_grants:
                    yield "grants", _effective(w, "table", full), None
                if per_object_tags:
                    path = f"/api/2.1/unity-catalog/entity-tag-assignments/tables/{full}/tags"
                    for tag in _pages(w, path, "tag_assignments", {}):
                        yield "tag", *redact_encoded(tag)
    if bulk and ref.warehouse_id is not None:
        step("grants (information_schema)")
        for securable, sql in BULK_GRANTS:
            for api, record in _grant_records(securable, run_query(w, ref.warehouse_id, sql)):
                yield api, record, None
        if crawl.tags:
            step("tags (information_schema)")
            for entity_type, sql in BULK_TAGS:
                for row in run_query(w, ref.warehouse_id, sql):
                    yield "tag", _tag_from_row(entity_type, row), None


def _effective(w: Any, securable_type: str, full_name: str) -> dict[str, Any]:
    """``grants.get_effective`` (one page) as a grants record naming its securable."""
    res = redact(_get(w, f"/api/2.1/unity-catalog/effective-permissions/{securable_type}/"
                         f"{full_name}", {}))
    assignments = []
    for a in res.get("privilege_assignments") or []:
        if not isinstance(a, dict):
            continue
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
    """Run one SQL statement on a warehouse (INLINE, JSON_ARRAY) and yield rows as dicts.

    The statement execution API through the SDK's ApiClient, as
    ``statement_execution.execute_statement`` / ``get_statement`` /
    ``get_statement_result_chunk_n`` call it.
    """
    body = {"disposition": "INLINE", "format": "JSON_ARRAY", "statement": sql,
            "wait_timeout": "50s", "warehouse_id": warehouse_id}
    res = w.api_client.do("POST", "/api/2.0/sql/statements", body=body,
                          headers=_headers(w, body=True))
    polls = 0
    while _state(res) in _RUNNING_STATES:
        polls += 1
        if polls > 600:
            raise CrawlError(f"statement {res.get('statement_id')} did not finish")
        w.config.clock.sleep(1.0)
        res = _get(w, f"/api/2.0/sql/statements/{res.get('statement_id')}")
    state = _state(res)
    if state != "SUCCEEDED":
        status = res.get("status") if isinstance(res.get("status"), dict) else {}
        err = status.get("error") if isinstance(status.get("error"), dict) else {}
        msg = err.get("message") or (f"StatementState.{state}" if state else "None")
        raise CrawlError(f"information_schema query failed: {msg}")
    manifest = res.get("manifest") or {}
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    cols = [c.get("name") for c in (schema.get("columns") or [])] if isinstance(schema, dict) \
        else []
    chunk = res.get("result")
    statement_id = res.get("statement_id")
    while isinstance(chunk, dict):
        for values in chunk.get("data_array") or []:
            yield dict(zip(cols, values))
        nxt = chunk.get("next_chunk_index")
        if nxt is None:
            break
        chunk = _get(w, f"/api/2.0/sql/statements/{statement_id}/result/chunks/{nxt}")


def _state(res: Any) -> str | None:
    status = res.get("status") if isinstance(res, dict) else None
    state = status.get("state") if isinstance(status, dict) else None
    return state if isinstance(state, str) else None
