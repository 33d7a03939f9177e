"""Fixtures of the audit tests: a clean SDK environment and the loopback REST server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_loopback import Loopback, loopback


@pytest.fixture()
def sdk_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DATABRICKS_*/ARM_*/GOOGLE_* variable, and a config file that does not exist."""
    for key in list(os.environ):
        if key.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_")):
            monkeypatch.delenv(key, raising=False)
    missing = tmp_path / "no-databrickscfg"
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(missing))
    return missing


@pytest.fixture()
def lb(sdk_env: Path) -> Iterator[Loopback]:
    with loopback() as server:
        yield server
