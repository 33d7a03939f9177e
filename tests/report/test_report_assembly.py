"""One report path: every Report is built by report/assemble.py (or read back by
report/load.py), and the typed sections survive a saved report read back, in every format."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

from meshgov.core.sections import WorkspaceStatus
from meshgov.report import FORMATS, render
from meshgov.report.load import report_from_dict

SRC = Path(__file__).resolve().parents[2] / "src" / "meshgov"
BUILDERS = {"report/assemble.py", "report/load.py"}


def test_only_the_assembly_and_the_loader_construct_a_report() -> None:
    """``check``, ``gate`` and ``audit`` call assemble(); none builds or edits a Report."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name == "Report" and rel not in BUILDERS:
                offenders.append(f"{rel}:{node.lineno} Report(...)")
            if name == "replace" and node.args and isinstance(node.args[0], ast.Name) and \
                    node.args[0].id in ("report", "base") and rel not in BUILDERS:
                offenders.append(f"{rel}:{node.lineno} replace({node.args[0].id}, ...)")
    assert offenders == []


def test_typed_sections_survive_a_saved_report_in_every_format(rich_report) -> None:
    workspaces = (
        WorkspaceStatus("sales-prod", "https://adb-1.azuredatabricks.net", "ok",
                        workspace_id=17, crawled_at="2026-11-21T02:00:00+00:00", objects=120,
                        counts={"cluster": 20, "table": 100}, findings=4, resumed=False,
                        crawl_seconds=1.5, problems=("jobs: truncated at 1000",),
                        products=({"table": "sales_prod.published.ORDERS"},)),
        WorkspaceStatus("hr-prod", "https://adb-2.azuredatabricks.net/", "error",
                        error={"type": "PermissionDenied", "message": "403 from the workspace"}),
    )
    report = replace(rich_report, workspaces=workspaces)
    doc = report.to_dict()
    assert list(doc)[-3:] == ["baseline", "scorecards", "workspaces"]
    again = report_from_dict(json.loads(json.dumps(doc)))
    assert again.baseline == report.baseline and again.scorecards == report.scorecards
    assert [w.to_dict() for w in again.workspaces] == doc["workspaces"]
    for fmt in FORMATS:
        assert render(again, fmt) == render(report, fmt), fmt
