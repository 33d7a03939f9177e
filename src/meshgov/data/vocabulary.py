"""Data rule vocabulary. Placeholder until the data issue lands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def validate_policy(
    rule: Any, extra: Mapping[str, Any], shown: str, key: str
) -> tuple[str, dict[str, Any]]:
    return str(rule or ""), dict(extra)
