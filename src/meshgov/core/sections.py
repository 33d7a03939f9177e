"""The typed sections a report carries beside its findings (report.schema.json, top level).

``baseline`` (which previous run this one was compared with), ``scorecards`` (one per data
product) and ``workspaces`` (the audit's per-workspace status). Each is a frozen dataclass
with ``to_dict`` (its JSON shape, in the schema's key order) and ``from_dict`` (a saved report
read back, tolerant of missing keys); formats read their fields, never keys of a dict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class BaselineTrend:
    """The ``baseline`` section. The comparison itself lives in the findings
    (``baseline_status``) and in the report's ``fixed``."""

    path: str
    started_at: str = ""
    domain: str | None = None
    #: the previous run's counts: findings, blocking, waived, by_severity
    before: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "started_at": self.started_at, "domain": self.domain,
                "before": dict(self.before)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BaselineTrend:
        before = d.get("before")
        return cls(path=_str(d.get("path")), started_at=_str(d.get("started_at")),
                   domain=d.get("domain") if isinstance(d.get("domain"), str) else None,
                   before=dict(before) if isinstance(before, Mapping) else {})


@dataclass(frozen=True)
class Characteristic:
    """One characteristic of a scorecard: pass, fail or unknown, and why."""

    status: str  # pass | fail | unknown
    detail: str
    policies: tuple[str, ...] = ()
    findings: int | None = None  # how many findings decided it (absent when none were looked at)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "detail": self.detail,
                               "policies": list(self.policies)}
        if self.findings is not None:
            out["findings"] = self.findings
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Characteristic:
        return cls(status=_str(d.get("status"), "unknown"), detail=_str(d.get("detail")),
                   policies=tuple(str(p) for p in d.get("policies") or ()),
                   findings=_int(d.get("findings")))


UNKNOWN = Characteristic("unknown", "")


@dataclass(frozen=True)
class Scorecard:
    """A data product's scorecard: its characteristics in the order of the mapping."""

    domain: str
    product: str
    tables: tuple[str, ...]
    characteristics: tuple[tuple[str, Characteristic], ...]
    score: str
    evaluated: int = 0

    def characteristic(self, name: str) -> Characteristic:
        return dict(self.characteristics).get(name, UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "product": self.product, "tables": list(self.tables),
                "characteristics": {n: c.to_dict() for n, c in self.characteristics},
                "score": self.score, "evaluated": self.evaluated}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scorecard:
        chars = d.get("characteristics")
        return cls(domain=_str(d.get("domain")), product=_str(d.get("product")),
                   tables=tuple(str(t) for t in d.get("tables") or ()),
                   characteristics=tuple(
                       (str(n), Characteristic.from_dict(c)) for n, c in
                       (chars.items() if isinstance(chars, Mapping) else ())
                       if isinstance(c, Mapping)),
                   score=_str(d.get("score")), evaluated=_int(d.get("evaluated")) or 0)


@dataclass(frozen=True)
class WorkspaceStatus:
    """The audit's status of one workspace: crawled and evaluated (``ok``) or not (``error``)."""

    name: str
    host: str
    status: str  # ok | error
    workspace_id: Any = None
    crawled_at: str | None = None
    objects: int = 0
    #: ok: objects per API, findings, whether resumed from a snapshot; error: what failed
    counts: Mapping[str, int] | None = field(default=None, hash=False)
    findings: int | None = None
    resumed: bool | None = None
    error: Mapping[str, Any] | None = field(default=None, hash=False)
    crawl_seconds: float | None = None
    problems: tuple[str, ...] = ()
    products: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "host": self.host,
                               "workspace_id": self.workspace_id, "crawled_at": self.crawled_at,
                               "status": self.status, "objects": self.objects}
        if self.status != "ok":
            out["error"] = dict(self.error or {})
            return out
        out.update(counts=dict(self.counts or {}), findings=self.findings, resumed=self.resumed,
                   error=None)
        if self.crawl_seconds is not None:
            out["crawl_seconds"] = self.crawl_seconds
        if self.problems:
            out["problems"] = list(self.problems)
        if self.products:
            out["products"] = [dict(p) for p in self.products]
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WorkspaceStatus:
        error = d.get("error")
        counts = d.get("counts")
        seconds = d.get("crawl_seconds")
        return cls(name=_str(d.get("name")), host=_str(d.get("host")),
                   status=_str(d.get("status")), workspace_id=d.get("workspace_id"),
                   crawled_at=d.get("crawled_at") if isinstance(d.get("crawled_at"), str) else None,
                   objects=_int(d.get("objects")) or 0,
                   counts=dict(counts) if isinstance(counts, Mapping) else None,
                   findings=_int(d.get("findings")),
                   resumed=d.get("resumed") if isinstance(d.get("resumed"), bool) else None,
                   error=dict(error) if isinstance(error, Mapping) else None,
                   crawl_seconds=float(seconds) if isinstance(seconds, (int, float))
                   and not isinstance(seconds, bool) else None,
                   problems=tuple(str(p) for p in d.get("problems") or ()),
                   products=tuple(dict(p) for p in d.get("products") or ()
                                  if isinstance(p, Mapping)))


def sections_from_dict(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The typed sections of a saved report (``Report`` keyword arguments)."""
    out: dict[str, Any] = {}
    if isinstance(doc.get("baseline"), Mapping):
        out["baseline"] = BaselineTrend.from_dict(doc["baseline"])
    out["scorecards"] = tuple(Scorecard.from_dict(c) for c in _items(doc.get("scorecards")))
    out["workspaces"] = tuple(WorkspaceStatus.from_dict(w) for w in _items(doc.get("workspaces")))
    return out


def _items(value: Any) -> Sequence[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
