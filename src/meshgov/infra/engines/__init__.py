"""Rego engines behind one interface (:class:`meshgov.infra.engines.base.Engine`).

- ``regorus`` (default when installed): embedded, ~10 µs per resource evaluation, linear;
- ``regopy``: embedded rego-cpp, the fallback (wheels for every CPython >= 3.10), compiled once
  into a bundle with one entry point per resource type;
- ``opa``: an OPA server (``--engine opa --opa-url``), queried in batches.

The default embedded engine is chosen by the figures in bench/RESULTS.md (``## infra``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from meshgov.core.context import RunOptions
from meshgov.core.errors import EngineError
from meshgov.infra.engines.base import UNDEFINED, Engine
from meshgov.infra.metadata import RegoModule
from meshgov.infra.pack import Pack, PolicyRules, entry_expansions, entry_module

EMBEDDED = ("regorus", "regopy")

__all__ = ["EMBEDDED", "UNDEFINED", "Engine", "default_embedded", "open_embedded", "open_engine"]


def default_embedded() -> str:
    """regorus when its wheel is installed (faster, linear), else regopy."""
    from meshgov.infra.engines.regorus_engine import available  # noqa: PLC0415

    return "regorus" if available() else "regopy"


def open_embedded(name: str | None, modules: tuple[RegoModule, ...], data_json: str,
                  entrypoints: tuple[str, ...] = (),
                  expansions: Mapping[str, Sequence[PolicyRules]] | None = None) -> Engine:
    chosen = name or default_embedded()
    if chosen in EMBEDDED:
        from meshgov.infra.engines.builtins import check_modules  # noqa: PLC0415

        check_modules(chosen, modules)
    if chosen == "regorus":
        from meshgov.infra.engines.regorus_engine import RegorusEngine  # noqa: PLC0415

        return RegorusEngine(modules, data_json, expansions)
    if chosen == "regopy":
        from meshgov.infra.engines.regopy_engine import RegopyEngine  # noqa: PLC0415

        return RegopyEngine(modules, data_json, entrypoints)
    raise EngineError(f"unknown embedded Rego engine {chosen!r}; expected one of {', '.join(EMBEDDED)}")


def open_engine(options: RunOptions, pack: Pack) -> Engine:
    """The engine the run options ask for, with the pack loaded."""
    if options.engine == "opa":
        if not options.opa_url:
            raise EngineError("--engine opa needs --opa-url URL")
        from meshgov.infra.engines.opa_engine import OpaEngine  # noqa: PLC0415

        return OpaEngine(options.opa_url, pack.all_modules(), pack.data,
                         token=options.opa_token, timeout=options.opa_timeout)
    if options.engine not in ("embedded", "regopy", "regorus"):
        raise EngineError(f"unknown engine {options.engine!r}; expected embedded or opa")
    name = options.embedded_engine or (options.engine if options.engine != "embedded" else None)
    # the batch module is for OPA only (regopy 1.5.2 aborts on `with input as` in a comprehension)
    modules = (*pack.modules, entry_module(pack))
    return open_embedded(name, modules, pack.data_json, tuple(pack.entry_rules()), entry_expansions(pack))
