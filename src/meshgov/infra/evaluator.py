"""Infra evaluator. Placeholder until the infra issue lands: evaluates nothing."""

from __future__ import annotations

from collections.abc import Sequence

from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    return EvalResult(inputs=0)
