"""Read infra policies out of Rego files' ``# METADATA`` blocks.

Placeholder until the infra evaluator lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meshgov.core.model import Policy


def load_rego_policies(files: Sequence[Path], source: str) -> list[Policy]:
    return []
