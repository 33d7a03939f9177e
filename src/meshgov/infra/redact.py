"""Keep secrets out of findings: sensitive plan values and anything that looks like a secret."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from meshgov.core.secrets import SECRET_VALUE

MASK = "***"
MIN_LEN = 4  # shorter sensitive values ("true", "8") would garble messages and reveal little
_SECRETISH = re.compile(
    r"(dapi[0-9a-f]{32}|AKIA[0-9A-Z]{16}|xox[baprs]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{30,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[^\"]*)"
)


def redact_text(text: str, sensitive: Iterable[str]) -> str:
    if sensitive:
        for s in sorted((s for s in sensitive if len(s) >= MIN_LEN), key=len, reverse=True):
            if s in text:
                text = text.replace(s, MASK)
    return _SECRETISH.sub(MASK, text)


def redact_value(value: Any, sensitive: frozenset[str]) -> Any:
    if isinstance(value, str):
        if value in sensitive or SECRET_VALUE.match(value):
            return MASK
        return redact_text(value, sensitive)
    if isinstance(value, Mapping):
        return {str(k): redact_value(v, sensitive) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, sensitive) for v in value]
    return value
