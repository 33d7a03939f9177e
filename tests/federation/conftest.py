"""Fixtures of the federation tests (helpers live in federation_mesh.py: a module named
conftest cannot be imported reliably when several test directories have one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from federation_mesh import Mesh


@pytest.fixture()
def mesh(tmp_path: Path) -> Mesh:
    return Mesh(tmp_path)
