"""The ``opa`` command-line tool, where one is installed: ``opa test``, ``opa check --strict``
and a capabilities file that takes the sandboxed builtins away from a domain's Rego.

``meshgov policy test --engine opa`` runs the pack's tests in the reference implementation;
with any engine, ``policy test`` also runs ``opa check --strict`` over the pack when an ``opa``
binary is found (``--opa-bin``, ``$MESHGOV_OPA_BIN``, or ``opa`` on PATH).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from meshgov.core.errors import EngineError
from meshgov.infra.metadata import SANDBOXED_BUILTINS
from meshgov.infra.testing import TestResult

TIMEOUT_S = 300.0


def find_opa(explicit: str | None = None) -> str | None:
    """The opa binary: ``explicit``, else $MESHGOV_OPA_BIN, else ``opa`` on PATH (None: none)."""
    chosen = explicit or os.environ.get("MESHGOV_OPA_BIN")
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise EngineError(f"opa binary {chosen!r} not found or not executable")
        return found
    return shutil.which("opa")


def _run(opa: str, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([opa, *args], capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise EngineError(f"`opa {args[0]}` did not finish within {TIMEOUT_S:g} s") from None
    except OSError as exc:
        raise EngineError(f"cannot run {opa}: {exc}") from None


def sandbox_capabilities(opa: str, directory: Path) -> Path:
    """``opa capabilities --current`` without the builtins a domain's Rego may not call."""
    out = _run(opa, ["capabilities", "--current"])
    if out.returncode != 0:
        raise EngineError(f"`opa capabilities --current` failed: {out.stderr.strip()}")
    caps = json.loads(out.stdout)
    caps["builtins"] = [b for b in caps["builtins"] if not SANDBOXED_BUILTINS.match(b["name"] + "(")]
    path = directory / "meshgov-sandbox-capabilities.json"
    path.write_text(json.dumps(caps))
    return path


def check(opa: str, files: Sequence[str], local: Sequence[str] = ()) -> list[str]:
    """``opa check --strict`` over ``files``; ``local`` (a domain's own modules) also against
    the sandbox capabilities. Returns OPA's error lines (empty: clean)."""
    errors: list[str] = []
    out = _run(opa, ["check", "--strict", *files])
    if out.returncode != 0:
        errors.extend(l for l in (out.stderr or out.stdout).strip().splitlines() if l.strip())
    if local and not errors:
        with tempfile.TemporaryDirectory(prefix="meshgov-opa-") as tmp:
            caps = sandbox_capabilities(opa, Path(tmp))
            out = _run(opa, ["check", "--strict", "--capabilities", str(caps), *files])
            if out.returncode != 0:
                errors.extend(l for l in (out.stderr or out.stdout).strip().splitlines() if l.strip())
    return errors


def run_tests(opa: str, files: Sequence[str], data: Mapping[str, Any]) -> list[TestResult]:
    """``opa test --format json`` over the modules and their tests, with ``data`` loaded."""
    with tempfile.TemporaryDirectory(prefix="meshgov-opa-") as tmp:
        data_file = Path(tmp) / "data.json"
        data_file.write_text(json.dumps(data))
        out = _run(opa, ["test", "--format", "json", *files, str(data_file)])
    try:
        doc = json.loads(out.stdout) if out.stdout.strip() else None
    except json.JSONDecodeError:
        doc = None
    if not isinstance(doc, list):  # a compile error: opa prints it, not a result list
        detail = (out.stderr or out.stdout).strip() or f"exit {out.returncode}"
        raise EngineError(f"opa test: {detail}")
    results = []
    for r in doc:
        failed = bool(r.get("fail")) or bool(r.get("error"))
        error = ""
        if r.get("error"):
            error = str(r["error"].get("message", r["error"])) if isinstance(r["error"], Mapping) else str(r["error"])
        elif r.get("fail"):
            error = "failed in opa"
        results.append(TestResult(f"{r['package']}.{r['name']}", str(r.get("location", {}).get("file", "")),
                                     not failed, float(r.get("duration", 0)) / 1e9, error))
    return results
