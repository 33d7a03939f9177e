"""Recognise infra inputs (Terraform plans, Databricks specs, bundles, ARM templates).

Placeholder until the infra evaluator lands: recognises nothing.
"""

from __future__ import annotations

from pathlib import Path


def classify(path: Path) -> str | None:
    return None
