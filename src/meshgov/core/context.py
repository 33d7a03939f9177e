"""What an evaluator is given (the context of one run) and what it gives back."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.config import DomainConfig
from meshgov.core.model import KINDS, FailOn, Finding, Kind, Policy


@dataclass(frozen=True)
class RunOptions:
    kinds: tuple[Kind, ...] = KINDS
    mode: str = "check"  # check | gate | audit
    engine: str = "embedded"  # embedded | opa
    embedded_engine: str | None = None  # regopy | regorus (None: the default)
    opa_url: str | None = None
    opa_token: str | None = None
    opa_timeout: float = 30.0
    fail_on: FailOn = "error"
    no_waivers: bool = False
    baseline: Path | None = None
    #: only the files named (pre-commit, gate): never walk for more than their context needs
    explicit_files: bool = False
    #: run data policies: True/False, or None = when the config binds tables and paths were walked
    data: bool | None = None
    today: _dt.date | None = None  # waiver expiry reference (tests inject it)
    #: processes for CPU-bound evaluation of large inputs (None: one per CPU, at most 4; 1: none)
    jobs: int | None = None
    #: what is not checked (an unread file, inputs of a kind without policies) fails the run
    strict: bool = False
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    #: a live status line (data checks: rows read); None ends it. The CLI shows it on a
    #: terminal only, once a step has run for ~2 s (meshgov.core.ticker)
    ticker: Callable[[str | None], None] | None = field(default=None, compare=False)

    def reference_date(self) -> _dt.date:
        return self.today or _dt.date.today()


@dataclass(frozen=True)
class EvalContext:
    config: DomainConfig
    catalog: Catalog
    options: RunOptions = RunOptions()

    def policies(self, kind: str) -> list[Policy]:
        return self.catalog.by_kind(kind)

    def param(self, name: str, default: Any = None) -> Any:
        return self.catalog.params.get(name, default)

    def progress(self, message: str) -> None:
        if self.options.progress is not None:
            self.options.progress(message)

    def tick(self, status: str | None) -> None:
        if self.options.ticker is not None:
            self.options.ticker(status)


@dataclass(frozen=True)
class EvalResult:
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    inputs: int = 0  # how many inputs (files, resources, tables) this evaluator looked at
    engine: str = ""  # the engine that evaluated, when it matters (infra)
