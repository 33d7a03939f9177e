"""Output formats, one module per format, each exposing ``render(report, *, color=False) -> str``.

The registry is explicit; formats are imported only when used. Whatever a format renders,
the values of credential environment variables (``DATABRICKS_TOKEN``...) are removed from it
(:func:`meshgov.core.redact.env_secrets`): defence in depth, should a policy or an input
ever carry one into a message.
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
    from meshgov.core.redact import env_secrets, scrub_values  # noqa: PLC0415

    module = importlib.import_module(FORMATS[fmt])
    text: str = module.render(report, color=color)
    secrets = env_secrets()
    return scrub_values(text, secrets) if secrets else text
