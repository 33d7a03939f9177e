"""A TEST DOUBLE of an OPA server, for tests only: it is not OPA.

The real OPA (tests/infra/opa_server.py) is what the OPA path is tested against; this double
is kept only for what a real server cannot be made to do on demand: answer garbage
(``mode = "garbage"``: 200 with a body that is not JSON; ``mode = "shape"``: a batch answer of
another shape, ``{"result": [{}]}``; ``mode = "empty-values"``: the right pack, and ``{}`` for
every resource, as a server that evaluated nothing) and hang in the middle of a response (``mode = "hang"``).

A loopback ``http.server`` implementing the subset of OPA's REST API that opa-python-client
uses (``PUT /v1/policies/{id}``, ``PUT /v1/data/{path}``, ``POST /v1/data/{path}``,
``GET /health``), evaluating with the embedded regorus engine. It can require a bearer token
and can be told to fail: ``mode = "500"`` answers every request with HTTP 500,
``mode = "500-query"`` only queries, ``mode = "slow"`` sleeps ``delay`` seconds before answering.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class OpaDouble:
    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.mode = "ok"
        self.delay = 2.0
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OpaDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- evaluation ---------------------------------------------------------------------------

    def _compile(self) -> Any:
        import hobofan_regorus

        engine = hobofan_regorus.Engine()
        for pid, text in sorted(self.policies.items()):
            engine.add_policy(pid, text)
        engine.add_data_json(json.dumps(self.data))
        return engine

    def _check_policy(self, pid: str, text: str) -> str | None:
        import hobofan_regorus

        try:
            hobofan_regorus.Engine().add_policy(pid, text)
        except RuntimeError as exc:
            return str(exc).split("Stack backtrace")[0].strip()
        return None

    def evaluate(self, path: str, input_doc: Any) -> tuple[bool, Any]:
        with self._lock:
            engine = self._compile()  # regorus engines are bound to the thread that made them
            engine.set_input_json(json.dumps(input_doc))
            rule = "data." + ".".join(p for p in path.split("/") if p)
            try:
                out = engine.eval_rule_as_json(rule)
            except RuntimeError:
                return False, None  # OPA: an undefined document is 200 without "result"
            value = json.loads(out) if out is not None else None
            return value is not None, value

    def _set_data(self, path: str, value: Any) -> None:
        parts = [p for p in path.split("/") if p]
        with self._lock:
            if not parts:
                self.data = value
            else:
                node = self.data
                for p in parts[:-1]:
                    node = node.setdefault(p, {})
                node[parts[-1]] = value

    # -- HTTP ---------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _reply(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> bytes:
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _gate(self) -> bool:
                double.requests.append((self.command, self.path))
                if double.mode == "slow":
                    time.sleep(double.delay)
                if double.mode == "500" or (double.mode == "500-query" and self.command == "POST"):
                    self._body()
                    self._reply(500, {"code": "internal_error", "message": "test double told to fail"})
                    return False
                if double.token and self.headers.get("Authorization") != f"Bearer {double.token}":
                    self._body()
                    self._reply(401, {"code": "unauthorized", "message": "missing or invalid bearer token"})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                if self._gate():
                    self._reply(200, {})

            def do_PUT(self) -> None:  # noqa: N802
                if not self._gate():
                    return
                body = self._body()
                if self.path.startswith("/v1/policies/"):
                    pid = self.path[len("/v1/policies/"):]
                    text = body.decode()
                    error = double._check_policy(pid, text)
                    if error:
                        self._reply(400, {"code": "invalid_parameter", "message": error,
                                          "errors": [{"code": "rego_parse_error", "message": error}]})
                        return
                    with double._lock:
                        double.policies[pid] = text
                    self._reply(200, {})
                elif self.path.startswith("/v1/data"):
                    double._set_data(self.path[len("/v1/data"):], json.loads(body or b"null"))
                    self.send_response(204)
                    self.end_headers()
                else:
                    self._reply(404, {"code": "resource_not_found", "message": self.path})

            def do_POST(self) -> None:  # noqa: N802
                if not self._gate():
                    return
                body = json.loads(self._body() or b"{}")
                if not self.path.startswith("/v1/data"):
                    self._reply(404, {"code": "resource_not_found", "message": self.path})
                    return
                path = self.path[len("/v1/data"):].split("?")[0]
                if path.endswith("/batch/results") and double.mode in ("garbage", "shape", "hang"):
                    self._misbehave()
                    return
                defined, value = double.evaluate(path, body.get("input"))
                if path.endswith("/batch/results") and double.mode == "empty-values" and defined:
                    value = {"pack": value["pack"], "values": [{} for _ in value["values"]]}
                self._reply(200, {"result": value} if defined else {})

            def _misbehave(self) -> None:
                if double.mode == "shape":
                    self._reply(200, {"result": [{}]})
                    return
                raw = b'<html>502 Bad Gateway</html>' if double.mode == "garbage" else b'{"result": {"pack": '
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw) + (0 if double.mode == "garbage" else 1000)))
                self.end_headers()
                self.wfile.write(raw)
                self.wfile.flush()
                if double.mode == "hang":
                    time.sleep(double.delay)  # half a response, then nothing

        return Handler
