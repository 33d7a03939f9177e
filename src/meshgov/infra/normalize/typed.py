"""The types of the fields rules compare, checked once for every source.

The Rego rules guard their comparisons (``is_number(n); n > limit``), so a field of another
type makes a rule silently not apply: ``"num_workers": "99"`` in a plan, ``.nan`` in a bundle,
``true`` for a count. Each such field is coerced where Terraform and the Databricks CLI would
coerce it (``"99"`` -> 99, ``"true"`` -> true) and otherwise refused as a
:class:`NormalizeError` (an ``MG-INPUT`` finding that names the resource and the field), never
evaluated as if the field were absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from meshgov.infra.normalize.errors import NormalizeError

#: fields (paths in the canonical spec, at most one block deep) rules compare as numbers
NUMBERS: Mapping[str, tuple[str, ...]] = {
    "cluster": ("num_workers", "autotermination_minutes", "autoscale.min_workers",
                "autoscale.max_workers"),
    "warehouse": ("auto_stop_mins", "min_num_clusters", "max_num_clusters"),
    "job": ("max_concurrent_runs", "timeout_seconds"),
}
#: fields that rules compare with ``true``
BOOLEANS: Mapping[str, tuple[str, ...]] = {
    "cluster": ("enable_local_disk_encryption",),
    "warehouse": ("enable_serverless_compute", "enable_photon"),
}
_INTEGER = re.compile(r"^\s*[+-]?\d{1,18}\s*$")
_BOOLEAN = {"true": True, "false": False}
#: values that stand for "not known here" (kept: the rule treats them as unknown)
_PLACEHOLDER = re.compile(r"^\$\{.*\}$|^\(known after apply\)$", re.S)


def checked(rtype: str, spec: dict[str, Any], address: str, line: int | None) -> dict[str, Any]:
    """``spec`` with its typed fields coerced; NormalizeError for a value of another type."""
    for path in NUMBERS.get(rtype, ()):
        _field(spec, path, address, line, _number)
    for path in BOOLEANS.get(rtype, ()):
        _field(spec, path, address, line, _boolean)
    return spec


def _field(spec: dict[str, Any], path: str, address: str, line: int | None, fn: Any) -> None:
    *parents, leaf = path.split(".")
    holder: Any = spec
    for p in parents:
        holder = holder.get(p) if isinstance(holder, Mapping) else None
    if not isinstance(holder, dict) or leaf not in holder or holder[leaf] is None:
        return
    value = holder[leaf]
    ok, coerced, expected = fn(value)
    if not ok:
        shown = repr(value) if not isinstance(value, str) or len(value) <= 40 else repr(value[:40] + "…")
        raise NormalizeError(f"{address}: {path} is {shown}, expected {expected}", line)
    if coerced is not value:
        if parents:  # a nested block may be shared with the parsed input: copy, do not edit
            holder = dict(holder)
            spec[parents[0]] = holder
        holder[leaf] = coerced


def _number(value: Any) -> tuple[bool, Any, str]:
    expected = "a finite number"
    if isinstance(value, bool):
        return False, value, expected
    if isinstance(value, int):
        return True, value, expected
    if isinstance(value, float):
        return math.isfinite(value), value, expected
    if isinstance(value, str):
        if _PLACEHOLDER.match(value):
            return True, value, expected
        if _INTEGER.match(value):
            return True, int(value), expected
    return False, value, expected


def _boolean(value: Any) -> tuple[bool, Any, str]:
    if isinstance(value, bool):
        return True, value, "true or false"
    if isinstance(value, str):
        if _PLACEHOLDER.match(value):
            return True, value, "true or false"
        low = value.strip().lower()
        if low in _BOOLEAN:
            return True, _BOOLEAN[low], "true or false"
    return False, value, "true or false"
