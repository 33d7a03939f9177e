"""Keep secrets out of snapshots, reports and logs.

Crawled REST JSON can carry plaintext secrets (a cluster's ``spark_env_vars`` or
``spark_conf``); error messages can echo headers. Values under secret-looking keys, under the
credential keys of spark_conf (``fs.azure.account.key.*``...) and values that look like or carry
a credential (:mod:`meshgov.core.secrets`) are replaced (``{{secrets/scope/key}}`` references
are kept: they are not secrets), and :func:`scrub` removes
known secret values and token-shaped strings from free text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from meshgov.core.secrets import (
    EMBEDDED_CREDENTIAL,
    SECRET_REF,
    SECRET_VALUE,
    credential_key,
    env_secrets,
    mask_embedded,
    scrub_values,
)

REDACTED = "<redacted>"
_SECRET_KEY = re.compile(
    r"(?i)(token|secret|password|passwd|pwd|credential|private[_.-]?key|access[_.-]?key|"
    r"sas[_.-]?key|client[_.-]?secret|api[_.-]?key|auth)"
)
#: Databricks PATs, OAuth bearer tokens, JWTs
_TOKEN_TEXT = re.compile(
    r"(dapi[0-9a-f]{16,}(-\d+)?|dose[0-9a-f]{16,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}|"
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
)
#: substrings (lower case) without which neither pattern above can match: plain ``in`` scans
_TRIGGERS = ("token", "secret", "passw", "pwd", "credential", "private", "access", "sas",
             "api", "auth", "dapi", "dose", "bearer", "eyj", "account.key", "accountkey", "sig=",
             "akia", "xox", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "-----begin")
#: keys whose values are never secrets even though their names match (booleans, ids, config)
_SAFE_KEYS = frozenset({"enableTokensConfig", "maxTokenLifetimeDays", "credentials_id",
                        "storage_credential_name", "credential_name"})


def redact(obj: Any) -> Any:
    """``obj`` with string values under secret-looking keys replaced (a copy when needed).

    Fast path: one C-speed ``json.dumps`` and two regex scans decide that most objects hold
    nothing to redact; only the others are walked.
    """
    try:
        text = json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError):
        return _redact(obj)
    low = text.lower()
    if not any(word in low for word in _TRIGGERS):
        return obj
    return _redact(obj)


def snapshot_json(obj: Any) -> str:
    """The encoding of an object in a snapshot line (sorted keys, compact, UTF-8 as is)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def redact_encoded(obj: Any) -> tuple[Any, str]:
    """:func:`redact` and the redacted object's :func:`snapshot_json` text together: the text
    that decides whether there is anything to redact is the one written to the snapshot, so a
    crawled object is encoded once, not twice."""
    try:
        text = snapshot_json(obj)
    except (TypeError, ValueError):
        clean = _redact(obj)
        return clean, snapshot_json(clean)
    low = text.lower()
    if not any(word in low for word in _TRIGGERS):
        return obj, text
    clean = _redact(obj)
    return clean, snapshot_json(clean)


def _redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not (isinstance(v, str) and isinstance(k, str)) or k in _SAFE_KEYS:
                out[k] = _redact(v)
            elif SECRET_REF.match(v):
                out[k] = v
            elif _SECRET_KEY.search(k) or credential_key(k) or SECRET_VALUE.match(v):
                out[k] = REDACTED
            elif EMBEDDED_CREDENTIAL.search(v):
                out[k] = _redact(mask_embedded(v, REDACTED))
            else:
                out[k] = _redact(v)
        return out
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    if isinstance(obj, str) and _TOKEN_TEXT.search(obj):
        return _TOKEN_TEXT.sub(REDACTED, obj)
    return obj


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secret values and token-shaped strings from free text."""
    text = scrub_values(text, (*secrets, *env_secrets()), REDACTED)
    return _TOKEN_TEXT.sub(REDACTED, text)
