"""A content-addressed cache of parse results, so that a pre-commit run re-parses only what
changed (a changed ``.tf`` is evaluated with its whole module: its siblings come from here).

An entry is the JSON of what a parser returned for one text (:func:`cached`), or a value kept
under another key (:func:`load` / :func:`store`), in ``<cache dir>/<namespace>/<sha256>.json``;
the name hashes the key with the parser's identity (its installed file and modification time)
and meshgov's cache format, so an upgraded parser never reads an old entry. The directory is ``$MESHGOV_CACHE_DIR``, else
``$XDG_CACHE_HOME/meshgov`` or ``~/.cache/meshgov``; ``MESHGOV_NO_CACHE=1`` turns it off. Only
what meshgov computed itself is stored (repo content cannot choose a value for a key); an entry
that cannot be read or is not valid JSON is ignored and written again, and a cache that cannot
be written is simply not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = "1"


def cache_dir() -> Path | None:
    if os.environ.get("MESHGOV_NO_CACHE"):
        return None
    explicit = os.environ.get("MESHGOV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meshgov"


def parser_identity(module: str) -> str:
    """Where the parser module is installed and when it changed (no import needed)."""
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec is not None and spec.origin else module
    try:
        mtime = os.stat(origin).st_mtime_ns
    except OSError:
        mtime = 0
    return f"{origin}:{mtime}"


def _entry(namespace: str, identity: str, key: str) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    digest = hashlib.sha256(f"{FORMAT}\0{identity}\0".encode() + key.encode("utf-8",
                                                                            "surrogatepass"))
    return root / namespace / f"{digest.hexdigest()}.json"


def load(namespace: str, identity: str, key: str) -> Any:
    """The value stored under ``key``, or None (absent, unreadable, no cache)."""
    path = _entry(namespace, identity, key)
    if path is not None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def store(namespace: str, identity: str, key: str, value: Any) -> None:
    """Keep ``value`` (JSON-able) under ``key``; a value or a cache that cannot be written is
    left out."""
    path = _entry(namespace, identity, key)
    if path is None:
        return
    with contextlib.suppress(OSError, TypeError, ValueError):
        from meshgov.core.atomic import write_atomic  # noqa: PLC0415

        write_atomic(path, json.dumps(value, separators=(",", ":"), allow_nan=False))


def cached(namespace: str, identity: str, text: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-able result for ``text``, from the cache when it is there."""
    value = load(namespace, identity, text)
    if value is None:
        value = compute()
        store(namespace, identity, text, value)
    return value
