"""#18.1: a credential of the environment never reaches a rendered format."""

from __future__ import annotations

import pytest

from meshgov.core.model import Finding, Location, Report, RunInfo, Subject
from meshgov.report import FORMATS, render

TOKEN = "dapi" + "0123456789abcdef" * 2
OPA = 'opa-t0ken/with"quote<&>'


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_env_credentials_are_scrubbed_from_every_format(fmt: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    monkeypatch.setenv("MESHGOV_OPA_TOKEN", OPA)
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.azuredatabricks.net")  # not a secret
    msg = f"runtime env: DATABRICKS_TOKEN={TOKEN} OPA={OPA} host https://adb-1.azuredatabricks.net"
    f = Finding("LOCAL-1", "infra", "error", msg, Subject("cluster", f"c-{TOKEN}", "hr"),
                Location("infra/plan.json", 3, 1), evidence={"env": {"DATABRICKS_TOKEN": TOKEN}})
    out = render(Report("0", RunInfo(), (), (f,), notes=(f"note {OPA}",)), fmt)
    assert TOKEN not in out and TOKEN[:20] not in out
    for spelled in (OPA, 'opa-t0ken/with\\"quote', "opa-t0ken/with&quot;quote&lt;"):
        assert spelled not in out
    assert "adb-1.azuredatabricks.net" in out  # what is not a credential stays
