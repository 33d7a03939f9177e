"""Inventory snapshots: one JSON lines file per workspace, written atomically.

```
{"type": "header", "format": "meshgov.inventory/v1", "workspace": {...}, "crawled_at": "..."}
{"type": "object", "api": "cluster", "obj": {...REST JSON...}}
...
{"type": "end", "status": "ok"|"error", "objects": 2000, "error": null|{...}, "finished_at": "..."}
```

Records are streamed to a temporary file beside the target and moved into place with
``os.replace`` only when the ``end`` line is written: a snapshot file either is complete or does
not exist, so a killed run leaves no half-written workspace behind. Readers still never trust a
file: a truncated or corrupt snapshot is reported as a problem, never a crash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from meshgov.audit.config import WorkspaceRef

FORMAT = "meshgov.inventory/v1"
SUFFIX = ".jsonl"


@dataclass(frozen=True)
class WorkspaceSnapshot:
    """What one snapshot file holds (records in memory: one workspace at a time)."""

    path: Path
    workspace: WorkspaceRef
    status: str  # ok | error | incomplete
    records: tuple[tuple[str, dict[str, Any]], ...] = ()
    error: dict[str, Any] | None = None
    crawled_at: str = ""
    problems: tuple[str, ...] = field(default=())


def snapshot_path(directory: Path, name: str) -> Path:
    return directory / f"{name}{SUFFIX}"


class SnapshotWriter:
    """Stream records of one workspace to ``<dir>/<name>.jsonl`` atomically."""

    def __init__(self, directory: Path, ref: WorkspaceRef, crawled_at: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.target = snapshot_path(directory, ref.name)
        self.tmp = directory / f".{ref.name}{SUFFIX}.{os.getpid()}.tmp"
        self.count = 0
        self._fh: IO[str] | None = self.tmp.open("w", encoding="utf-8")
        self._line({"type": "header", "format": FORMAT, "workspace": ref.to_dict(),
                    "crawled_at": crawled_at})

    def _line(self, obj: dict[str, Any]) -> None:
        assert self._fh is not None
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
        self._fh.write("\n")

    def add(self, api: str, obj: dict[str, Any], encoded: str | None = None) -> None:
        """One object line; ``encoded``: the object's ``redact.snapshot_json`` text when the
        caller already has it (the line is then the same bytes without encoding it again)."""
        if encoded is None:
            self._line({"type": "object", "api": api, "obj": obj})
        else:
            assert self._fh is not None
            self._fh.write(f'{{"api":{json.dumps(api, ensure_ascii=False)},"obj":{encoded},'
                           '"type":"object"}\n')
        self.count += 1

    def commit(self, status: str, finished_at: str, error: dict[str, Any] | None = None) -> Path:
        self._line({"type": "end", "status": status, "objects": self.count, "error": error,
                    "finished_at": finished_at})
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.tmp.unlink(missing_ok=True)


def write_snapshot(directory: Path, ref: WorkspaceRef, records: Iterable[tuple[str, dict[str, Any]]],
                   crawled_at: str, finished_at: str) -> Path:
    """Write a complete snapshot in one go (fixtures, tests)."""
    w = SnapshotWriter(directory, ref, crawled_at)
    try:
        for api, obj in records:
            w.add(api, obj)
        return w.commit("ok", finished_at)
    except BaseException:
        w.discard()
        raise


def _ref_from(raw: Any, fallback: str) -> WorkspaceRef:
    if not isinstance(raw, dict):
        return WorkspaceRef(name=fallback, host="")
    def s(key: str) -> str | None:
        v = raw.get(key)
        return v if isinstance(v, str) and v else None
    return WorkspaceRef(name=s("name") or fallback, host=s("host") or "",
                        workspace_id=s("workspace_id"), profile=s("profile"),
                        warehouse_id=s("warehouse_id"), domain=s("domain"))


def _json_loads() -> Callable[[str], Any]:
    """``json.loads``, through orjson when it is installed (the regorus extra brings it; ~3x
    faster on snapshot lines). What orjson rejects (NaN, integers beyond 64 bits, lone
    surrogates, deep nesting) is parsed again by ``json.loads``: same values, same errors."""
    try:
        import orjson  # noqa: PLC0415 - optional
    except ImportError:
        return json.loads

    fast = orjson.loads

    def loads(line: str) -> Any:
        try:
            return fast(line)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            return json.loads(line)

    return loads


def read_snapshot(path: Path) -> WorkspaceSnapshot:
    """Read one snapshot file. Corrupt lines and a missing end are problems, not exceptions."""
    loads = _json_loads()
    fallback = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    problems: list[str] = []
    records: list[tuple[str, dict[str, Any]]] = []
    ref = WorkspaceRef(name=fallback, host="")
    crawled_at = ""
    end: dict[str, Any] | None = None
    try:
        fh = path.open("r", encoding="utf-8", errors="replace")
    except OSError as exc:
        return WorkspaceSnapshot(path, ref, "incomplete", problems=(f"cannot read: {exc.strerror}",))
    with fh:
        for lineno, line in enumerate(_lines(fh), start=1):
            if not line.strip():
                continue
            try:
                item = loads(line)
            except (ValueError, RecursionError):
                problems.append(f"line {lineno}: not valid JSON")
                continue
            if not isinstance(item, dict):
                problems.append(f"line {lineno}: expected a JSON object")
                continue
            kind = item.get("type")
            if lineno == 1 and kind != "header":
                problems.append("line 1: missing header")
            if kind == "header":
                if item.get("format") != FORMAT:
                    problems.append(f"line {lineno}: unknown format {str(item.get('format'))[:40]!r}")
                ref = _ref_from(item.get("workspace"), fallback)
                crawled_at = str(item.get("crawled_at") or "")
            elif kind == "object":
                api, obj = item.get("api"), item.get("obj")
                if isinstance(api, str) and isinstance(obj, dict):
                    records.append((api, obj))
                else:
                    problems.append(f"line {lineno}: object record without api/obj")
            elif kind == "end":
                end = item
            else:
                problems.append(f"line {lineno}: unknown record type")
    status = "incomplete"
    error = None
    if end is None:
        problems.append("no end record: the snapshot is truncated")
    else:
        status = end.get("status") if end.get("status") in ("ok", "error") else "incomplete"
        err = end.get("error")
        error = err if isinstance(err, dict) else None
        if status == "ok" and end.get("objects") != len(records):
            problems.append(f"end record counts {end.get('objects')!r} objects, found {len(records)}")
            status = "incomplete"
    return WorkspaceSnapshot(path, ref, status, tuple(records), error, crawled_at, tuple(problems))


def _lines(fh: IO[str]) -> Iterator[str]:
    yield from fh


def snapshot_files(directory: Path) -> list[Path]:
    """The workspace snapshot files of a directory (its ``workspaces/`` subdirectory if any)."""
    d = directory / "workspaces" if (directory / "workspaces").is_dir() else directory
    return sorted(p for p in d.glob(f"*{SUFFIX}") if not p.name.startswith("."))


def completed(directory: Path) -> dict[str, str]:
    """Name -> status of the snapshots whose end line says ok (cheap: reads only the last line)."""
    out: dict[str, str] = {}
    for p in snapshot_files(directory):
        last = _last_line(p)
        try:
            end = json.loads(last) if last else None
        except ValueError:
            continue
        if isinstance(end, dict) and end.get("type") == "end" and end.get("status") == "ok":
            out[p.name[: -len(SUFFIX)]] = "ok"
    return out


def _last_line(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            tail = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [x for x in tail.splitlines() if x.strip()]
    return lines[-1] if lines else ""
