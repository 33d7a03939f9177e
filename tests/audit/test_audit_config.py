"""The audit configuration file, workspace selection and the account listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_loopback import TOKEN, load_recorded
from meshgov.audit.config import CrawlSettings, WorkspaceRef, load_audit_config, parse_audit_config
from meshgov.audit.workspaces import filter_workspaces, resolve_workspaces
from meshgov.core.errors import ConfigError

GOOD = """\
account:
  host: https://accounts.cloud.databricks.com
  account_id: acc-1
workspaces:
  - name: sales-prod
    host: https://adb-1.azuredatabricks.net/
    workspace_id: 1234
    warehouse_id: abc
    domain: sales
include: ["*-prod"]
crawl:
  grants: per_object
  page_size: 50
"""


def test_good_config_is_parsed(tmp_path: Path) -> None:
    p = tmp_path / "audit.yaml"
    p.write_text(GOOD)
    cfg = load_audit_config(p)
    assert cfg.workspaces == (WorkspaceRef("sales-prod", "https://adb-1.azuredatabricks.net",
                                           "1234", None, "abc", "sales"),)
    assert cfg.account is not None and cfg.account.account_id == "acc-1"
    assert cfg.include == ("*-prod",)
    assert cfg.crawl == CrawlSettings(grants="per_object", page_size=50)


@pytest.mark.parametrize(("text", "key", "expected"), [
    ("workspaces: []\n", "workspaces", "an 'account' or a non-empty"),
    ("workspace: []\n", "workspace", "unknown key"),
    ("workspaces:\n  - name: a\n", "workspaces[0].host", "required"),
    ("workspaces:\n  - {name: a, host: adb-1.net}\n", "workspaces[0].host", "https://"),
    ("workspaces:\n  - {name: a, host: 'https://x', colour: red}\n", "workspaces[0].colour",
     "unknown key"),
    ("workspaces:\n  - {name: a, host: 'https://x'}\n  - {name: a, host: 'https://y'}\n",
     "workspaces[1].name", "used twice"),
    ("workspaces:\n  - {name: 'a b', host: 'https://x'}\n", "workspaces[0].name", "letters"),
    ("workspaces:\n  - {name: a, host: 'https://x', token: dapi123}\n", "workspaces[0].token",
     "secrets do not belong"),
    ("account: {host: 'https://acc', client_secret: s3cr3t}\n", "account.client_secret",
     "secrets do not belong"),
    ("account: {host: 'https://acc', host_template: 'https://x'}\n", "account.host_template",
     "{deployment_name}"),
    ("workspaces:\n  - {name: a, host: 'https://x'}\ncrawl: {grants: maybe}\n", "crawl.grants",
     "expected one of"),
    ("workspaces:\n  - {name: a, host: 'https://x'}\ncrawl: {page_size: 0}\n", "crawl.page_size",
     "positive"),
])
def test_bad_config_names_file_key_and_expectation(tmp_path: Path, text: str, key: str,
                                                   expected: str) -> None:
    p = tmp_path / "audit.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_audit_config(p)
    assert err.value.file == str(p)
    assert err.value.key == key
    assert expected in err.value.expected


def test_invalid_yaml_is_a_config_error_with_a_line(tmp_path: Path) -> None:
    p = tmp_path / "audit.yaml"
    p.write_text("workspaces:\n  - name: [a\n")
    with pytest.raises(ConfigError) as err:
        load_audit_config(p)
    assert err.value.line is not None


def test_include_exclude_filters_on_name_or_host() -> None:
    refs = [WorkspaceRef("sales-prod", "https://a"), WorkspaceRef("sales-sandbox", "https://b"),
            WorkspaceRef("hr-prod", "https://c")]
    assert [r.name for r in filter_workspaces(refs, ["sales-*"], ["*-sandbox"])] == ["sales-prod"]
    assert [r.name for r in filter_workspaces(refs, [], ["https://c"])] == ["sales-prod",
                                                                          "sales-sandbox"]


def test_account_workspaces_listed_with_the_real_account_client(lb, tmp_path: Path) -> None:
    from databricks.sdk import AccountClient

    workspaces = [load_recorded(n)["workspace"] for n in ("sales-prod", "hr-prod", "finance-dev")]
    workspaces.append({"workspace_id": 9, "workspace_name": "being-deleted",
                       "deployment_name": "gone", "workspace_status": "CANCELLING"})
    acc_host = lb.add_account(workspaces)
    cfg = parse_audit_config({
        "account": {"host": acc_host, "account_id": "acc-1",
                    "host_template": "https://{deployment_name}.example.net"},
        "workspaces": [{"name": "hr-prod", "host": "https://hr.override.net"}],
        "exclude": ["finance-*"],
    }, tmp_path / "audit.yaml")

    def factory(src):  # the injectable account factory: real SDK, PAT to the loopback
        return AccountClient(host=src.host, account_id=src.account_id, token=TOKEN,
                             auth_type="pat")

    refs = resolve_workspaces(cfg, include=["*"], account_factory=factory)
    assert [(r.name, r.host) for r in refs] == [
        ("hr-prod", "https://hr.override.net"),  # named in the config: wins over the account's
        ("sales-prod", "https://sales-prod.example.net"),
    ]
    assert refs[1].workspace_id == "1000"
    assert any(path.endswith("/accounts/acc-1/workspaces")
               for _, path, _ in lb.requests("__account__"))


def test_an_account_that_cannot_be_listed_is_a_usage_error(lb, tmp_path: Path) -> None:
    from databricks.sdk import AccountClient

    from meshgov.core.errors import UsageError

    acc_host = lb.add_account([])
    lb.faults("__account__").unauthorized = True
    cfg = parse_audit_config({"account": {"host": acc_host, "account_id": "acc-1"}},
                             tmp_path / "audit.yaml")

    def factory(src):
        return AccountClient(host=src.host, account_id=src.account_id, token=TOKEN,
                             auth_type="pat")

    with pytest.raises(UsageError, match="cannot list the workspaces of account acc-1") as err:
        resolve_workspaces(cfg, account_factory=factory)
    assert TOKEN not in str(err.value) and "Config:" not in str(err.value)
