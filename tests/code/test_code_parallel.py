"""Many code inputs checked in forked parts give exactly the report of one process.

The domain is the hr fixture (dbt project with property files, a macro, a model that does not
render, SQL with violations and suppressions) with its models and SQL files copied until there
are enough inputs to split, plus a property file that cannot be read (a support-file finding
each part meets). `meshgov check` runs as a subprocess: meshgov forks only when no other thread
runs, and other tests of this session leave server threads running.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meshgov.code.evaluator import MIN_INPUTS_PER_JOB, runs_anywhere
from meshgov.core import executor
from meshgov.core.discovery import InputFile

ROOT = Path(__file__).resolve().parents[2]
MESHGOV = [sys.executable, "-m", "meshgov"]


def _domain(tmp: Path, copies: int) -> Path:
    hr = tmp / "domains" / "hr"  # its meshgov.yaml names ../../governance
    shutil.copytree(ROOT / "fixtures" / "domains" / "hr", hr)
    shutil.copytree(ROOT / "fixtures" / "governance", tmp / "governance")
    models = hr / "dbt" / "models"
    originals = sorted(models.rglob("*.sql"))
    sqls = sorted((hr / "sql").rglob("*.sql"))
    for k in range(copies):
        for src in originals:
            dest = models / f"copy_{k}" / f"{src.stem}_{k}.sql"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(src.read_text())
        for src in sqls:
            dest = hr / "sql" / f"copy_{k}" / src.relative_to(hr / "sql")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(src.read_text())
    (models / "copy_0" / "_broken.yml").write_text("version: 2\nmodels:\n  - name: [unclosed\n")
    return hr


def _check(domain: Path, jobs: int, batch: int | None = None) -> tuple[dict, str]:
    command = MESHGOV if batch is None else [
        sys.executable, "-c", f"import meshgov.code.evaluator as e; e.BATCH = {batch}\n"
        "from meshgov.cli import run; run()"]
    proc = subprocess.run([*command, "check", ".", "--kinds", "code", "--jobs", str(jobs), "-v",
                           "-f", "json", "-o", "report.json"],
                          cwd=domain, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads((domain / "report.json").read_text()), proc.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
@pytest.mark.slow
def test_parts_in_processes_give_the_same_report(tmp_path: Path) -> None:
    domain = _domain(tmp_path, copies=30)
    serial, said_serial = _check(domain, 1)
    parallel, said = _check(domain, 3)
    assert serial["run"]["inputs"] >= 3 * MIN_INPUTS_PER_JOB
    assert "in 3 processes" in said and "processes" not in said_serial
    assert len(serial["findings"]) > 100  # the copies violate: not two empty lists compared
    ids = {f["policy_id"] for f in serial["findings"]}
    assert "MG-INPUT" in ids  # the model that does not render and the broken property file
    broken = [f for f in serial["findings"] if f["location"]["path"].endswith("_broken.yml")]
    assert len(broken) == 1
    assert parallel["findings"] == serial["findings"]
    assert parallel["summary"] == serial["summary"]
    assert parallel["run"]["inputs"] == serial["run"]["inputs"]
    one_by_one, _ = _check(domain, 1, batch=1)  # read, parse and check each input alone
    assert one_by_one["findings"] == serial["findings"]
    assert one_by_one["summary"] == serial["summary"]


def _inp(name: str, type_: str) -> InputFile:
    return InputFile(path=Path(name), rel=name, type=type_, kind="code")


def test_property_files_are_checked_in_the_calling_process_in_order() -> None:
    inputs = [_inp("a.sql", "sql"), _inp("schema.yml", "dbt_schema"), _inp("m.sql", "dbt_model"),
              _inp("b.sql", "sql"), _inp("dbt_project.yml", "dbt_project"), _inp("c.sql", "sql")]
    assert [runs_anywhere(i) for i in inputs] == [True, False, True, True, False, True]
    work: executor.Work[int, None] = executor.Work(
        items=len(inputs), run=lambda idx: list(idx), alone=lambda i: not runs_anywhere(inputs[i]))
    if executor.can_fork():
        assert executor.plan(work, 2).parts == ((0, 1, 3, 4), (2, 5))
    assert executor.plan(work, 1).parts == (tuple(range(len(inputs))),)
