"""``meshgov policy list | show | test``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from meshgov.commands import EXIT_FINDINGS, EXIT_OK
from meshgov.core.catalog import Catalog
from meshgov.core.errors import MeshgovError, UsageError

Echo = Callable[..., None]


def list_command(*, catalog: Catalog, show_params: bool, fmt: str, echo: Echo) -> int:
    """Every policy in force: id, kind, severity, source, title (and the parameters)."""
    policies = sorted(catalog.policies.values(), key=lambda p: (p.kind, p.id))
    if fmt == "json":
        echo(json.dumps({"policies": [p.to_report() for p in policies],
                         "params": dict(sorted(catalog.params.items()))}, indent=2))
        return EXIT_OK
    rows = [(p.id, p.kind, p.severity, p.source + ("*" if p.enforced else ""), p.title)
            for p in policies]
    widths = [max([len(h)] + [len(r[i]) for r in rows])
              for i, h in enumerate(("ID", "KIND", "SEVERITY", "SOURCE"))]
    echo(f"{'ID':<{widths[0]}}  {'KIND':<{widths[1]}}  {'SEVERITY':<{widths[2]}}  "
         f"{'SOURCE':<{widths[3]}}  TITLE")
    for r in rows:
        echo(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  "
             f"{r[3]:<{widths[3]}}  {r[4]}")
    echo(f"{len(rows)} policies (* = enforced: only council-approved waivers apply)")
    if show_params:
        echo("\nPARAMETER  VALUE  (tighten)")
        for name, value in sorted(catalog.params.items()):
            spec = catalog.param_specs.get(name)
            echo(f"{name}  {value!r}  ({spec.tighten if spec else '?'})")
    return EXIT_OK


def show_command(*, catalog: Catalog, policy_id: str, echo: Echo) -> int:
    """One policy: description, rationale, remediation, parameters, an example."""
    p = catalog.get(policy_id)
    if p is None:
        raise MeshgovError(f"unknown policy {policy_id!r}; `meshgov policy list` shows them")
    echo(f"{p.id}  {p.title}")
    echo(f"kind: {p.kind}   severity: {p.severity}   source: {p.source}   "
         f"enforced: {'yes' if p.enforced else 'no'}")
    if p.rule:
        echo(f"rule: {p.rule}")
    if p.origin:
        echo(f"defined in: {p.origin}")
    for label, text in (("Description", p.description), ("Rationale", p.rationale),
                        ("Remediation", p.remediation)):
        if text:
            echo(f"\n{label}:\n  " + text.replace("\n", "\n  "))
    params = dict(p.params)
    if p.kind == "code" and p.rule and p.rule != "meta":
        from meshgov.code.registry import get_rule  # noqa: PLC0415

        rule = get_rule(p.rule)
        echo("\nParameters:")
        for name, spec in sorted(rule.params.items()):
            value = rule.param(p, name) if name in params or not spec.global_param else \
                catalog.params.get(spec.global_param, spec.default)
            echo(f"  {name} = {value!r}  {spec.help}")
        example = p.example or rule.example
    else:
        if params:
            echo("\nParameters:")
            for name, value in sorted(params.items()):
                echo(f"  {name} = {value!r}")
        example = p.example
    if example:
        echo("\nExample of a violation:\n  " + example.replace("\n", "\n  "))
    return EXIT_OK


def test_command(*, config_path: str | None, engine: str | None, opa_bin: str | None,
                 verbose: bool, echo: Echo, data_dbs: Sequence[str] = ()) -> int:
    """The Rego unit tests, then the rule cases, of the packs in force (the data cases again
    in each of ``data_dbs``): 1 when one fails."""
    from meshgov.api import resolve_config  # noqa: PLC0415
    from meshgov.core.cases import cases_command  # noqa: PLC0415
    from meshgov.core.catalog import load_catalog  # noqa: PLC0415
    from meshgov.infra.testing import test_command as rego_tests  # noqa: PLC0415

    cfg = resolve_config([Path(".")], config_path)
    rego = rego_tests(catalog=load_catalog(cfg, ("infra",)), engine=engine, verbose=verbose,
                      echo=echo, opa_bin=opa_bin)
    variants = [(f" [{_shown_db(db)}]", {"table": {"db": db}, "tables": {"db": db}})
                for db in data_dbs]
    ran, failed = cases_command(config=cfg, catalog_for=load_catalog, verbose=verbose, echo=echo,
                                variants=variants)
    if ran:
        echo(f"rule cases: {'PASS' if not failed else 'FAIL'}: {ran - failed}/{ran}"
             + (f" ({failed} failed)" if failed else ""))
    return max(rego, EXIT_FINDINGS if failed else EXIT_OK)


def _shown_db(db: str) -> str:
    """A database URL as printed: its password hidden."""
    if db == "sqlite":
        return db
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    from meshgov.data.runners.sql import shown_url  # noqa: PLC0415

    try:
        return shown_url(make_url(db))
    except ArgumentError:
        raise UsageError(f"--data-db {db!r}: not a database URL (e.g. sqlite, "
                         "postgresql://user@host/db)") from None
