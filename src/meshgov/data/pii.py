"""Which columns of a table are PII: their values never appear in any report.

A column is PII when any of these says so:

- its binding lists it: ``data: {T: {path: ..., pii_columns: [Email, SSN]}}``;
- a data policy with rule ``pii_masked`` governs it on that table;
- its name matches a pattern of the global parameter ``code.dbt.pii_name_patterns``
  (the same convention the dbt rules use for model columns).

Comparison is case-insensitive. When a pattern is not a valid regex it is ignored here
(the code rules report it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

PATTERNS_PARAM = "code.dbt.pii_name_patterns"


def binding_pii(binding: Mapping[str, Any]) -> list[str]:
    value = binding.get("pii_columns") or ()
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value]


def pii_columns(
    binding: Mapping[str, Any],
    policies: Iterable[tuple[str, str | None]],  # (rule, column) of the policies on this table
    columns: Iterable[str],
    patterns: Sequence[str],
) -> frozenset[str]:
    """Lower-cased names of the PII columns among ``columns`` and the policies' columns."""
    out = {c.lower() for c in binding_pii(binding)}
    names = set(columns)
    for rule, column in policies:
        if column:
            names.add(column)
            if rule == "pii_masked":
                out.add(column.lower())
    compiled = []
    for p in patterns or ():
        try:
            compiled.append(re.compile(str(p)))
        except re.error:
            continue
    for name in names:
        if any(rx.search(name) for rx in compiled):
            out.add(name.lower())
    return frozenset(out)
