"""What a secret looks like: the one definition every redaction and MG-I-016 share.

Names (keys that announce a secret), the well-known credential keys of ``spark_conf``, values
shaped like a credential, values that carry one (``password=`` in a JDBC URL), and the
``{{secrets/scope/key}}`` reference that is *not* a secret. The Rego rule
``rego/cluster/secrets.rego`` lists the same credential keys; a test keeps the two equal.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping

#: ``{{secrets/scope/key}}``: a reference to a secret scope, never a secret itself
SECRET_REF = re.compile(r"^\{\{secrets/[^/}]+/[^}]+\}\}$")

#: a value that looks like a credential (Databricks PAT, AWS key id, Slack, GitHub, PEM)
SECRET_VALUE = re.compile(
    r"^(dapi[0-9a-f]{32}|AKIA[0-9A-Z]{16}|xox[baprs]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{30,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*)",
    re.S,
)

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
MASK = "<redacted>"


def env_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables that hold credentials (``DATABRICKS_TOKEN``...)."""
    env = os.environ if environ is None else environ
    return [v for k, v in env.items()
            if len(v) >= 6 and k.startswith(ENV_PREFIXES) and _ENV_SECRET_NAME.search(k)]


def scrub_values(text: str, values: Iterable[str], mask: str = MASK) -> str:
    """``text`` without any of ``values``, also in their JSON- and HTML-escaped spellings
    (a rendered report carries them escaped)."""
    for v in sorted(set(values), key=len, reverse=True):
        if not v:
            continue
        for spelled in {v, json.dumps(v)[1:-1], html.escape(v, quote=True)}:
            if spelled in text:
                text = text.replace(spelled, mask)
    return text
