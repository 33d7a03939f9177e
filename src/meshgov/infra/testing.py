"""``meshgov policy test``: run the ``test_*`` rules of the packs' ``*_test.rego``, like ``opa test``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from meshgov.core.catalog import Catalog
from meshgov.core.errors import EngineError
from meshgov.infra.metadata import RegoModule, read_module


@dataclass(frozen=True)
class TestResult:
    rule: str  # data.pkg.test_x
    path: str
    passed: bool
    seconds: float
    error: str = ""


def test_files(catalog: Catalog) -> list[Path]:
    """``*_test.rego`` beside the catalog's Rego modules (each directory once)."""
    dirs = dict.fromkeys(Path(f).parent for f in catalog.rego_files)
    out: list[Path] = []
    for d in dirs:
        out.extend(sorted(d.glob("*_test.rego")))
    return out


def run_tests(catalog: Catalog, engine: str | None = None,
              opa_bin: str | None = None) -> tuple[str, list[TestResult]]:
    """(engine name, one result per test rule). Raises EngineError for Rego errors.

    ``engine="opa"`` runs them in the real ``opa test`` (``opa_bin``: the binary)."""
    from meshgov.infra.engines import open_embedded  # noqa: PLC0415
    from meshgov.infra.pack import load_pack  # noqa: PLC0415

    pack = load_pack(catalog)
    if engine == "opa":
        from meshgov.infra import opa_cli  # noqa: PLC0415

        opa = opa_cli.find_opa(opa_bin)
        if opa is None:
            raise EngineError("--engine opa needs the opa binary: --opa-bin PATH, $MESHGOV_OPA_BIN "
                              "or opa on PATH")
        files = [*catalog.rego_files, *map(str, test_files(catalog))]
        return "opa", opa_cli.run_tests(opa, files, pack.data)
    tests = [read_module(f) for f in test_files(catalog)]
    eng = open_embedded(engine, (*pack.modules, *tests), pack.data_json)
    results = []
    try:
        for mod in tests:
            for rule in (r for r in mod.rules if r.startswith("test_")):
                results.append(_run_one(eng, mod, rule))
    finally:
        eng.close()
    return eng.name, results


def _run_one(eng: object, mod: RegoModule, rule: str) -> TestResult:
    full = f"data.{mod.package}.{rule}"
    start = time.perf_counter()
    try:
        value = eng.query(full)  # type: ignore[attr-defined]
        ok, err = value is True, "" if value is True else f"got {value!r}"
    except EngineError as exc:
        ok, err = False, str(exc)
    return TestResult(full, mod.path, ok, time.perf_counter() - start, err)


def lint(catalog: Catalog, opa_bin: str | None) -> tuple[str | None, list[str]]:
    """``opa check --strict`` over the packs' modules and tests (a domain's own modules also
    against the sandbox capabilities) when an opa binary is found: (binary or None, errors)."""
    from meshgov.infra import opa_cli  # noqa: PLC0415

    opa = opa_cli.find_opa(opa_bin)
    if opa is None:
        return None, []
    files = [*catalog.rego_files, *map(str, test_files(catalog))]
    return opa, opa_cli.check(opa, files, local=catalog.local_rego_files)


def test_command(*, catalog: Catalog, engine: str | None, verbose: bool,
                 echo: Callable[[str], None], opa_bin: str | None = None) -> int:
    """Print FAIL lines (and PASS lines with ``verbose``) and a summary; 0 when all pass
    and ``opa check --strict`` (where an opa binary is found) finds nothing."""
    opa, problems = lint(catalog, opa_bin)
    for line in problems:
        echo(line)
    if opa is not None:
        echo(f"opa check --strict: {'ok' if not problems else 'FAILED'} ({opa})")
    name, results = run_tests(catalog, engine, opa_bin)
    if not results:
        echo("no Rego tests found (test_* rules in *_test.rego beside the policies)")
        return 1 if problems else 0
    failed = [r for r in results if not r.passed]
    current = None
    for r in results:
        if not (verbose or not r.passed):
            continue
        if r.path != current:
            current = r.path
            echo(f"{r.path}:")
        status = "PASS" if r.passed else "FAIL"
        echo(f"{r.rule}: {status} ({r.seconds * 1000:.1f}ms)" + (f"  {r.error}" if r.error else ""))
    if verbose or failed:
        echo("-" * 80)
    passed = len(results) - len(failed)
    echo(f"PASS: {passed}/{len(results)}" if not failed else f"FAIL: {len(failed)}/{len(results)}")
    echo(f"engine: {name}")
    return 0 if not failed and not problems else 1


def summarize(results: Sequence[TestResult]) -> dict[str, bool]:
    return {r.rule: r.passed for r in results}
