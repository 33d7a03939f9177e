"""The audit configuration file (``meshgov audit --workspaces audit.yaml``).

It names *where* to look, never *how to authenticate*: credentials come from the environment
(``DATABRICKS_CLIENT_ID``/``DATABRICKS_CLIENT_SECRET`` for an OAuth service principal) or from
``~/.databrickscfg`` profiles. A key that looks like a secret is a configuration error.

```yaml
account:                         # list the workspaces of an account (optional)
  host: https://accounts.cloud.databricks.com
  account_id: 0d2e...            # or env DATABRICKS_ACCOUNT_ID
  host_template: "https://{deployment_name}.cloud.databricks.com"
workspaces:                      # and/or name them (optional)
  - name: sales-prod
    host: https://adb-1234.5.azuredatabricks.net
    profile: SALES               # optional ~/.databrickscfg profile
    workspace_id: "1234"         # optional
    warehouse_id: 0a1b2c         # optional: bulk information_schema queries and --data checks
    domain: sales                # optional: the domain findings are attributed to
include: ["*-prod"]              # glob filters on workspace names (CLI --include/--exclude add)
exclude: ["*-sandbox"]
crawl:
  unity_catalog: true
  grants: auto                   # auto | bulk | per_object | off
  tags: true
  http_timeout_seconds: 60
  retry_timeout_seconds: 300
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshgov.core.config import str_list
from meshgov.core.errors import ConfigError
from meshgov.core.yamlio import YamlError, load_file

GRANT_MODES = ("auto", "bulk", "per_object", "off")
SECRET_WORDS = ("token", "secret", "password", "pat")

TOP_KEYS = {
    "account": "a mapping {host, account_id, host_template}",
    "workspaces": "a list of {name, host, profile, workspace_id, warehouse_id, domain}",
    "include": "a list of glob patterns on workspace names",
    "exclude": "a list of glob patterns on workspace names",
    "crawl": "a mapping {unity_catalog, grants, tags, http_timeout_seconds, retry_timeout_seconds}",
}
WORKSPACE_KEYS = ("name", "host", "profile", "workspace_id", "warehouse_id", "domain")
ACCOUNT_KEYS = ("host", "account_id", "host_template", "profile", "warehouse_ids")
CRAWL_KEYS = ("unity_catalog", "grants", "tags", "http_timeout_seconds", "retry_timeout_seconds",
              "page_size")


@dataclass(frozen=True)
class WorkspaceRef:
    """One workspace to crawl. ``name`` is unique in a run and names its snapshot file."""

    name: str
    host: str
    workspace_id: str | None = None
    profile: str | None = None
    warehouse_id: str | None = None
    domain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "host": self.host, "workspace_id": self.workspace_id,
                "profile": self.profile, "warehouse_id": self.warehouse_id, "domain": self.domain}


@dataclass(frozen=True)
class AccountSource:
    host: str = "https://accounts.cloud.databricks.com"
    account_id: str | None = None
    host_template: str = "https://{deployment_name}.cloud.databricks.com"
    profile: str | None = None
    #: workspace name -> warehouse id, for accounts (workspaces listed, not named)
    warehouse_ids: Mapping[str, str] = ()  # type: ignore[assignment]


@dataclass(frozen=True)
class CrawlSettings:
    unity_catalog: bool = True
    grants: str = "auto"  # auto: bulk when the workspace has a warehouse_id, else per_object
    tags: bool = True
    http_timeout_seconds: float = 60.0
    retry_timeout_seconds: float = 300.0
    page_size: int = 100


@dataclass(frozen=True)
class AuditConfig:
    path: Path | None = None
    account: AccountSource | None = None
    workspaces: tuple[WorkspaceRef, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    crawl: CrawlSettings = CrawlSettings()


def load_audit_config(path: Path) -> AuditConfig:
    shown = str(path)
    try:
        raw = load_file(path, shown)
    except YamlError as exc:
        raise ConfigError(shown, "", f"invalid YAML: {exc.message}", line=exc.line) from None
    return parse_audit_config(raw, path)


def parse_audit_config(raw: Any, path: Path | None) -> AuditConfig:
    shown = str(path) if path else "<audit config>"
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(shown, "", "expected a mapping with account and/or workspaces")
    _no_secrets(raw, shown, "")
    _check_keys(raw, TOP_KEYS, shown, "")
    account = _account(raw.get("account"), shown)
    workspaces = _workspaces(raw.get("workspaces"), shown)
    if account is None and not workspaces:
        raise ConfigError(shown, "workspaces", "expected an 'account' or a non-empty 'workspaces' list")
    return AuditConfig(
        path=path,
        account=account,
        workspaces=workspaces,
        include=str_list(raw.get("include"), shown, "include"),
        exclude=str_list(raw.get("exclude"), shown, "exclude"),
        crawl=_crawl(raw.get("crawl"), shown),
    )


def _no_secrets(obj: Any, shown: str, prefix: str) -> None:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            low = str(k).lower()
            if any(w == low or low.endswith("_" + w) or low.startswith(w + "_") for w in SECRET_WORDS):
                raise ConfigError(shown, key, "secrets do not belong in the audit configuration; "
                                  "use an OAuth service principal (DATABRICKS_CLIENT_ID / "
                                  "DATABRICKS_CLIENT_SECRET in the environment) or a profile")
            _no_secrets(v, shown, key)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _no_secrets(v, shown, f"{prefix}[{i}]")


def _check_keys(obj: Mapping[str, Any], allowed: Any, shown: str, key: str) -> None:
    for k in obj:
        if k not in allowed:
            full = f"{key}.{k}" if key else str(k)
            raise ConfigError(shown, full, f"unknown key; expected one of: {', '.join(sorted(allowed))}")


def _str(value: Any, shown: str, key: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ConfigError(shown, key, "required: a non-empty string")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric ids written without quotes
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(shown, key, "expected a non-empty string")
    return value.strip()


def _host(value: Any, shown: str, key: str) -> str:
    host = _str(value, shown, key, required=True)
    assert host is not None
    if not host.startswith(("https://", "http://")):
        raise ConfigError(shown, key, "expected a URL starting with https://")
    return host.rstrip("/")


def _account(value: Any, shown: str) -> AccountSource | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(shown, "account", TOP_KEYS["account"])
    _check_keys(value, ACCOUNT_KEYS, shown, "account")
    template = _str(value.get("host_template"), shown, "account.host_template")
    if template is not None and "{deployment_name}" not in template:
        raise ConfigError(shown, "account.host_template", "expected a URL containing {deployment_name}")
    wh = value.get("warehouse_ids") or {}
    if not isinstance(wh, Mapping) or not all(isinstance(v, str) for v in wh.values()):
        raise ConfigError(shown, "account.warehouse_ids", "expected a mapping workspace name -> id")
    return AccountSource(
        host=_host(value.get("host", AccountSource.host), shown, "account.host"),
        account_id=_str(value.get("account_id"), shown, "account.account_id"),
        host_template=template or AccountSource.host_template,
        profile=_str(value.get("profile"), shown, "account.profile"),
        warehouse_ids={str(k): v for k, v in wh.items()},
    )


def _workspaces(value: Any, shown: str) -> tuple[WorkspaceRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigError(shown, "workspaces", TOP_KEYS["workspaces"])
    out: list[WorkspaceRef] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        k = f"workspaces[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(shown, k, "expected a mapping {name, host, profile, ...}")
        _check_keys(item, WORKSPACE_KEYS, shown, k)
        name = _str(item.get("name"), shown, f"{k}.name", required=True)
        assert name is not None
        if not all(c.isalnum() or c in "-_." for c in name):
            raise ConfigError(shown, f"{k}.name", "expected letters, digits, '-', '_' or '.'")
        if name in seen:
            raise ConfigError(shown, f"{k}.name", f"workspace name '{name}' is used twice")
        seen.add(name)
        out.append(WorkspaceRef(
            name=name,
            host=_host(item.get("host"), shown, f"{k}.host"),
            workspace_id=_str(item.get("workspace_id"), shown, f"{k}.workspace_id"),
            profile=_str(item.get("profile"), shown, f"{k}.profile"),
            warehouse_id=_str(item.get("warehouse_id"), shown, f"{k}.warehouse_id"),
            domain=_str(item.get("domain"), shown, f"{k}.domain"),
        ))
    return tuple(out)


def _crawl(value: Any, shown: str) -> CrawlSettings:
    if value is None:
        return CrawlSettings()
    if not isinstance(value, Mapping):
        raise ConfigError(shown, "crawl", TOP_KEYS["crawl"])
    _check_keys(value, CRAWL_KEYS, shown, "crawl")
    base = CrawlSettings()
    for flag in ("unity_catalog", "tags"):
        if flag in value and not isinstance(value[flag], bool):
            raise ConfigError(shown, f"crawl.{flag}", "expected true or false")
    grants = value.get("grants", base.grants)
    if grants is False:
        grants = "off"
    if grants not in GRANT_MODES:
        raise ConfigError(shown, "crawl.grants", f"expected one of {', '.join(GRANT_MODES)}")
    nums: dict[str, float] = {}
    for key in ("http_timeout_seconds", "retry_timeout_seconds", "page_size"):
        v = value.get(key, getattr(base, key))
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise ConfigError(shown, f"crawl.{key}", "expected a positive number")
        nums[key] = v
    return CrawlSettings(
        unity_catalog=value.get("unity_catalog", base.unity_catalog),
        grants=grants,
        tags=value.get("tags", base.tags),
        http_timeout_seconds=float(nums["http_timeout_seconds"]),
        retry_timeout_seconds=float(nums["retry_timeout_seconds"]),
        page_size=int(nums["page_size"]),
    )
