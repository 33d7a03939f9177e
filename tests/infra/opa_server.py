"""The real OPA: find (or build) the pinned binary, and run ``opa run --server`` on loopback.

The binary is built from its Go module by ``scripts/go-tools.sh`` (once, cached); this module
calls that script, so a plain ``pytest`` builds it too. Nothing here skips: a machine without
the Go toolchain fails these tests with the script's message.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: a tiny authorization policy: a request is allowed when it carries the bearer token in data
AUTHZ = """\
package system.authz

import rego.v1

default allow := false

allow if input.identity == data.system.token

allow if input.path == ["health"]
"""


@lru_cache(maxsize=None)
def go_tool(name: str) -> str:
    """The path of a pinned Go tool (``opa``, ``conftest``), built on first use."""
    out = subprocess.run(["bash", str(ROOT / "scripts" / "go-tools.sh"), "--print", name],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/go-tools.sh {name} failed:\n{out.stderr}")
    for line in out.stdout.splitlines():
        tool, _, path = line.partition(" ")
        if tool == name:
            return path
    raise RuntimeError(f"scripts/go-tools.sh printed no path for {name}: {out.stdout!r}")


def opa_bin() -> str:
    return go_tool("opa")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OpaServer:
    """``opa run --server`` on 127.0.0.1:<free port>; with ``token``, token authentication and
    the basic authorization policy above. ``stop()`` kills it (a server that went down)."""

    def __init__(self, token: str | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.token = token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="meshgov-opa-")
        args = [opa_bin(), "run", "--server", "--addr", f"127.0.0.1:{self.port}",
                "--log-level", "error", *extra_args]
        if token:
            authz = Path(self._dir.name) / "authz.rego"
            authz.write_text(AUTHZ)
            data = Path(self._dir.name) / "system" / "data.json"
            data.parent.mkdir()
            data.write_text(json.dumps({"token": token}))
            args += ["--authentication=token", "--authorization=basic", str(authz), f"system:{data}"]
            # data files load at their prefix: system:<file> puts {"token": …} at data.system
        self.log = Path(self._dir.name) / "opa.log"
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"opa exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"opa did not become ready on {self.url}: {self.log.read_text()}")

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        """A raw API call (as the test's own client), with the token when the server wants one."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def policy_ids(self) -> list[str]:
        status, body = self.request("GET", "/v1/policies")
        assert status == 200, body
        return sorted(p["id"] for p in body["result"])  # type: ignore[index]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> OpaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def environment_without_secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "MESHGOV_OPA"))}
