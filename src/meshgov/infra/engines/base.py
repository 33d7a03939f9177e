"""The engine interface every Rego engine implements, and shared error handling."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from meshgov.core.errors import EngineError
from meshgov.infra.metadata import RegoModule


class Undefined:
    """The result of a rule that is undefined for the input."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = Undefined()


class Engine(Protocol):
    """A loaded pack. ``evaluate`` runs one entry rule per resource document."""

    name: str

    def evaluate(self, rules: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        """``rules[i]`` (a full path like ``data.meshgov.entry.cluster``) for ``docs[i]``."""
        ...

    def query(self, rule: str) -> Any:
        """A rule's value without input (``UNDEFINED`` when undefined): for ``policy test``."""
        ...

    def close(self) -> None: ...


_REGORUS_LOC = re.compile(r"-->\s*(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+)")
_REGORUS_MSG = re.compile(r"^error:\s*(?P<msg>.+)$", re.M)
_REGOPY_LOC = re.compile(r"\(error\s+\d+:(?P<path>[^|\s]+)\|(?P<offset>\d+)\|(?P<len>\d+)")
_REGOPY_MSG = re.compile(r"\(errormsg\s+\d+:(?P<msg>[^)]*)\)")
#: what rego-cpp prints: "Errors:\n<message>\n-- path:line:col"
_REGOPY_PRINTED = re.compile(r"Errors:\s*\n(?P<msg>[^\n]+)\n--\s*(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+)")


def syntax_error(engine: str, exc: BaseException, modules: Sequence[RegoModule]) -> EngineError:
    """An EngineError naming the Rego file and line of a compile error (exit 2)."""
    text = str(exc)
    by_path = {m.path: m for m in modules}
    m = _REGOPY_PRINTED.search(text)
    if m:
        return EngineError(f"{m.group('path')}:{m.group('line')}:{m.group('col')}: Rego error: "
                           f"{m.group('msg').strip()} ({engine})")
    m = _REGORUS_LOC.search(text)
    if m:
        msg = _REGORUS_MSG.search(text)
        detail = msg.group("msg").strip() if msg else text.strip().splitlines()[0]
        return EngineError(f"{m.group('path')}:{m.group('line')}:{m.group('col')}: Rego error: {detail} "
                           f"({engine})")
    m = _REGOPY_LOC.search(text)
    if m:
        path = m.group("path")
        mod = by_path.get(path)
        line = mod.text[: int(m.group("offset"))].count("\n") + 1 if mod else None
        msg = _REGOPY_MSG.search(text)
        detail = msg.group("msg").strip() if msg else "compile error"
        where = f"{path}:{line}" if line else path
        return EngineError(f"{where}: Rego error: {detail} ({engine})")
    first = next((l for l in text.splitlines() if l.strip()), type(exc).__name__)
    return EngineError(f"Rego error ({engine}): {first}")


def parse_json(text: str, engine: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"{engine} returned something that is not JSON: {exc.msg}") from None
