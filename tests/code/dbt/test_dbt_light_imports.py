"""`meshgov check models/x.sql` in a dbt project (pre-commit) imports no heavy library, and not
even jinja2 when the model only uses ref/source/config/var/is_incremental."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from meshgov.cli import main
code = main(sys.argv[1:])
roots = {"great_expectations", "pandas", "pyarrow", "pyspark", "sqlalchemy", "jinja2"}
heavy = sorted(m for m in sys.modules if m.split(".")[0] in roots or m.startswith("databricks.sdk"))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _probe(cwd: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    proc = subprocess.run([sys.executable, "-c", PROBE, "check", *args], cwd=cwd,
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_one_simple_dbt_model_needs_no_jinja2(fixtures_dir: Path) -> None:
    hr = fixtures_dir / "domains" / "hr"
    result = _probe(hr, "dbt/models/marts/headcount.sql")
    assert result == {"code": 1, "heavy": []}  # MG-C-014 found without jinja2


def test_a_model_with_if_blocks_and_macros_uses_jinja2_only(fixtures_dir: Path) -> None:
    hr = fixtures_dir / "domains" / "hr"
    result = _probe(hr, "dbt/models/adhoc/salary_bands.sql")
    assert result["code"] == 1
    assert [m for m in result["heavy"] if not m.startswith("jinja2")] == []
