"""Keep secrets out of everything meshgov writes: the one module that knows what a secret
looks like and every redaction that uses it.

- **What a secret is**: names that announce one, the well-known credential keys of
  ``spark_conf``, values shaped like a credential, values that carry one (``password=`` in a
  JDBC URL), and the ``{{secrets/scope/key}}`` reference that is *not* a secret. The Rego rule
  ``rego/cluster/secrets.rego`` (MG-I-016) lists the same credential keys; a test keeps the two
  equal.
- **Findings of infra inputs** (:func:`redact_finding_text`, :func:`redact_finding_value`):
  values Terraform marks sensitive and credential-shaped text become ``***``.
- **The audit's crawled REST JSON** (:func:`redact`, :func:`redact_encoded`): a cluster's
  ``spark_env_vars`` or ``spark_conf`` can carry plaintext secrets. Values under secret-looking
  keys, under the credential keys of spark_conf (``fs.azure.account.key.*``...) and values that
  look like or carry a credential are replaced (``{{secrets/scope/key}}`` references are kept).
- **Free text** (:func:`scrub`, :func:`scrub_values`): error messages can echo headers; known
  secret values (the environment's credentials) and token-shaped strings are removed, also in
  their JSON- and HTML-escaped spellings (a rendered report carries them escaped).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any


# ----------------------------------------------------------------------- what a secret is

#: what replaces a secret in snapshots, reports and logs
REDACTED = "<redacted>"

#: ``{{secrets/scope/key}}``: a reference to a secret scope, never a secret itself
SECRET_REF = re.compile(r"^\{\{secrets/[^/}]+/[^}]+\}\}$")

#: a value that looks like a credential (Databricks PAT, AWS key id, Slack, GitHub, PEM)
_TOKEN_SHAPES = (r"dapi[0-9a-f]{32}|AKIA[0-9A-Z]{16}|xox[baprs]-[0-9A-Za-z-]{10,}"
                 r"|gh[pousr]_[0-9A-Za-z]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----")
SECRET_VALUE = re.compile(rf"^({_TOKEN_SHAPES}).*", re.S)

#: key names that announce a secret in a cluster's spark_conf / spark_env_vars
SECRET_NAME = re.compile(
    r"(?i)(password|passwd|secret|token|credential|private[_.-]?key|access[_.-]?key|api[_.-]?key)")

#: spark_conf keys (lower case, with or without ``spark.hadoop.``) whose value is a credential
CREDENTIAL_CONF_KEYS: tuple[str, ...] = (
    "fs.azure.account.key.", "fs.azure.sas.", "fs.s3a.access.key", "fs.s3a.secret.key",
    "fs.s3a.session.token", "fs.s3n.awsaccesskeyid", "fs.s3n.awssecretaccesskey",
    "javax.jdo.option.connectionpassword",
)

#: a credential inside a value: password=... in a JDBC URL, AccountKey=... in a connection
#: string, sig=... of a SAS query
EMBEDDED_CREDENTIAL = re.compile(
    r"(?i)(^|[;?&:\s])(password|pwd|accountkey|sharedaccesskey|sig)=[^;&{\s]")


_EMBEDDED_VALUE = re.compile(
    r"(?i)((?:^|[;?&:\s])(?:password|pwd|accountkey|sharedaccesskey|sig)=)[^;&{\s][^;&\s]*")


def mask_embedded(value: str, mask: str) -> str:
    """``value`` with each embedded credential replaced by ``mask`` (``password=<mask>``): the
    rest of a JDBC URL or connection string stays readable, and still shows that it held one."""
    return _EMBEDDED_VALUE.sub(lambda m: m.group(1) + mask, value)


def credential_key(key: str) -> bool:
    """A spark_conf / env key whose value is a secret: a secret-like name or a credential key."""
    if SECRET_NAME.search(key):
        return True
    low = key.lower()
    return any(c in low for c in CREDENTIAL_CONF_KEYS)


def plain_secret(key: str, value: str) -> bool:
    """``value`` under ``key`` is a plain-text secret (not a ``{{secrets/…}}`` reference)."""
    if not value or SECRET_REF.match(value):
        return False
    return credential_key(key) or bool(SECRET_VALUE.match(value)) or bool(
        EMBEDDED_CREDENTIAL.search(value))


#: environment variables that may hold a credential: these prefixes with a secret-like name
ENV_PREFIXES = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "AWS_", "GITHUB_", "GH_", "OPA_",
                "MESHGOV_")
_ENV_SECRET_NAME = re.compile(r"(?i)(token|secret|password|passwd|pwd|credential|private[_.-]?key|"
                              r"access[_.-]?key|api[_.-]?key|auth)")


def env_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables that hold credentials (``DATABRICKS_TOKEN``...)."""
    env = os.environ if environ is None else environ
    return [v for k, v in env.items()
            if len(v) >= 6 and k.startswith(ENV_PREFIXES) and _ENV_SECRET_NAME.search(k)]


def scrub_values(text: str, values: Iterable[str], mask: str = REDACTED) -> str:
    """``text`` without any of ``values``, also in their JSON- and HTML-escaped spellings
    (a rendered report carries them escaped)."""
    for v in sorted(set(values), key=len, reverse=True):
        if not v:
            continue
        for spelled in {v, json.dumps(v)[1:-1], html.escape(v, quote=True)}:
            if spelled in text:
                text = text.replace(spelled, mask)
    return text


# ------------------------------------------------------------ findings of infra inputs

#: what replaces a secret in a finding of an infra input (Terraform marks values sensitive)
FINDING_MASK = "***"
MIN_LEN = 4  # shorter sensitive values ("true", "8") would garble messages and reveal little
#: a credential-shaped value inside text (a PEM block up to the end of its JSON string)
_SECRETISH = re.compile(rf"(?:{_TOKEN_SHAPES})(?:(?<=-----)[^\"]*)?")


def redact_finding_text(text: str, sensitive: Iterable[str]) -> str:
    if sensitive:
        for s in sorted((s for s in sensitive if len(s) >= MIN_LEN), key=len, reverse=True):
            if s in text:
                text = text.replace(s, FINDING_MASK)
    return _SECRETISH.sub(FINDING_MASK, text)


def redact_finding_value(value: Any, sensitive: frozenset[str]) -> Any:
    if isinstance(value, str):
        if value in sensitive or SECRET_VALUE.match(value):
            return FINDING_MASK
        return redact_finding_text(value, sensitive)
    if isinstance(value, Mapping):
        return {str(k): redact_finding_value(v, sensitive) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_finding_value(v, sensitive) for v in value]
    return value


# ------------------------------------------------------------ the audit's REST JSON, free text

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
