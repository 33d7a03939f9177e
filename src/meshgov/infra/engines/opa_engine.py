"""An OPA server through ``opa-python-client``: push the pack and the params, query in batches.

The pack goes in through OPA's policies API (``PUT /v1/policies/<id>``, one module a call) and
the params through the data API (``PUT /v1/data/meshgov/params``), not as a bundle: a bundle is
something a server *pulls* from a bundle service named in its own configuration, and a server
that serves bundles makes their roots read-only to the API. The policies API works against any
running server, the council's shared one included, with nothing to configure there.

OPA compiles each module as it arrives, so a module calling a function of another package
(``data.meshgov.lib.fmt``) is pushed after it (dependency order; a module refused for an
undefined function is tried again once the others are in).

A server is loaded once per pack: the pack's content hash (modules and params) is pushed last,
as ``data.meshgov.pack.hash``; a run whose hash the server already holds pushes nothing, and
every batch answer carries the hash it was evaluated with, so a run notices when another run
replaced the pack meanwhile (it pushes again, once). Modules of an older meshgov pack that the
new one does not have are deleted.

Every failure (server down, slow beyond ``timeout``, HTTP 4xx/5xx, an undefined result, an
answer of another shape) is an :class:`EngineError` (exit 2): an unreachable policy server
never makes a run pass.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from meshgov.core.errors import EngineError
from meshgov.infra.engines.base import UNDEFINED
from meshgov.infra.metadata import RegoModule
from meshgov.infra.pack import BATCH_PACKAGE, STAMP_PACKAGE, stamp_module

NAME = "opa"
BATCH_SIZE = 500  # resources per query (keeps request bodies well below OPA's limits)
POLICY_PREFIX = "meshgov"
_UNDEFINED_FUNCTION = re.compile(r"undefined function")
_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][\w.]*)")


def policy_id(module: RegoModule) -> str:
    """A module's OPA policy id: its package and file name (``meshgov/meshgov.lib/lib.rego``),
    the same from any checkout or installation of the pack."""
    name = module.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{POLICY_PREFIX}/{module.package}/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def pack_hash(modules: Sequence[RegoModule], params: Mapping[str, Any]) -> str:
    """What a server must hold for this run: every module (id and text) and the params."""
    h = hashlib.sha256()
    for m in sorted(modules, key=lambda m: policy_id(m)):
        h.update(policy_id(m).encode() + b"\0" + m.text.encode() + b"\0")
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    return h.hexdigest()


def push_order(modules: Sequence[RegoModule]) -> list[RegoModule]:
    """Modules in dependency order: a module after the packages it refers to (``data.<pkg>``);
    otherwise in the given order. Cycles keep the given order (the push retries those)."""
    packages = {m.package for m in modules}
    deps: dict[int, set[str]] = {}
    for i, m in enumerate(modules):
        refs = set()
        for ref in _DATA_REF.findall(m.text):
            parts = ref.split(".")
            for n in range(len(parts), 0, -1):
                pkg = ".".join(parts[:n])
                if pkg in packages:
                    if pkg != m.package:
                        refs.add(pkg)
                    break
        deps[i] = refs
    done: set[str] = set()
    pending = list(range(len(modules)))
    out: list[RegoModule] = []
    while pending:
        ready = [i for i in pending if deps[i] <= done] or pending[:1]  # a cycle: take the first
        for i in ready:
            out.append(modules[i])
            pending.remove(i)
        done.update(modules[i].package for i in ready)
        # a package spread over several modules is only "done" once all of them are out
        done -= {modules[i].package for i in pending}
    return out


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
        port = parts.port or (443 if parts.scheme == "https" else 8181)
        self.url = f"{parts.scheme}://{parts.hostname}:{port}"
        self._client = OpaClient(host=parts.hostname, port=port, ssl=parts.scheme == "https",
                                 token=token, timeout=timeout, retries=0)
        self._timeout = timeout
        self._modules = tuple(modules)
        self._paths = {policy_id(m): m.path for m in self._modules}  # for OPA's error locations
        if len(self._paths) != len(self._modules):
            seen: set[str] = set()
            dup = next(m for m in self._modules if policy_id(m) in seen or seen.add(policy_id(m)))  # type: ignore[func-returns-value]
            raise EngineError(f"{dup.path}: two Rego files of package {dup.package} have the same name; "
                              "OPA's policy ids are package/file name: rename one")
        self._params = dict(data.get("meshgov", {}).get("params", {}))
        self.pack_hash = pack_hash(self._modules, self._params)
        #: how many times this engine pushed the pack (0: the server already held it)
        self.pushes = 0
        if self._loaded_hash() != self.pack_hash:
            self._push()

    # -- loading ------------------------------------------------------------------------------

    def _loaded_hash(self) -> str | None:
        answer = self._call("read the loaded pack", lambda: self._client.query_rule(
            {}, STAMP_PACKAGE.replace(".", "/"), "hash"))
        value = answer.get("result") if isinstance(answer, Mapping) else None
        return value if isinstance(value, str) else None

    def _push(self) -> None:
        by_id = {policy_id(m): m for m in self._modules}
        present = set(self._call("list the server's policies", self._client.get_policies_list))
        self._call("push the params", lambda: self._client.update_or_create_data(
            self._params, f"{POLICY_PREFIX}/params"))
        pending = push_order([m for m in self._modules if m.package != STAMP_PACKAGE])
        while pending:  # dependency order; a module refused for an undefined function waits
            deferred: list[RegoModule] = []
            last: EngineError | None = None
            for m in pending:
                try:
                    self._call(f"load {m.path}", lambda m=m: self._client.update_policy_from_string(
                        m.text, policy_id(m), rego_compat=False))
                except EngineError as exc:
                    if not _UNDEFINED_FUNCTION.search(str(exc)):
                        raise
                    deferred.append(m)
                    last = exc
            if len(deferred) == len(pending):
                assert last is not None
                raise last
            pending = deferred
        stale = sorted(pid for pid in present if pid.startswith(POLICY_PREFIX + "/") and pid not in by_id
                       and pid != policy_id(stamp_module("")))
        self._delete(stale)
        stamp = stamp_module(self.pack_hash)
        self._call("stamp the pack", lambda: self._client.update_policy_from_string(
            stamp.text, policy_id(stamp), rego_compat=False))
        self.pushes += 1

    def _delete(self, ids: list[str]) -> None:
        """Delete an older pack's modules (one another still calls into goes after it)."""
        while ids:
            kept = []
            for pid in ids:
                try:
                    self._call(f"delete the stale module {pid}", lambda pid=pid: self._client.delete_policy(pid))
                except EngineError:
                    kept.append(pid)
            if len(kept) == len(ids):
                self._call(f"delete the stale module {kept[0]}", lambda: self._client.delete_policy(kept[0]))
            ids = kept

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
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
            detail = _error_detail(exc.response)
            raise EngineError(f"OPA server {self.url} answered HTTP {status} ({what}){hint}"
                              + (f": {detail}" if detail else "")) from None
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - opa_client raises its own error types, JSON errors...
            located = self._located(exc)
            if located:
                raise EngineError(located) from None
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            hint = " (check --opa-token)" if "unauthorized" in detail.lower() else ""
            raise EngineError(f"OPA server {self.url} refused to {what}: {detail}{hint}") from None

    def _located(self, exc: Exception) -> str | None:
        """A compile error OPA located in a module: "path:line:col: Rego error: … (opa)"."""
        errors = getattr(exc, "errors", None)
        if not isinstance(errors, list) or not errors or not isinstance(errors[0], Mapping):
            return None
        first, where = errors[0], errors[0].get("location")
        if not isinstance(where, Mapping) or not where.get("file"):
            return None
        path = self._paths.get(str(where["file"]), str(where["file"]))
        return (f"{path}:{where.get('row', '?')}:{where.get('col', '?')}: Rego error: "
                f"{str(first.get('message', '')).strip()} (opa)")

    # -- evaluation ---------------------------------------------------------------------------

    def _query_batch(self, chunk: list[Mapping[str, Any]]) -> tuple[Any, Any]:
        answer = self._call("evaluate", lambda: self._client.query_rule(
            {"resources": chunk}, BATCH_PACKAGE.replace(".", "/"), "results"))
        if not isinstance(answer, Mapping) or "result" not in answer:
            raise EngineError(f"OPA server {self.url}: data.{BATCH_PACKAGE}.results is undefined "
                              "(is the meshgov pack loaded?)")
        result = answer["result"]
        if not isinstance(result, Mapping) or set(result) != {"pack", "values"}:
            raise EngineError(f"OPA server {self.url}: unexpected answer to data.{BATCH_PACKAGE}.results "
                              f"(an object with pack and values was expected)")
        return result["pack"], result["values"]

    def evaluate(self, rules: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(docs), BATCH_SIZE):
            chunk = list(docs[start:start + BATCH_SIZE])
            pack, values = self._query_batch(chunk)
            if pack != self.pack_hash:  # another run replaced the pack on this server: once more
                self._push()
                pack, values = self._query_batch(chunk)
                if pack != self.pack_hash:
                    raise EngineError(f"OPA server {self.url}: another run keeps replacing the meshgov "
                                      "pack on this server (a shared server serves one pack at a time)")
            if not isinstance(values, list) or len(values) != len(chunk):
                raise EngineError(f"OPA server {self.url}: unexpected result shape for {len(chunk)} resources")
            out.extend(values)
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


def _error_detail(response: Any) -> str:
    """OPA's own error message (``{"code": …, "message": …}``), first line, for the user."""
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - a proxy's HTML page, an empty body
        return ""
    if not isinstance(body, Mapping):
        return ""
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else body
    text = str(first.get("code") or "") + (": " + str(first["message"]).splitlines()[0]
                                           if first.get("message") else "")
    where = first.get("location")
    if isinstance(where, Mapping) and where.get("file"):
        text += f" (at {where['file']}:{where.get('row', '?')})"
    return text
