"""The Great Expectations plumbing: a quiet ephemeral context, suites from dicts, one run.

Everything GX does happens inside :func:`quiet` so that its progress bars, warnings, log
records and prints never reach meshgov's output formats. GX is imported here, lazily.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meshgov.data.compile import policy_of, resolved

_NOISY_LOGGERS = ("great_expectations", "py4j", "pyspark", "sqlalchemy", "urllib3", "posthog")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence GX (and friends) for the duration: warnings, logging below ERROR+, stdout."""
    loggers = [logging.getLogger(n) for n in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    sink = io.StringIO()
    try:
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), _not_doctests():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


@contextlib.contextmanager
def _not_doctests() -> Iterator[None]:
    """GX imports ``pyspark.sql.connect``, which takes a ``__main__`` without ``__file__`` or
    ``__spec__`` (``python -c``, an embedding host) for its own doctests and, without grpc,
    calls ``sys.exit(0)``: the whole run would end, green, mid-validation. ``sys.ps1`` tells
    it otherwise while GX may be imported."""
    import sys

    main = sys.modules.get("__main__")
    fake = main is not None and getattr(main, "__spec__", None) is None and \
        not hasattr(main, "__file__") and not hasattr(sys, "ps1")
    if fake:
        sys.ps1 = ""  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if fake and hasattr(sys, "ps1"):
            del sys.ps1


def new_context() -> Any:
    """An ephemeral GX context with progress bars off."""
    with quiet():
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


class LazyContext:
    """The GX context of one run, created on first use: a file table whose expectations the
    one-pass scanner computes (meshgov.data.scan) never imports GX."""

    def __init__(self, on_start: Any = None) -> None:
        self._context: Any = None
        self._on_start = on_start

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._context is None:
            if self._on_start is not None:
                self._on_start()
            self._context = new_context()
        return getattr(self._context, name)


@dataclass(frozen=True)
class RawResult:
    """What GX said about one expectation (matched back to its policy through meta)."""

    policy_id: str
    success: bool
    result: Mapping[str, Any] = field(default_factory=dict, hash=False)
    error: str | None = None  # GX raised while computing a metric


def result_format(examples: int) -> dict[str, Any]:
    return {"result_format": "BASIC", "partial_unexpected_count": max(0, examples)}


def run_suite(
    context: Any,
    name: str,
    batch_definition: Any,
    batch_parameters: Mapping[str, Any] | None,
    configs: Sequence[Mapping[str, Any]],
    *,
    parameters: Mapping[str, Any] | None = None,
    examples: int = 0,
) -> dict[str, RawResult]:
    """Validate one batch against the given expectation configs -> policy id -> result."""
    with quiet():
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        suite = gx.ExpectationSuite(name=name)
        # GX keeps one copy of identical expectations: two policies asking the same thing share
        # one result (aliases), found again through the policy id in meta.
        first_of: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for cfg in configs:
            key = json.dumps([cfg["type"], cfg["kwargs"]], sort_keys=True, default=str)
            pid = policy_of(cfg)
            if key in first_of:
                aliases[pid] = first_of[key]
                continue
            first_of[key] = pid
            suite.add_expectation(
                ExpectationConfiguration(
                    type=cfg["type"], kwargs=dict(cfg["kwargs"]), meta=dict(cfg.get("meta") or {})
                ).to_domain_obj()
            )
        existing = {s.name for s in context.suites.all()}
        if name in existing:
            context.suites.delete(name)
        suite = context.suites.add(suite)
        vd_names = {v.name for v in context.validation_definitions.all()}
        if name in vd_names:
            context.validation_definitions.delete(name)
        vd = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        outcome = vd.run(
            batch_parameters=dict(batch_parameters) if batch_parameters else None,
            expectation_parameters=dict(parameters or {}),
            result_format=result_format(examples),
        )
    out: dict[str, RawResult] = {}
    for res in outcome.results:
        meta = (res.expectation_config.meta or {}).get("meshgov") or {}
        pid = str(meta.get("policy", ""))
        out[pid] = RawResult(
            policy_id=pid,
            success=bool(res.success),
            result=dict(res.result or {}),
            error=exception_message(res.exception_info),
        )
    for alias, pid in aliases.items():
        if pid in out:
            out[alias] = RawResult(alias, out[pid].success, out[pid].result, out[pid].error)
    return out


def unexpected_values(
    context: Any,
    batch_definition: Any,
    batch_parameters: Mapping[str, Any] | None,
    configs: Sequence[Mapping[str, Any]],
    *,
    parameters: Mapping[str, Any] | None = None,
    examples: int = 5,
) -> dict[str, list[Any]]:
    """policy id -> the first ``examples`` unexpected values of each column-map expectation:
    GX's own ``<map metric>.unexpected_values`` (what fills ``partial_unexpected_list``), asked
    for alone - no counts, no row count, one query per expectation."""
    with quiet():
        from great_expectations.expectations.registry import get_expectation_impl
        from great_expectations.validator.metric_configuration import MetricConfiguration

        batch = batch_definition.get_batch(
            batch_parameters=dict(batch_parameters) if batch_parameters else None)
        validator = context.get_validator(batch=batch)
        wanted: dict[str, Any] = {}
        for cfg in configs:
            impl = get_expectation_impl(str(cfg["type"]))
            metric = getattr(impl, "map_metric", None)
            if not metric:
                continue
            kw = resolved(cfg, parameters or {})["kwargs"]
            domain = {k: kw[k] for k in ("column", "row_condition", "condition_parser")
                      if k in kw}
            value = {k: kw[k] for k in impl.success_keys if k in kw and k != "mostly"}
            value["result_format"] = {"result_format": "BASIC",
                                      "partial_unexpected_count": examples}
            wanted[policy_of(cfg)] = MetricConfiguration(
                f"{metric}.unexpected_values",
                metric_domain_kwargs={**domain, "batch_id": batch.id},
                metric_value_kwargs=value)
        # one graph: the dependencies they share (the sample, row counts, columns) resolved
        # once; a metric that fails is left out (examples are a nicety)
        values, _aborted = validator.compute_metrics(list(wanted.values()))
    return {pid: [plain(v) for v in list(values[mc.id])[:examples]]
            for pid, mc in wanted.items() if mc.id in values}


def config_problem(cfg: Mapping[str, Any]) -> str | None:
    """Why GX would reject this expectation configuration (unknown type, bad kwargs), or None."""
    with quiet():
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        try:
            ExpectationConfiguration(type=cfg["type"], kwargs=dict(cfg["kwargs"])).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - GX raises many types here
            text = str(exc).strip().splitlines()
            return f"GX rejects {cfg['type']}: {text[0] if text else type(exc).__name__}"
    return None


def exception_message(info: Any) -> str | None:
    """The first raised exception's message in GX's (possibly nested) exception_info."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "GX raised an exception")
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "GX raised an exception")
    return None


def plain(value: Any) -> Any:
    """A JSON-safe rendering of a value GX returned (numpy scalars, timestamps, NaN)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return plain(item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
