"""The hr fixture (seed example MG-D-001 and one policy of each rule) on files, PostgreSQL, Spark.

The same policies and the same rows give the same findings on every backend.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshgov.api import evaluate

EMP = "hr_prod.published.EMPLOYEES"
DEPT = "hr_prod.published.DEPARTMENTS"
W = "withheld"
#: policy -> (unexpected_count or None for aggregate checks, examples or W)
EXPECTED: dict[str, tuple[int | None, Any]] = {
    "MG-D-001": (3, [-5, 0, -1]),
    "HR-D-002": (1, [None]),
    "HR-D-003": (2, [1007, 1007]),
    "HR-D-004": (1, W),  # Salary: PII by name pattern
    "HR-D-005": (2, [12, 130]),
    "HR-D-006": (1, ["retired"]),
    "HR-D-008": (1, ["dx1"]),
    "HR-D-009": (1, ["Donald Knuth The Art Of Programming"]),
    "HR-D-010": (None, None),
    "HR-D-011": (None, None),
    "HR-D-012": (1, W),  # pii_masked: Email
    "HR-D-013": (2, ["dx1", "D99"]),
    "HR-D-014": (1, W),  # Email: pii_columns in the binding
    "HR-D-015": (1, [12]),
    "HR-D-016": (None, None),
}
PII_VALUES = ("jane.doe", "-100")


def _check(report: Any) -> None:
    data = [f for f in report.findings if f.kind == "data"]
    got = {f.policy_id: f for f in data}
    assert sorted(got) == sorted(EXPECTED), [f.message for f in data]
    assert len(data) == len(EXPECTED)
    for pid, (count, examples) in EXPECTED.items():
        f = got[pid]
        assert f.subject.type == "table" and f.subject.ref == EMP and f.subject.domain == "hr"
        ev = f.evidence
        if count is not None:
            assert ev["unexpected_count"] == count, (pid, ev)
        if examples == W:
            assert "examples" not in ev and ev["examples_withheld"] == "PII column", (pid, ev)
        elif examples is not None:
            assert sorted(map(str, ev["examples"])) == sorted(map(str, examples)), (pid, ev)
    assert got["MG-D-001"].severity == "error" and got["HR-D-006"].severity == "warning"
    assert got["HR-D-010"].evidence["observed_value"] == 10
    assert "2025-01-19" in str(got["HR-D-011"].evidence["observed_value"])
    assert abs(got["HR-D-016"].evidence["observed_value"] - 49.9) < 1e-9


def _assert_no_pii(report: Any) -> None:
    from meshgov.commands.output import FORMAT_NAMES
    from meshgov.report import render

    for fmt in FORMAT_NAMES:
        text = render(report, fmt, color=False)
        for value in PII_VALUES:
            assert value not in text, (fmt, value)


def _copy_domain(fixtures_dir: Path, tmp_path: Path, data: dict[str, Any]) -> Path:
    root = tmp_path / "domains" / "hr"
    shutil.copytree(fixtures_dir / "domains" / "hr", root)
    shutil.copytree(fixtures_dir / "governance", tmp_path / "governance")
    cfg = yaml.safe_load((root / "meshgov.yaml").read_text())
    cfg["data"] = data
    (root / "meshgov.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return root


def test_hr_fixture_on_files(fixtures_dir: Path) -> None:
    hr = fixtures_dir / "domains" / "hr"
    report = evaluate([hr], config=hr / "meshgov.yaml", kinds=("data",))
    _check(report)
    assert report.run.inputs == 1
    paths = {f.location.path for f in report.findings}
    assert paths == {"data/employees.csv"}
    _assert_no_pii(report)


@pytest.mark.postgres
def test_hr_fixture_on_postgres(fixtures_dir: Path, tmp_path: Path, pg_server: Any) -> None:
    from data_helpers import load_csv_into

    data_dir = fixtures_dir / "domains" / "hr" / "data"
    load_csv_into(pg_server.url, "employees", data_dir / "employees.csv", {
        "Emp_Num": "integer", "Full_Name": "text", "Email": "text", "Dept_Id": "text",
        "Status": "text", "Salary": "integer", "Age": "integer", "Updated_At": "timestamp"})
    load_csv_into(pg_server.url, "departments", data_dir / "departments.csv",
                  {"Dept_Id": "text", "Dept_Name": "text"})
    root = _copy_domain(fixtures_dir, tmp_path, {
        EMP: {"url": pg_server.url, "table": "employees", "schema": "public",
              "tags": ["core"], "pii_columns": ["Email"]},
        DEPT: {"url": pg_server.url, "table": "departments"},
    })
    report = evaluate([root], config=root / "meshgov.yaml", kinds=("data",))
    _check(report)
    assert {f.location.path for f in report.findings} == {None}
    _assert_no_pii(report)


@pytest.mark.spark
@pytest.mark.slow
def test_hr_fixture_on_spark(fixtures_dir: Path, tmp_path: Path, spark_session: Any) -> None:
    csv = fixtures_dir / "domains" / "hr" / "data" / "employees.csv"
    (spark_session.read.options(header="true", inferSchema="true").csv(str(csv))
     .createOrReplaceTempView("employees"))
    root = _copy_domain(fixtures_dir, tmp_path, {
        EMP: {"spark": True, "table": "employees", "tags": ["core"], "pii_columns": ["Email"]},
        DEPT: {"spark": True, "path": "data/departments.csv"},
    })
    report = evaluate([root], config=root / "meshgov.yaml", kinds=("data",))
    _check(report)
    _assert_no_pii(report)
