"""Fixtures of the data tests: a real PostgreSQL server, a local SparkSession, domain builders."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
