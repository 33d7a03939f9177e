"""The ``meshgov`` command line: its options (click), and the entry point that turns errors
into exit codes: 0 compliant, 1 blocking findings, 2 usage or configuration error, 3 internal
error. The commands' bodies are in :mod:`meshgov.commands`; only the CLI prints.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from meshgov import __version__
from meshgov.commands import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from meshgov.commands.output import FORMAT_NAMES
from meshgov.core.errors import MeshgovError
from meshgov.core.lazy import load
from meshgov.core.model import KINDS


def _lazy(ref: str) -> Callable[..., Any]:
    return load(ref)  # type: ignore[no-any-return]


# -- common options ---------------------------------------------------------------------------


def _kinds(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    if not value:
        return KINDS
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise click.BadParameter(f"unknown kind {bad[0]!r}; expected code, infra, data")
    return kinds


def report_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT[:FILE]",
                     help=f"Output format, repeatable: {', '.join(FORMAT_NAMES)}. "
                     "FORMAT:FILE writes that format to FILE."),
        click.option("--output", "-o", "outputs", multiple=True, metavar="FILE",
                     help="Write the matching --format (by position) to FILE; '-' is stdout."),
        click.option("--color/--no-color", default=None, help="Colour text output (default: on a TTY)."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def eval_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False),
                     help="meshgov.yaml to use (default: the nearest one above the paths)."),
        click.option("--kinds", callback=_kinds, metavar="KINDS",
                     help="Comma-separated policy kinds to run: code,infra,data (default all)."),
        click.option("--engine", type=click.Choice(["embedded", "opa", "regopy", "regorus"]),
                     default="embedded", show_default=True,
                     help="Rego engine for infra policies (regopy/regorus pick an embedded one)."),
        click.option("--opa-url", metavar="URL", envvar="MESHGOV_OPA_URL",
                     help="OPA server for --engine opa (env MESHGOV_OPA_URL)."),
        click.option("--opa-token", metavar="TOKEN", envvar="MESHGOV_OPA_TOKEN",
                     help="Bearer token for the OPA server (env MESHGOV_OPA_TOKEN)."),
        click.option("--opa-timeout", type=float, default=30.0, show_default=True,
                     help="Seconds to wait for the OPA server."),
        click.option("--fail-on", type=click.Choice(["error", "warning", "never", "new"]),
                     default="error", show_default=True,
                     help="Which unwaived findings fail the run (new: only findings not in --baseline)."),
        click.option("--no-waivers", is_flag=True, help="Ignore every waiver and suppression (auditor view)."),
        click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
                     help="A previous JSON report: mark findings new/unchanged and list fixed ones."),
        click.option("--data/--no-data", "data", default=None,
                     help="Run data policies on bound tables (default: when walking a repo)."),
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, metavar="N",
                     help="Processes for evaluating large inputs: hundreds of SQL files or dbt "
                     "models, a plan of thousands of resources; for audit, the workers evaluating "
                     "workspaces (default: one per CPU, at most 4; 1: this process only)."),
        click.option("--strict", is_flag=True,
                     help="Fail (MG-SKIPPED) when something is not checked: a file given here that "
                     "meshgov has no reader for, or inputs of a kind no policy of that kind checks "
                     "(without it: a note in the report)."),
        click.option("--verbose", "-v", is_flag=True, help="Progress on standard error."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def build_options(mode: str, explicit_files: bool, **kw: Any) -> Any:
    from meshgov.core.context import RunOptions
    from meshgov.core.ticker import tty_ticker

    engine = kw["engine"]
    embedded = None
    if engine in ("regopy", "regorus"):
        embedded, engine = engine, "embedded"
    if kw["fail_on"] == "new" and not kw.get("baseline"):
        raise click.BadParameter("--fail-on new needs --baseline REPORT.json", param_hint="--fail-on")
    if engine == "opa" and not kw.get("opa_url"):
        raise click.BadParameter("--engine opa needs --opa-url URL", param_hint="--opa-url")
    progress = (lambda msg: click.echo(f"meshgov: {msg}", err=True)) if kw.get("verbose") else None
    return RunOptions(
        kinds=kw["kinds"],
        mode=mode,
        engine=engine,
        embedded_engine=embedded,
        opa_url=kw.get("opa_url"),
        opa_token=kw.get("opa_token"),
        opa_timeout=kw.get("opa_timeout", 30.0),
        fail_on=kw["fail_on"],
        no_waivers=kw["no_waivers"],
        baseline=Path(kw["baseline"]) if kw.get("baseline") else None,
        explicit_files=explicit_files,
        data=kw.get("data"),
        jobs=kw.get("jobs"),
        strict=bool(kw.get("strict")),
        progress=progress,
        ticker=tty_ticker(sys.stderr),
    )


# -- commands ---------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="meshgov")
def cli() -> None:
    """meshgov: policy-as-code governance for data meshes on Databricks.

    Code (SQL, dbt), infra (Terraform, Databricks specs, bundles, ARM via Rego) and data
    (Great Expectations) policies, in one compliance report.

    Exit codes: 0 compliant, 1 blocking findings, 2 usage/configuration error, 3 internal error.
    """


@cli.command(
    epilog="""\b
Examples:
  meshgov check                          # the whole repo, text report
  meshgov check models/orders.sql        # one file (what the pre-commit hook runs)
  meshgov check --kinds code -f json -o report.json
  meshgov check -f text -f sarif:meshgov.sarif --fail-on warning
"""
)
@click.argument("paths", nargs=-1, type=click.Path())
@eval_options
@report_options
def check(paths: tuple[str, ...], config_path: str | None, formats: tuple[str, ...],
          outputs: tuple[str, ...], color: bool | None, **kw: Any) -> int:
    """Evaluate files and directories (default: the current directory)."""
    explicit = bool(paths) and all(Path(p).is_file() for p in paths)
    return int(_lazy("meshgov.commands.run:check")(
        paths, config_path=config_path, options=build_options("check", explicit, **kw),
        formats=formats, outputs=outputs, color=color))


@cli.command(
    epilog="""\b
Examples:
  meshgov gate --base origin/main
  meshgov gate --base origin/main -f text -f sarif:meshgov.sarif -f junit:meshgov.xml
  meshgov gate --base origin/main --baseline main-report.json --fail-on new
"""
)
@click.option("--base", required=True, metavar="REF", help="The target branch (merge base is used).")
@click.option("--head", default="HEAD", show_default=True, metavar="REF", help="The PR head.")
@click.argument("paths", nargs=-1, type=click.Path())
@eval_options
@report_options
def gate(base: str, head: str, paths: tuple[str, ...], config_path: str | None,
         formats: tuple[str, ...], outputs: tuple[str, ...], color: bool | None, **kw: Any) -> int:
    """Evaluate what changed since REF in a git repo: the CI step that fails non-compliant PRs."""
    return int(_lazy("meshgov.commands.run:gate")(
        base=base, head=head, paths=paths, config_path=config_path,
        options=build_options("gate", True, **kw), formats=formats, outputs=outputs, color=color))


@cli.command(
    epilog="""\b
Examples:
  meshgov audit --workspaces council/audit.yaml --audit-dir /dbfs/meshgov/audit
  meshgov audit --snapshot /dbfs/meshgov/audit/2026-11-21 -f html:audit.html
"""
)
@click.option("--workspaces", "workspaces_file", type=click.Path(exists=True, dir_okay=False),
              help="Audit configuration: the account or the workspace hosts/profiles to crawl.")
@click.option("--snapshot", type=click.Path(exists=True, file_okay=False),
              help="Re-evaluate a saved inventory snapshot offline instead of crawling.")
@click.option("--audit-dir", type=click.Path(file_okay=False), default=".meshgov-audit",
              show_default=True, help="Where inventory snapshots and reports are kept.")
@click.option("--include", multiple=True, metavar="GLOB", help="Only workspaces matching (repeatable).")
@click.option("--exclude", "exclude_ws", multiple=True, metavar="GLOB", help="Skip workspaces matching.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Workspaces crawled at once.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Continue an interrupted run from the workspaces already crawled.")
@eval_options
@report_options
def audit(config_path: str | None, formats: tuple[str, ...], outputs: tuple[str, ...],
          color: bool | None, **kw: Any) -> int:
    """Crawl Databricks workspaces (or a saved --snapshot) and evaluate what is live."""
    audit_keys = ("workspaces_file", "snapshot", "audit_dir", "include", "exclude_ws",
                  "concurrency", "resume")
    audit_kw = {k: kw.pop(k) for k in audit_keys}
    return int(_lazy("meshgov.commands.run:audit")(
        config_path=config_path, options=build_options("audit", False, **kw), formats=formats,
        outputs=outputs, color=color, **audit_kw))


@cli.group()
def policy() -> None:
    """The policy catalog: list, show, and test the Rego pack."""


def _catalog(config_path: str | None, kinds: Sequence[str] = KINDS) -> Any:
    from meshgov.api import resolve_config
    from meshgov.core.catalog import load_catalog

    cfg = resolve_config([Path(".")], config_path)
    return load_catalog(cfg, kinds)


@policy.command("list", epilog="\b\nExamples:\n  meshgov policy list\n  meshgov policy list --kinds infra --params")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False))
@click.option("--kinds", callback=_kinds, metavar="KINDS", help="code,infra,data")
@click.option("--params", "show_params", is_flag=True, help="Also list the tunable parameters.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def policy_list(config_path: str | None, kinds: tuple[str, ...], show_params: bool, fmt: str) -> int:
    """List every policy in force: id, kind, severity, source, title."""
    return int(_lazy("meshgov.commands.policy:list_command")(
        catalog=_catalog(config_path, kinds), show_params=show_params, fmt=fmt, echo=click.echo))


@policy.command("show", epilog="\b\nExample:\n  meshgov policy show MG-C-002")
@click.argument("policy_id")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False))
def policy_show(policy_id: str, config_path: str | None) -> int:
    """Describe one policy: description, rationale, remediation, parameters, an example."""
    return int(_lazy("meshgov.commands.policy:show_command")(
        catalog=_catalog(config_path), policy_id=policy_id, echo=click.echo))


@policy.command("test", epilog="\b\nExamples:\n  meshgov policy test\n  meshgov policy test --engine regorus\n"
                "  meshgov policy test --engine opa --opa-bin ~/.cache/meshgov/tools/opa-v1.22.4/opa\n"
                "  meshgov policy test -c meshgov.yaml -v   # every case and test, passing ones too\n"
                "  meshgov policy test --data-db sqlite --data-db postgresql://ci@127.0.0.1/cases")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False))
@click.option("--engine", type=click.Choice(["regopy", "regorus", "opa"]), default=None,
              help="Engine to run the tests in: an embedded one (default: the default engine) "
                   "or opa (the real `opa test`).")
@click.option("--opa-bin", metavar="PATH", envvar="MESHGOV_OPA_BIN",
              help="The opa binary (default: opa on PATH). When one is found, the pack and the "
                   "domain's Rego are also checked with `opa check --strict` (env MESHGOV_OPA_BIN).")
@click.option("--data-db", "data_dbs", multiple=True, metavar="URL",
              help="Also run every data case with its tables created in this database (a "
                   "SQLAlchemy URL, or `sqlite` for a temporary SQLite file; tables are named "
                   "mg_case_* and dropped after each case). Repeatable.")
@click.option("--verbose", "-v", is_flag=True, help="Print every test, not only failures.")
def policy_test(config_path: str | None, engine: str | None, opa_bin: str | None,
                data_dbs: tuple[str, ...], verbose: bool) -> int:
    """Run the rule cases of the packs in force (*.cases.yaml: inputs of any kind and the
    findings they must give) and their Rego unit tests (test_* rules in *_test.rego, like
    `opa test`). Exit 1 when one fails."""
    return int(_lazy("meshgov.commands.policy:test_command")(
        config_path=config_path, engine=engine, opa_bin=opa_bin, verbose=verbose,
        echo=click.echo, data_dbs=data_dbs))


@cli.group()
def infra() -> None:
    """Infra policies: compile them into Databricks cluster policies."""


@infra.command("compile-cluster-policies", epilog="\b\nExamples:\n"
               "  meshgov infra compile-cluster-policies --output build/cluster-policies\n"
               "  meshgov infra compile-cluster-policies -c domains/sales/meshgov.yaml -o out --name sales\n"
               "\b\nWrites <name>-all-purpose and <name>-jobs as Cluster Policies API bodies\n"
               "(*.cluster-policy.json), cluster-policies.tf (databricks_cluster_policy), a bundle\n"
               "snippet, and coverage.json / NOTES.txt: which rules each policy enforces and which\n"
               "stay with the gate and the audit (secrets, SQL warehouses).")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False),
              help="The domain's meshgov.yaml (its tightened parameters are compiled).")
@click.option("--output", "-o", "output_dir", type=click.Path(file_okay=False), required=True,
              help="Directory for the policy files.")
@click.option("--name", default=None, help="Policy name prefix (default: meshgov-<domain>).")
def infra_compile_cluster_policies(config_path: str | None, output_dir: str, name: str | None) -> int:
    """Write Databricks cluster policies from the infra parameters in force for a domain."""
    return int(_lazy("meshgov.commands.infra:compile_cluster_policies")(
        config_path=config_path, output_dir=Path(output_dir), name=name, echo=click.echo))


@cli.group()
def data() -> None:
    """Data policies: compile them to GX suites, pipeline expectations or CHECK constraints."""


@data.command("compile", epilog="\b\nExamples:\n"
              "  meshgov data compile --output gx/expectations\n"
              "  meshgov data compile --target lakeflow --output pipelines/expectations\n"
              "  meshgov data compile --target lakeflow --action error=drop -o out\n"
              "  meshgov data compile --target check-constraints -o sql/constraints\n"
              "\b\nlakeflow: per table, CONSTRAINT ... EXPECT (...) lines and Python dicts for\n"
              "@dlt.expect_all / expect_all_or_drop / expect_all_or_fail; the action follows the\n"
              "policy's severity (error=fail, warning=warn, info=warn unless --action says).\n"
              "check-constraints: ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) for Delta tables.\n"
              "Only row-level rules compile; the others are listed with why (coverage.json).")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False))
@click.option("--output", "-o", "output_dir", type=click.Path(file_okay=False), required=True,
              help="Directory for the files (one or two per table).")
@click.option("--target", "-t", type=click.Choice(["gx", "lakeflow", "check-constraints"]),
              default="gx", show_default=True,
              help="GX suites, Lakeflow pipeline expectations, or Delta CHECK constraints.")
@click.option("--action", "actions", multiple=True, metavar="SEVERITY=ACTION",
              help="lakeflow: what a violation does per severity: warn (keep the row), drop "
                   "(drop it) or fail (fail the update). Repeatable.")
def data_compile(config_path: str | None, output_dir: str, target: str,
                 actions: tuple[str, ...]) -> int:
    """Compile the data policies: GX suites, pipeline expectations or CHECK constraints."""
    if actions and target != "lakeflow":
        raise click.UsageError("--action applies to --target lakeflow only")
    try:
        return int(_lazy("meshgov.commands.data:compile_command")(
            catalog=_catalog(config_path, ("data",)), config_path=config_path,
            output_dir=Path(output_dir), target=target, actions=actions, echo=click.echo))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@cli.command("report", epilog="\b\nExamples:\n  meshgov report saved.json -f html -o report.html\n"
             "  meshgov report saved.json -f markdown >> $GITHUB_STEP_SUMMARY")
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False))
@report_options
def report_cmd(report_file: str, formats: tuple[str, ...], outputs: tuple[str, ...],
               color: bool | None) -> int:
    """Re-render a saved JSON report in another format."""
    return int(_lazy("meshgov.commands.run:report")(
        Path(report_file), formats=formats, outputs=outputs, color=color))


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (never raises)."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="meshgov",
                      standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except MeshgovError as exc:
        click.echo(f"meshgov: error: {exc}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the one place that turns a crash into exit 3
        click.echo("meshgov: internal error (please report it):", err=True)
        click.echo(traceback.format_exc(), err=True)
        return EXIT_INTERNAL
    return rv if isinstance(rv, int) else EXIT_OK


#: modules whose shutdown does real work (a JVM to stop, pools and connections to close):
#: with any of them loaded, the process exits the normal way
SHUTDOWN_WORK = ("pyspark", "py4j", "great_expectations", "databricks", "multiprocessing",
                 "concurrent.futures.process", "sqlalchemy", "psycopg2")


def run() -> None:
    """The ``meshgov`` command: :func:`main`, then exit.

    A check holds a large heap (sqlglot's modules, parse caches, the catalog) that the
    interpreter's shutdown collects and tears down for ~45 ms after the report is written.
    When that shutdown has nothing else to do (:func:`fast_exit_is_safe`), the process flushes
    its output and ends at once, as mypy does; otherwise it exits normally.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let the normal exit deal with it
        sys.exit(code)
    if fast_exit_is_safe():
        if "logging" in sys.modules:
            import logging  # noqa: PLC0415

            logging.shutdown()  # what its exit handler does: flush and close every handler
        os._exit(code)
    sys.exit(code)


def fast_exit_is_safe() -> bool:
    """True when exiting without the interpreter's shutdown loses nothing: only this thread
    runs, no module of :data:`SHUTDOWN_WORK` is loaded, no ``weakref.finalize`` waits for the
    exit (a TemporaryDirectory to remove...), and the only exit handler is logging's."""
    import atexit  # noqa: PLC0415
    import threading  # noqa: PLC0415
    import weakref  # noqa: PLC0415

    handlers = getattr(atexit, "_ncallbacks", None)
    registry = getattr(weakref.finalize, "_registry", None)
    if handlers is None or registry is None:  # not CPython: no shortcut
        return False
    expected = 1 if "logging" in sys.modules else 0
    return (threading.active_count() == 1
            and not any(name in sys.modules for name in SHUTDOWN_WORK)
            and not any(info.atexit for info in registry.values())
            and handlers() <= expected)


if __name__ == "__main__":  # pragma: no cover
    run()
