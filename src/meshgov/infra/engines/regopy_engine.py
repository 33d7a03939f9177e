"""Embedded Microsoft rego-cpp through ``regopy``: compile once into a bundle, query per resource."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from collections.abc import Mapping, Sequence
from typing import Any

from meshgov.core.errors import EngineError
from meshgov.infra.engines.base import UNDEFINED, parse_json, syntax_error
from meshgov.infra.metadata import RegoModule

NAME = "regopy"
#: regopy 1.5.2 aborts the process (SIGSEGV / std::runtime_error) on `with input as <term>`
_WITH_INPUT = re.compile(r"\bwith\s+input\s+as\b")


@contextmanager
def _captured_fds(sink: list[str]) -> Iterator[None]:
    """Capture what rego-cpp prints on fds 1/2 while compiling (it reports some errors only there)."""
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            tmp.seek(0)
            sink.append(tmp.read().decode("utf-8", "replace"))


def _entrypoint(rule: str) -> str:
    return rule.removeprefix("data.").replace(".", "/")


class RegopyEngine:
    name = NAME

    def __init__(self, modules: Sequence[RegoModule], data_json: str,
                 entrypoints: Sequence[str] = ()) -> None:
        from regopy import Interpreter, RegoError  # noqa: PLC0415 - only when infra inputs exist

        self._modules = tuple(modules)
        for m in modules:
            if _WITH_INPUT.search(m.text):
                line = m.text[: _WITH_INPUT.search(m.text).start()].count("\n") + 1  # type: ignore[union-attr]
                raise EngineError(
                    f"{m.path}:{line}: regopy 1.5.2 crashes on `with input as ...` (a rego-cpp bug); "
                    "use the regorus engine (`--engine regorus`, the default when installed)")
        self._interp = Interpreter()
        self._error = RegoError
        printed: list[str] = []
        try:
            with _captured_fds(printed):
                for m in modules:
                    self._interp.add_module(m.path, m.text)
                self._interp.add_data_json(data_json)
                self._entrypoints = tuple(entrypoints)
                self._bundle = self._interp.build(None, [_entrypoint(r) for r in entrypoints]) \
                    if entrypoints else None
        except RegoError as exc:
            raise syntax_error(NAME, exc, modules) from None
        if self._bundle is not None and not self._bundle.ok():
            # rego-cpp 1.5.2 returns a broken bundle (querying it segfaults) for some errors
            raise syntax_error(NAME, RuntimeError("".join(printed) or "compile error"), modules)

    @staticmethod
    def _value(out: Any, rule: str) -> Any:
        text = str(out)
        if text == "undefined":
            return UNDEFINED
        if not out.ok():
            raise EngineError(f"regopy could not evaluate {rule}: {text.splitlines()[0] if text else 'error'}")
        value = parse_json(text, NAME)
        exprs = value.get("expressions") if isinstance(value, dict) else None
        if not exprs:
            return UNDEFINED
        return exprs[0]

    def evaluate(self, rules: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        out = []
        interp = self._interp
        dumps = json.dumps
        compiled = set(self._entrypoints)
        try:
            for rule, doc in zip(rules, docs):
                interp.set_input_term(dumps(doc))
                if self._bundle is not None and rule in compiled:
                    res = interp.query_bundle_entrypoint(self._bundle, _entrypoint(rule))
                else:
                    res = interp.query(rule)
                out.append(self._value(res, rule))
        except self._error as exc:
            raise syntax_error(NAME, exc, self._modules) from None
        except ValueError:  # regopy's Output could not parse what rego-cpp printed
            raise EngineError(_no_result(doc)) from None
        return out

    def query(self, rule: str) -> Any:
        try:
            self._interp.set_input_term("{}")
            return self._value(self._interp.query(rule), rule)
        except self._error as exc:
            raise syntax_error(NAME, exc, self._modules) from None

    def close(self) -> None:
        pass


#: rego-cpp fails below ~1e-307 (subnormals, and the smallest normals it rounds into them)
_SMALLEST_NORMAL = 1e-307


def _subnormals(value: Any, out: list[float]) -> None:
    if isinstance(value, float) and 0 < abs(value) < _SMALLEST_NORMAL:
        out.append(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            _subnormals(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _subnormals(v, out)


def _no_result(doc: Mapping[str, Any]) -> str:
    """Why rego-cpp gave no JSON for a resource: it fails on arithmetic with subnormal numbers."""
    found: list[float] = []
    _subnormals(doc, found)
    why = (f"rego-cpp cannot compute with the subnormal number {found[0]!r}" if found
           else "rego-cpp printed a result that is not JSON")
    return (f"regopy could not evaluate {doc.get('address', 'a resource')}: {why}; "
            "evaluate it with --engine regorus or --engine opa")
