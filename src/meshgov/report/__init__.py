"""Output formats, one module per format, each exposing ``render(report, *, color=False) -> str``.

The registry is explicit; formats are imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshgov.core.model import Report

#: format name -> module
FORMATS: Mapping[str, str] = {
    "text": "meshgov.report.as_text",
    "json": "meshgov.report.as_json",
    "sarif": "meshgov.report.as_sarif",
    "junit": "meshgov.report.as_junit",
    "github": "meshgov.report.as_github",
    "markdown": "meshgov.report.as_markdown",
    "html": "meshgov.report.as_html",
}


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(FORMATS[fmt])
    return module.render(report, color=color)  # type: ignore[no-any-return]
