"""Shared fixtures for the whole suite."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

# parse results are cached (meshgov.core.parsecache): the suite's own cache, not the user's
os.environ.setdefault("MESHGOV_CACHE_DIR", tempfile.mkdtemp(prefix="meshgov-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCHEMA = ROOT / "src" / "meshgov" / "report" / "report.schema.json"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def report_schema() -> dict:
    return json.loads(SCHEMA.read_text())


@pytest.fixture()
def run_cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from meshgov.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run
