"""Which workspaces to audit: named in the audit config, listed from an account, then filtered.

Both the account client and the per-workspace client are built by injectable factories: the
SDK's ``AccountClient.get_workspace_client`` always builds a cloud URL, and tests point the real
SDK at a loopback server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from meshgov.audit.config import AccountSource, AuditConfig, CrawlSettings, WorkspaceRef
from meshgov.core.errors import UsageError

#: (workspace, crawl settings) -> a databricks.sdk.WorkspaceClient
ClientFactory = Callable[[WorkspaceRef, CrawlSettings], Any]
#: (account source) -> a databricks.sdk.AccountClient
AccountFactory = Callable[[AccountSource], Any]


def default_client_factory(ref: WorkspaceRef, crawl: CrawlSettings) -> Any:
    """A WorkspaceClient with the SDK's unified auth (env OAuth service principal or profile)."""
    from databricks.sdk import WorkspaceClient  # noqa: PLC0415 - heavy, audit only
    from databricks.sdk.config import Config  # noqa: PLC0415

    kw: dict[str, Any] = {
        "host": ref.host,
        "http_timeout_seconds": crawl.http_timeout_seconds,
        "retry_timeout_seconds": int(crawl.retry_timeout_seconds),
    }
    if ref.profile:
        kw["profile"] = ref.profile
    return WorkspaceClient(config=Config(**kw))


def default_account_factory(src: AccountSource) -> Any:
    from databricks.sdk import AccountClient  # noqa: PLC0415

    kw: dict[str, Any] = {"host": src.host}
    if src.account_id:
        kw["account_id"] = src.account_id
    if src.profile:
        kw["profile"] = src.profile
    return AccountClient(**kw)


def account_workspaces(src: AccountSource, factory: AccountFactory) -> list[WorkspaceRef]:
    """The account's running workspaces (``AccountClient.workspaces.list()``)."""
    try:
        listed = list(factory(src).workspaces.list())
    except Exception as exc:  # noqa: BLE001 - no workspace list: nothing to audit, exit 2
        from meshgov.core.redact import scrub  # noqa: PLC0415

        text = (str(exc).splitlines() or [type(exc).__name__])[0].split(". Config: ")[0]
        raise UsageError(f"cannot list the workspaces of account {src.account_id or '?'} at "
                         f"{src.host}: {type(exc).__name__}: {scrub(text)}") from None
    out = []
    for ws in listed:
        d = ws.as_dict() if hasattr(ws, "as_dict") else dict(ws)
        status = str(d.get("workspace_status") or "RUNNING")
        if status not in ("RUNNING", "WorkspaceStatus.RUNNING"):
            continue
        name = str(d.get("workspace_name") or d.get("deployment_name") or d.get("workspace_id"))
        deployment = d.get("deployment_name") or name
        out.append(WorkspaceRef(
            name=_safe_name(name),
            host=src.host_template.format(deployment_name=deployment),
            workspace_id=str(d["workspace_id"]) if d.get("workspace_id") is not None else None,
            warehouse_id=dict(src.warehouse_ids or {}).get(name),
        ))
    return out


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "workspace"


def filter_workspaces(
    refs: Iterable[WorkspaceRef], include: Sequence[str], exclude: Sequence[str]
) -> list[WorkspaceRef]:
    """Keep workspaces whose name (or host) matches an include glob and no exclude glob."""
    def hit(ref: WorkspaceRef, globs: Sequence[str]) -> bool:
        return any(fnmatchcase(ref.name, g) or fnmatchcase(ref.host, g) for g in globs)

    return [r for r in refs if (not include or hit(r, include)) and not hit(r, exclude)]


def resolve_workspaces(
    cfg: AuditConfig,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    account_factory: AccountFactory = default_account_factory,
) -> list[WorkspaceRef]:
    """Named workspaces plus the account's (named ones win on a name clash), filtered, sorted."""
    refs: dict[str, WorkspaceRef] = {}
    if cfg.account is not None:
        for r in account_workspaces(cfg.account, account_factory):
            refs[r.name] = r
    for r in cfg.workspaces:
        refs[r.name] = r
    chosen = filter_workspaces(refs.values(), (*cfg.include, *include), (*cfg.exclude, *exclude))
    return sorted(chosen, key=lambda r: r.name)
