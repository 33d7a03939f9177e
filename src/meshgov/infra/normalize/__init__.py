"""Normalizers: every infra input -> :class:`meshgov.infra.resource.Resource` documents.

``from_rest(api, obj, source=..., workspace=...)`` is the entry point for live Databricks
objects (the nightly audit); :func:`meshgov.infra.normalize.files.load_input` reads files.
"""

from __future__ import annotations

from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.rest import APIS, from_rest

__all__ = ["APIS", "NormalizeError", "from_rest"]
