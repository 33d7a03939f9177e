"""Builtins an embedded engine does not evaluate, refused when a pack is loaded.

An engine that lacks a builtin may leave a call to it undefined without an error, so the
rule that uses it never fires and the check passes (rego-cpp: ``net.cidr_contains``; regorus:
``http.send``). ``builtins.json`` lists, per engine, the builtins of the pinned OPA that the
engine leaves undefined or cannot find, as measured by ``scripts/probe-builtins.py``; a
module of the pack (the council's or a domain's) that calls one is refused at load, naming
the file, the line, the builtin and the engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from meshgov.core.errors import EngineError
from meshgov.infra.metadata import RegoModule, stripped_lines

DATA = Path(__file__).with_name("builtins.json")


@cache
def missing(engine: str) -> frozenset[str]:
    """The builtins ``engine`` does not evaluate (empty for an engine not probed)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return frozenset(data.get("missing", {}).get(engine, ()))


@cache
def _calls(engine: str) -> re.Pattern[str] | None:
    names = sorted(missing(engine), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")\s*\(")


def check_modules(engine: str, modules: Iterable[RegoModule]) -> None:
    """EngineError at the first call of a builtin ``engine`` does not evaluate."""
    pattern = _calls(engine)
    if pattern is None:
        return
    for module in modules:
        if pattern.search(module.text) is None:  # cheap: most modules call none
            continue
        for n, line in enumerate(stripped_lines(module.text), 1):
            m = pattern.search(line)
            if m:
                others = [e for e in ("regorus", "regopy") if e != engine and m.group(1) not in missing(e)]
                raise EngineError(
                    f"{module.path}:{n}: {m.group(1)} is not implemented by the {engine} engine (a "
                    "call to it would be undefined and its rule would never fire); evaluate with "
                    + (f"--engine {others[0]} or " if others else "") + "--engine opa")
