"""Fixtures of the data tests: a real PostgreSQL server, a local SparkSession, domain builders."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_helpers import PgServer  # noqa: E402


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server on 127.0.0.1 for the whole session (fails, never skips, if absent)."""
    server = PgServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    import shutil

    if shutil.which("java") is None:
        pytest.fail("PySpark needs a JVM: install openjdk-17-jre-headless (make system-deps)")
    import warnings

    from meshgov.data.gxrun import quiet
    from meshgov.data.runners.spark import session

    with warnings.catch_warnings(), quiet():
        warnings.simplefilter("ignore")
        spark = session()
    try:
        yield spark
    finally:
        spark.stop()


def make_context(
    root: Path,
    bindings: Mapping[str, Mapping[str, Any]],
    policies: Sequence[Any],
    params: Mapping[str, Any] | None = None,
    domain: str | None = None,
) -> Any:
    """An EvalContext over the given Policy objects and bindings (no files needed)."""
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig
    from meshgov.core.context import EvalContext, RunOptions

    catalog = Catalog(
        policies={p.id: p for p in policies},
        params={"data.max_unexpected_examples": 5, **(params or {})},
    )
    config = DomainConfig(root=root, domain=domain, data={k: dict(v) for k, v in bindings.items()})
    return EvalContext(config=config, catalog=catalog,
                       options=RunOptions(kinds=("data",), data=True))


def data_policy(pid: str, rule: str, tables: Sequence[str], severity: str = "error",
                **params: Any) -> Any:
    """A Policy validated through the vocabulary, as the catalog would build it."""
    from meshgov.core.model import Policy
    from meshgov.data.vocabulary import validate_policy

    name, checked = validate_policy(rule, {"tables": list(tables), **params}, "<test>",
                                    f"policies[{pid}]")
    return Policy(id=pid, kind="data", title=f"{rule} check", severity=severity,  # type: ignore[arg-type]
                  rule=name, params=checked)
