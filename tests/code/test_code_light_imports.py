"""`meshgov check one_file.sql` (the pre-commit path) never imports the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("great_expectations", "pandas", "pyarrow", "databricks.sdk", "pyspark", "sqlalchemy",
         "hobofan_regorus", "opa_client", "jinja2")

PROBE = """
import json, sys
from meshgov.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {roots!r} or m.startswith("databricks.sdk"))
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def test_one_sql_file_does_not_import_heavy_libraries(fixtures_dir: Path) -> None:
    sales = fixtures_dir / "domains" / "sales"
    roots = sorted({h.split(".")[0] for h in HEAVY if h != "databricks.sdk"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(roots=roots), "check", "sql/orders_enriched.sql"],
        cwd=sales, capture_output=True, text=True, env=env, check=False, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 1  # the file has a finding: the check really ran
    assert result["heavy"] == []
