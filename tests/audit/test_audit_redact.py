"""Secrets are redacted from crawled JSON and error messages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from meshgov.core.redact import REDACTED, _redact, redact, scrub

KEYS = st.sampled_from(["name", "DB_PASSWORD", "api_key", "client_secret", "spark_conf",
                        "Authorization", "comment", "fs.azure.sas.key", "num_workers",
                      "spark.hadoop.fs.azure.account.key.a.dfs.core.windows.net", "jdbc_url"])
VALUES = st.sampled_from(["x", "hunter2", "{{secrets/s/k}}", "Bearer abcdefghijklmnop",
                          "dapi0123456789abcdef0123", "plain text", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",
                          "jdbc:db;user=u;password=pw1", "AKIAIOSFODNN7EXAMPLE", "a&sig=zz"])
JSON = st.recursive(st.none() | st.integers() | VALUES,
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(KEYS, c, max_size=4),
                    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_fast_path_agrees_with_the_full_walk(obj) -> None:
    assert redact(obj) == _redact(obj)


def test_secret_keys_and_token_shaped_values() -> None:
    obj = {"spark_env_vars": {"DB_PASSWORD": "hunter2", "REF": "{{secrets/etl/pw}}"},
           "spark_conf": {"fs.azure.sas.key": "sv=2020&sig=abc"},
           "comment": "call with Bearer abcdefghijklmnop", "num_workers": 2,
           "workspace_conf": {"enableTokensConfig": "true", "maxTokenLifetimeDays": "90"}}
    out = redact(obj)
    assert out["spark_env_vars"] == {"DB_PASSWORD": REDACTED, "REF": "{{secrets/etl/pw}}"}
    assert out["spark_conf"]["fs.azure.sas.key"] == REDACTED
    assert out["comment"] == f"call with {REDACTED}"
    assert out["workspace_conf"] == obj["workspace_conf"]  # settings about tokens, not tokens
    clean = {"name": "etl", "num_workers": 2}
    assert redact(clean) is clean


def test_scrub_removes_known_values_and_env_secrets(monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "s3cr3t-value-123")
    text = "failed with s3cr3t-value-123 and dapi0123456789abcdef0123456789abcdef and mine"
    out = scrub(text, ["mine"])
    assert "s3cr3t" not in out and "dapi0123" not in out and "mine" not in out


def test_python_and_rego_know_the_same_spark_conf_credential_keys() -> None:
    """MG-I-016 (Rego) and every redaction (core.redact) must agree on what is a credential."""
    import re
    from pathlib import Path

    from meshgov.core.redact import CREDENTIAL_CONF_KEYS

    rego = (Path(__file__).resolve().parents[2] / "rego/cluster/secrets.rego").read_text()
    listed = re.search(r"^credential_keys := \[(.*)\]$", rego, re.M)
    assert listed is not None
    assert tuple(re.findall(r'"([^"]+)"', listed.group(1))) == CREDENTIAL_CONF_KEYS


def test_embedded_credentials_are_masked_in_place() -> None:
    out = redact({"spark_conf": {"spark.sql.url": "jdbc:db://h;user=u;password=pw-1;ssl=true",
                                 "fs.azure.account.key.a.dfs.core.windows.net": "k3y==",
                                 "ok": "password={{secrets/s/k}}"}})
    conf = out["spark_conf"]
    assert conf["spark.sql.url"] == f"jdbc:db://h;user=u;password={REDACTED};ssl=true"
    assert conf["fs.azure.account.key.a.dfs.core.windows.net"] == REDACTED
    assert conf["ok"] == "password={{secrets/s/k}}"
