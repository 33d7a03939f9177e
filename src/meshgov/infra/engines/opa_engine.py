"""An OPA server through ``opa-python-client``: push the pack and the params, query in batches.

Every failure (server down, slow beyond ``timeout``, HTTP 4xx/5xx, an undefined result) is an
:class:`EngineError` (exit 2): an unreachable policy server never makes a run pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from meshgov.core.errors import EngineError
from meshgov.infra.engines.base import UNDEFINED
from meshgov.infra.metadata import RegoModule
from meshgov.infra.pack import BATCH_PACKAGE

NAME = "opa"
BATCH_SIZE = 500  # resources per query (keeps request bodies well below OPA's limits)
POLICY_PREFIX = "meshgov"


def policy_id(path: str) -> str:
    """A stable OPA policy id for a module path."""
    return POLICY_PREFIX + "/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", path.lstrip("/"))


class OpaEngine:
    name = NAME

    def __init__(self, url: str, modules: Sequence[RegoModule], data: Mapping[str, Any], *,
                 token: str | None = None, timeout: float = 30.0) -> None:
        try:
            from opa_client import OpaClient  # noqa: PLC0415 - optional extra, imported on use
        except ImportError:
            raise EngineError("--engine opa needs `pip install 'meshgov[opa]'` (opa-python-client)") from None
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"--opa-url {url!r}: expected http(s)://host:port")
        if parts.path not in ("", "/"):
            raise EngineError(f"--opa-url {url!r}: OPA's API is served at the root (no path prefix)")
        self.url = f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 8181)}"
        self._client = OpaClient(host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8181),
                                 ssl=parts.scheme == "https", token=token, timeout=timeout, retries=0)
        self._timeout = timeout
        self._call("push the params", lambda: self._client.update_or_create_data(
            dict(data.get("meshgov", {}).get("params", {})), f"{POLICY_PREFIX}/params"))
        for m in modules:
            self._call(f"load {m.path}", lambda m=m: self._client.update_policy_from_string(
                m.text, policy_id(m.path), rego_compat=False))

    def _call(self, what: str, fn: Any) -> Any:
        import requests  # noqa: PLC0415 - a dependency of opa-python-client

        try:
            return fn()
        except requests.exceptions.Timeout:
            raise EngineError(f"OPA server {self.url} did not answer within {self._timeout:g} s "
                              f"({what}); raise --opa-timeout or check the server") from None
        except requests.exceptions.ConnectionError as exc:
            if "timed out" in str(exc).lower():  # urllib3 wraps read timeouts when retries=0
                raise EngineError(f"OPA server {self.url} did not answer within {self._timeout:g} s "
                                  f"({what}); raise --opa-timeout or check the server") from None
            raise EngineError(f"OPA server {self.url} is not reachable ({what})") from None
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            hint = " (check --opa-token)" if status in (401, 403) else ""
            raise EngineError(f"OPA server {self.url} answered HTTP {status} ({what}){hint}") from None
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - opa_client raises its own error types, JSON errors...
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            hint = " (check --opa-token)" if "unauthorized" in detail.lower() else ""
            raise EngineError(f"OPA server {self.url} refused to {what}: {detail}{hint}") from None

    def evaluate(self, rules: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(docs), BATCH_SIZE):
            chunk = list(docs[start:start + BATCH_SIZE])
            answer = self._call("evaluate", lambda c=chunk: self._client.query_rule(
                {"resources": c}, BATCH_PACKAGE.replace(".", "/"), "results"))
            if not isinstance(answer, Mapping) or "result" not in answer:
                raise EngineError(f"OPA server {self.url}: data.{BATCH_PACKAGE}.results is undefined "
                                  "(is the meshgov pack loaded?)")
            result = answer["result"]
            if not isinstance(result, list) or len(result) != len(chunk):
                raise EngineError(f"OPA server {self.url}: unexpected result shape for {len(chunk)} resources")
            out.extend(result)
        return out

    def query(self, rule: str) -> Any:
        path = rule.removeprefix("data.").replace(".", "/")
        answer = self._call(f"query {rule}", lambda: self._client.query_rule({}, path))
        if not isinstance(answer, Mapping) or "result" not in answer:
            return UNDEFINED
        return answer["result"]

    def close(self) -> None:
        try:
            self._client.close_connection()
        except Exception:  # noqa: BLE001, S110 - closing a session must not fail a run
            pass
