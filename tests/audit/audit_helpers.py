"""Small helpers shared by the audit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from audit_loopback import Faults, Loopback, load_recorded

NAMES = ("sales-prod", "hr-prod", "finance-dev")


def serve_recorded(lb: Loopback, names: Iterable[str] = NAMES,
                   faults: Mapping[str, Faults] | None = None) -> dict[str, str]:
    return {n: lb.add_workspace(n, load_recorded(n), (faults or {}).get(n)) for n in names}


def audit_yaml(path: Path, hosts: Mapping[str, str], *, warehouse: bool = True,
               extra: str = "") -> Path:
    lines = ["workspaces:"]
    for name, host in hosts.items():
        lines += [f"  - name: {name}", f"    host: {host}", f"    domain: {name.split('-')[0]}"]
        if warehouse:
            lines.append(f"    warehouse_id: wh-{name}")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def by_policy(report: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in report.findings:
        out.setdefault(f.policy_id, []).append(f)
    return out
