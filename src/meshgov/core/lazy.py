"""One lazy loader for the explicit registries (evaluators, formats, backends, commands...).

A registry maps a name to a ``"package.module:attr"`` reference; the module is imported only
when the entry is used, so that the pre-commit path never imports what it does not run
(great_expectations, pandas, databricks.sdk, pyspark).
"""

from __future__ import annotations

import importlib
from typing import Any


def load(ref: str) -> Any:
    """The object ``ref`` (``"package.module:attr"``) names; ImportError/AttributeError if none."""
    module, sep, attr = ref.partition(":")
    if not sep or not attr:
        raise ValueError(f"a lazy reference is 'module:attr', not {ref!r}")
    return getattr(importlib.import_module(module), attr)


def load_optional(ref: str) -> Any | None:
    """Like :func:`load`, or None when the module or the attribute is not there."""
    try:
        return load(ref)
    except (ImportError, AttributeError):
        return None
