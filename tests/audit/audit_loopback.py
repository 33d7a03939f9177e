"""A test double of the Databricks REST API on 127.0.0.1, for the REAL databricks-sdk.

It serves recorded inventories (``fixtures/workspaces/recorded/*.json``, or generated ones for
the benchmark) with the SDK's paging (``next_page_token``), and injects faults per workspace:
429 with ``Retry-After``, 500, 503 forever, slow responses, 401, and "block until released"
(for the kill/resume test). Each workspace listens on its own ephemeral port (the host tells
workspaces apart, as in production); an extra listener plays the account console.

Used by tests/audit and bench/audit_bench.py. It is not part of meshgov.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "fixtures" / "workspaces" / "recorded"
TOKEN = "dapi0123456789abcdef0123456789abcdef-3"  # the fake PAT every test uses
DEFAULT_PAGE = 50


@dataclass
class Faults:
    unauthorized: bool = False  # 401 on every API call
    forbidden_path: str | None = None  # a path prefix answering 403
    throttle: int = 0  # the first N API calls answer 429 with Retry-After
    retry_after: str = "1"
    error_500_path: str | None = None  # a path prefix answering 500
    unavailable_path: str | None = None  # a path prefix answering 503 forever
    delay: float = 0.0  # seconds before every API answer
    block: threading.Event | None = None  # API calls wait until the event is set
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def _page(items: list[Any], query: Mapping[str, list[str]], key: str,
          default: int = DEFAULT_PAGE) -> dict[str, Any]:
    size = default
    for q in ("page_size", "max_results", "limit"):
        if q in query and query[q][0].isdigit() and int(query[q][0]) > 0:
            size = min(int(query[q][0]), default * 4)
    start = int(query.get("page_token", ["0"])[0] or 0)
    out: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        out["next_page_token"] = str(start + size)
        out["has_more"] = True
    return out


class Inventory:
    """One workspace's recorded objects with the indexes the endpoints need."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.schemas: dict[str, list[Any]] = {}
        for s in data.get("schemas", []):
            self.schemas.setdefault(s["catalog_name"], []).append(s)
        self.tables: dict[str, list[Any]] = {}
        for t in data.get("tables", []):
            self.tables.setdefault(f"{t['catalog_name']}.{t['schema_name']}", []).append(t)
        self.grants: dict[str, list[dict[str, Any]]] = {}
        for g in data.get("grants", []):
            self.grants.setdefault(f"{g['securable_type']}/{g['full_name']}", []).append(g)
        self.tags: dict[str, list[dict[str, Any]]] = {}
        for t in data.get("tags", []):
            self.tags.setdefault(f"{t['entity_type']}/{t['entity_name']}", []).append(t)
        self.statements: dict[str, tuple[list[str], list[list[Any]]]] = {}

    def info_schema(self, sql: str) -> tuple[list[str], list[list[Any]]]:
        grants = self.data.get("grants", [])
        tags = self.data.get("tags", [])
        if "catalog_privileges" in sql:
            cols = ["grantee", "catalog_name", "privilege_type", "inherited_from"]
            rows = [[g["principal"], g["full_name"], p, "NONE"] for g in grants
                    if g["securable_type"] == "catalog" for p in g["privileges"]]
        elif "schema_privileges" in sql:
            cols = ["grantee", "catalog_name", "schema_name", "privilege_type", "inherited_from"]
            rows = [[g["principal"], *g["full_name"].split("."), p, "NONE"] for g in grants
                    if g["securable_type"] == "schema" for p in g["privileges"]]
        elif "table_privileges" in sql:
            cols = ["grantee", "table_catalog", "table_schema", "table_name", "privilege_type",
                    "inherited_from"]
            rows = [[g["principal"], *g["full_name"].split("."), p, "NONE"] for g in grants
                    if g["securable_type"] == "table" for p in g["privileges"]]
        elif "column_tags" in sql:
            cols = ["catalog_name", "schema_name", "table_name", "column_name", "tag_name",
                    "tag_value"]
            rows = [[*t["entity_name"].split("."), t["tag_key"], t["tag_value"]] for t in tags
                    if t["entity_type"] == "columns"]
        elif "table_tags" in sql:
            cols = ["catalog_name", "schema_name", "table_name", "tag_name", "tag_value"]
            rows = [[*t["entity_name"].split("."), t["tag_key"], t["tag_value"]] for t in tags
                    if t["entity_type"] == "tables"]
        else:
            raise KeyError(sql)
        return cols, rows


CHUNK_ROWS = 200


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body are two writes: without TCP_NODELAY, Nagle + delayed ACK cost 40 ms
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        raw = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        body: dict[str, Any] = {}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = json.loads(self.rfile.read(length) or b"{}")
        if url.path == "/.well-known/databricks-config" or url.path.startswith("/oidc"):
            self._send(200, {}) if url.path.startswith("/.well") else self._send(404, {})
            return
        srv = self.server
        self.server.requests.append((method, url.path, self.headers.get("Authorization", "")))
        f = srv.faults
        with f.lock:
            f.calls += 1
            throttled = f.calls <= f.throttle
        if f.block is not None:
            f.block.wait()
        if f.delay:
            time.sleep(f.delay)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" or f.unauthorized:
            self._send(401, {"error_code": "UNAUTHENTICATED",
                             "message": "Invalid access token."})
            return
        if f.forbidden_path and url.path.startswith(f.forbidden_path):
            self._send(403, {"error_code": "PERMISSION_DENIED",
                             "message": "User does not have USE CATALOG"})
            return
        if throttled:
            self._send(429, {"error_code": "TOO_MANY_REQUESTS", "message": "slow down"},
                       {"Retry-After": f.retry_after})
            return
        if f.error_500_path and url.path.startswith(f.error_500_path):
            self._send(500, {"error_code": "INTERNAL_ERROR", "message": "boom"})
            return
        if f.unavailable_path and url.path.startswith(f.unavailable_path):
            self._send(503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "later"},
                       {"Retry-After": "5"})
            return
        try:
            status, out = self._route(method, url.path, parse_qs(url.query), body)
        except KeyError as exc:
            status, out = 404, {"error_code": "NOT_FOUND", "message": f"not found: {exc}"}
        self._send(status, out)

    def _route(self, method: str, path: str, q: Mapping[str, list[str]],
               body: Mapping[str, Any]) -> tuple[int, Any]:
        srv = self.server
        if srv.account is not None:
            if path.endswith("/workspaces"):
                return 200, srv.account
            raise KeyError(path)
        inv = srv.inventory
        d = inv.data
        if path == "/api/2.1/clusters/list":
            return 200, _page(d.get("clusters", []), q, "clusters")
        if path == "/api/2.0/policies/clusters/list":
            return 200, {"policies": d.get("cluster_policies", [])}
        if path == "/api/2.0/sql/warehouses":
            return 200, _page(d.get("warehouses", []), q, "warehouses")
        if path == "/api/2.2/jobs/list":
            return 200, _page(d.get("jobs", []), q, "jobs", default=25)
        if path == "/api/2.0/workspace-conf":
            keys = q.get("keys", [""])[0].split(",")
            conf = d.get("workspace_conf", {})
            return 200, {k: conf[k] for k in keys if k in conf}
        if path == "/api/2.1/unity-catalog/catalogs":
            return 200, _page(d.get("catalogs", []), q, "catalogs")
        if path == "/api/2.1/unity-catalog/schemas":
            return 200, _page(inv.schemas.get(q["catalog_name"][0], []), q, "schemas")
        if path == "/api/2.1/unity-catalog/tables":
            key = f"{q['catalog_name'][0]}.{q['schema_name'][0]}"
            return 200, _page(inv.tables.get(key, []), q, "tables")
        prefix = "/api/2.1/unity-catalog/effective-permissions/"
        if path.startswith(prefix):
            key = unquote(path[len(prefix):])
            return 200, {"privilege_assignments": [
                {"principal": g["principal"],
                 "privileges": [{"privilege": p} for p in g["privileges"]]}
                for g in inv.grants.get(key, [])]}
        prefix = "/api/2.1/unity-catalog/entity-tag-assignments/"
        if path.startswith(prefix) and path.endswith("/tags"):
            key = unquote(path[len(prefix):-len("/tags")])
            return 200, _page(inv.tags.get(key, []), q, "tag_assignments")
        if path == "/api/2.0/sql/statements" and method == "POST":
            cols, rows = inv.info_schema(str(body.get("statement", "")))
            sid = f"st-{len(inv.statements)}-{random.randrange(1 << 30)}"
            inv.statements[sid] = (cols, rows)
            return 200, {"statement_id": sid, "status": {"state": "SUCCEEDED"},
                         "manifest": {"format": "JSON_ARRAY",
                                      "schema": {"column_count": len(cols), "columns": [
                                          {"name": c, "position": i, "type_name": "STRING"}
                                          for i, c in enumerate(cols)]},
                                      "total_row_count": len(rows)},
                         "result": self._chunk(rows, 0)}
        prefix = "/api/2.0/sql/statements/"
        if path.startswith(prefix) and "/result/chunks/" in path:
            sid, _, n = path[len(prefix):].partition("/result/chunks/")
            return 200, self._chunk(inv.statements[sid][1], int(n))
        raise KeyError(path)

    @staticmethod
    def _chunk(rows: list[list[Any]], index: int) -> dict[str, Any]:
        start = index * CHUNK_ROWS
        out: dict[str, Any] = {"chunk_index": index, "row_offset": start,
                               "data_array": rows[start:start + CHUNK_ROWS],
                               "row_count": len(rows[start:start + CHUNK_ROWS])}
        if start + CHUNK_ROWS < len(rows):
            out["next_chunk_index"] = index + 1
        return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, inventory: Inventory | None, faults: Faults,
                 account: list[Any] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.inventory = inventory  # type: ignore[assignment]
        self.faults = faults
        self.account = account
        self.requests: list[tuple[str, str, str]] = []

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Loopback:
    """One listener per workspace (+ one account console), each on an ephemeral port."""

    def __init__(self) -> None:
        self.servers: dict[str, _Server] = {}
        self.threads: list[threading.Thread] = []

    def add_workspace(self, name: str, data: Mapping[str, Any],
                      faults: Faults | None = None) -> str:
        srv = _Server(Inventory(data), faults or Faults())
        self._start(name, srv)
        return srv.host

    def add_account(self, workspaces: list[dict[str, Any]]) -> str:
        srv = _Server(None, Faults(), account=workspaces)
        self._start("__account__", srv)
        return srv.host

    def _start(self, name: str, srv: _Server) -> None:
        self.servers[name] = srv
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True)
        t.start()
        self.threads.append(t)

    def host(self, name: str) -> str:
        return self.servers[name].host

    def faults(self, name: str) -> Faults:
        return self.servers[name].faults

    def requests(self, name: str) -> list[tuple[str, str, str]]:
        return self.servers[name].requests

    def close(self) -> None:
        for srv in self.servers.values():
            if srv.faults.block is not None:
                srv.faults.block.set()
            srv.shutdown()
            srv.server_close()


@contextmanager
def loopback() -> Iterator[Loopback]:
    lb = Loopback()
    try:
        yield lb
    finally:
        lb.close()


def clean_sdk_env(environ: dict[str, str], config_file: str) -> dict[str, str]:
    """An environment with no Databricks/cloud credentials but ours (for a subprocess)."""
    env = {k: v for k, v in environ.items()
           if not k.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_"))}
    env["DATABRICKS_CONFIG_FILE"] = config_file
    return env


class FakeClock:
    """The SDK's injectable clock: sleeping advances time instantly (retry tests in ms)."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds


def sdk_factory(clock: Any = None, token: str = TOKEN, **extra: Any) -> Any:
    """A client factory for meshgov.audit: the real WorkspaceClient with PAT auth."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    def factory(ref: Any, crawl: Any) -> Any:
        kw: dict[str, Any] = {"host": ref.host, "token": token, "auth_type": "pat",
                              "http_timeout_seconds": crawl.http_timeout_seconds,
                              "retry_timeout_seconds": int(crawl.retry_timeout_seconds), **extra}
        if clock is not None:
            kw["clock"] = clock
        return WorkspaceClient(config=Config(**kw))

    return factory


# -- synthetic inventories (fixtures generator and benchmark) ---------------------------------


def make_inventory(index: int, objects: int = 60, *, seed: int = 7) -> dict[str, Any]:
    """A deterministic workspace inventory of about ``objects`` objects, with violations.

    Mix (per 100 objects): 8 clusters, 2 policies, 3 warehouses, 8 jobs, ~1 catalog, 4 schemas,
    62 tables (5 views), 12 grants (information_schema rows grouped per securable).
    """
    rnd = random.Random(seed * 1000 + index)
    n = max(objects, 20)
    k = lambda share: max(1, round(n * share))  # noqa: E731
    ws_id = 1000 + index
    sizes = ["Small", "Medium", "Large", "X-Large", "4X-Large"]
    clusters = []
    for i in range(k(0.08)):
        bad = i % 3 == 0
        c: dict[str, Any] = {
            "cluster_id": f"{ws_id}-{i:05d}-abc", "cluster_name": f"etl-{i}",
            "spark_version": "11.3.x-scala2.12" if bad else "15.4.x-scala2.12",
            "node_type_id": "i3.xlarge", "autotermination_minutes": 0 if bad else 60,
            "data_security_mode": "NONE" if bad else "USER_ISOLATION",
            "state": "RUNNING", "creator_user_name": f"user{i}@corp.example",
            "custom_tags": {} if bad else {"owner": "team", "domain": "sales", "cost-center": "42"},
        }
        if i % 2:
            c["autoscale"] = {"min_workers": 1, "max_workers": 50 if bad else 8}
        else:
            c["num_workers"] = 4
        if i == 1:
            c["spark_env_vars"] = {"DB_PASSWORD": "hunter2-supersecret-value",
                                   "API_KEY_REF": "{{secrets/etl/api}}"}
        clusters.append(c)
    policies = [{"policy_id": f"POL{ws_id}{i}", "name": f"policy-{i}",
                 "definition": json.dumps({"autotermination_minutes": {"type": "fixed",
                                                                        "value": 30 + i}})}
                for i in range(k(0.02))]
    warehouses = [{"id": f"wh{ws_id}{i:03d}", "name": f"wh-{i}",
                   "cluster_size": sizes[i % len(sizes)], "auto_stop_mins": 240 if i % 4 == 0 else 20,
                   "enable_serverless_compute": i % 2 == 0, "state": "RUNNING",
                   "max_num_clusters": 2}
                  for i in range(k(0.03))]
    jobs = []
    for i in range(k(0.08)):
        jobs.append({"job_id": ws_id * 10000 + i, "creator_user_name": "svc@corp.example",
                     "settings": {"name": f"job-{i}", "max_concurrent_runs": 50 if i % 5 == 0 else 1,
                                  "job_clusters": [{"job_cluster_key": "main", "new_cluster": {
                                      "spark_version": "15.4.x-scala2.12",
                                      "node_type_id": "i3.xlarge", "num_workers": 2,
                                      "data_security_mode": "SINGLE_USER",
                                      "custom_tags": {"owner": "t", "domain": "d",
                                                      "cost-center": "1"}}}],
                                  "tasks": [{"task_key": "t1", "job_cluster_key": "main",
                                             "notebook_task": {"notebook_path": "/x"}},
                                            {"task_key": "t2", "new_cluster": {
                                                "spark_version": "10.4.x-scala2.12",
                                                "node_type_id": "i3.xlarge", "num_workers": 60}}]}})
    conf = {"enableTokensConfig": "true", "maxTokenLifetimeDays": "365" if index % 2 else "30",
            "enableIpAccessLists": "false", "enableExportNotebook": "true",
            "enableResultsDownloading": "true", "enableDbfsFileBrowser": "false"}
    n_schemas = k(0.04)
    n_catalogs = max(1, n_schemas // 4)
    catalogs = [{"name": f"ws{index}_cat{c}", "owner": "data-platform",
                 "comment": "domain catalog", "catalog_type": "MANAGED_CATALOG"}
                for c in range(n_catalogs)]
    catalogs.append({"name": "system", "owner": "System user", "catalog_type": "SYSTEM_CATALOG"})
    schemas = []
    for s in range(n_schemas):
        cat = catalogs[s % n_catalogs]["name"]
        schemas.append({"name": f"sch{s}", "catalog_name": cat, "full_name": f"{cat}.sch{s}",
                        "owner": "data-platform"})
    tables = []
    grants: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    n_tables = k(0.62)
    for t in range(n_tables):
        sch = schemas[t % n_schemas]
        full = f"{sch['full_name']}.T{t}"
        view = t % 12 == 5
        cols = [{"name": "id", "type_name": "LONG", "position": 0},
                {"name": "amount", "type_name": "DOUBLE", "position": 1}]
        if t % 4 == 0:
            col = {"name": "email", "type_name": "STRING", "position": 2}
            if t % 8 == 0:
                col["mask"] = {"function_name": f"{sch['catalog_name']}.sec.mask_email"}
            cols.append(col)
        if t % 10 == 3:
            cols.append({"name": "notes", "type_name": "STRING", "position": 3})
            tags.append({"entity_type": "columns", "entity_name": f"{full}.notes",
                         "tag_key": "class", "tag_value": "pii"})
        tbl: dict[str, Any] = {
            "name": f"T{t}", "catalog_name": sch["catalog_name"], "schema_name": sch["name"],
            "full_name": full, "table_type": "VIEW" if view else "MANAGED",
            "owner": rnd.choice(["sales-engineers", "alice@corp.example", "sales-engineers",
                                 "0f9a8b7c-1234-4abc-9def-0123456789ab"]),
            "columns": cols, "properties": {"delta.minReaderVersion": "1"},
        }
        if t % 3:
            tbl["comment"] = f"table {t}"
        if view:
            tbl["view_definition"] = ("SELECT * FROM " if t % 24 == 5 else
                                      "SELECT id, amount FROM ") + f"{sch['full_name']}.T0"
        if t % 9 == 0:
            tbl["row_filter"] = {"function_name": f"{sch['catalog_name']}.sec.rf",
                                 "input_column_names": ["id"]}
        tables.append(tbl)
        if t % 6 == 0:
            tags.append({"entity_type": "tables", "entity_name": full, "tag_key": "domain",
                         "tag_value": "sales"})
    n_grants = k(0.12)
    securables = ([("catalog", c["name"]) for c in catalogs[:-1]]
                  + [("schema", s["full_name"]) for s in schemas]
                  + [("table", t["full_name"]) for t in tables])
    for g in range(n_grants):
        st, full = securables[g % len(securables)]
        broad = g % 7 == 0
        grants.append({"securable_type": st, "full_name": full,
                       "principal": "account users" if broad else "sales-readers",
                       "privileges": ["ALL_PRIVILEGES"] if broad else ["SELECT", "USE_SCHEMA"]})
    return {
        "workspace": {"workspace_id": ws_id, "workspace_name": f"ws-{index:02d}",
                      "deployment_name": f"ws-{index:02d}", "workspace_status": "RUNNING"},
        "clusters": clusters, "cluster_policies": policies, "warehouses": warehouses,
        "jobs": jobs, "workspace_conf": conf, "catalogs": catalogs, "schemas": schemas,
        "tables": tables, "grants": grants, "tags": tags,
    }


def inventory_objects(inv: Mapping[str, Any], bulk: bool = True) -> int:
    """How many records a crawl of ``inv`` yields (bulk grants/tags are grouped per securable)."""
    n = sum(len(inv[k]) for k in ("clusters", "cluster_policies", "warehouses", "jobs",
                                  "schemas", "tables"))
    n += len([c for c in inv["catalogs"] if c["name"] != "system"]) + 1  # + workspace_conf
    n += len({(g["securable_type"], g["full_name"]) for g in inv["grants"]})
    n += len(inv["tags"])
    return n


if __name__ == "__main__":  # pragma: no cover - manual exploration
    print(os.getpid())
