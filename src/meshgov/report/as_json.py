"""``--format json``: the report schema of DESIGN.md (``meshgov.report/v1``)."""

from __future__ import annotations

import json as _json

from meshgov.core.model import Report


def render(report: Report, *, color: bool = False) -> str:
    return _json.dumps(report.to_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
