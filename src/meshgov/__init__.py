"""meshgov: policy-as-code governance for data meshes on Databricks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "evaluate"]

if TYPE_CHECKING:  # pragma: no cover
    from meshgov.api import evaluate


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from meshgov.api import evaluate

        return evaluate
    raise AttributeError(name)
