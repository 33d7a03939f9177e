"""A 10M-row Parquet file and a 1 GB CSV are validated in bounded memory, with exact counts.

Each runs ``meshgov check --kinds data`` in its own process (the real CLI on a generated domain)
while the test watches that process's peak RSS (VmHWM): the file is read in batches, so the
peak stays far below the table's size in memory. The unexpected counts are known from the
generator, row by row.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

CHUNK = 1_000_000

MESHGOV_YAML = """\
domain: big
policies:
  packs: []
  local: [policies/]
data:
  big_prod.published.FACTS: {path: %s}
"""

POLICIES = textwrap.dedent("""\
    kind: data
    policies:
      - {id: BIG-001, title: amount is non-negative, tables: [big_prod.published.FACTS],
         column: amount, rule: non_negative}
      - {id: BIG-002, title: codes look like AB123, tables: [big_prod.published.FACTS],
         column: code, rule: matches_regex, regex: '^[A-Z]{2}[0-9]{3}$'}
      - {id: BIG-003, title: name is set, tables: [big_prod.published.FACTS], column: name,
         rule: not_null}
      - {id: BIG-004, title: id is unique, tables: [big_prod.published.FACTS], column: id,
         rule: unique}
      - {id: BIG-005, title: names are short, tables: [big_prod.published.FACTS],
         column: name, rule: max_length, length: 6}
""")


def _chunk(start: int, n: int) -> tuple[Any, dict[str, int]]:
    i = np.arange(start, start + n, dtype="int64")
    ids = np.where(i % 1_000_000 == 999_999, 0, i)  # 0 repeats once per million rows
    amount = (i % 200).astype("float64") - 10.0  # -10 .. -1 are negative: 10 in 200
    code = np.where(i % 1000 == 0, "bad", "AB123").astype(object)
    name_mask = i % 100 == 0
    name = pa.array(np.where(i % 7 == 0, "christopher", "ann").astype(object), mask=name_mask,
                    type=pa.string())
    table = pa.table({"id": ids, "amount": amount, "code": code, "name": name})
    counts = {"BIG-001": int((amount < 0).sum()), "BIG-002": int((i % 1000 == 0).sum()),
              "BIG-003": int(name_mask.sum()),
              "BIG-005": int(((i % 7 == 0) & ~name_mask).sum())}
    return table, counts


def _domain(root: Path, name: str) -> None:
    (root / "meshgov.yaml").write_text(MESHGOV_YAML % name)
    (root / "policies").mkdir()
    (root / "policies" / "data.yaml").write_text(POLICIES)


def _run_watched(root: Path) -> tuple[dict[str, int], float]:
    """meshgov check --kinds data --format json in a child; (counts, peak RSS in MiB)."""
    code = textwrap.dedent(f"""\
        import json, sys
        from pathlib import Path
        from meshgov.cli import main
        rc = main(["check", "--kinds", "data", "--data", "--format", "json", "-o",
                   "report.json", "."])
        hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
                   if l.startswith("VmHWM:"))
        print(json.dumps({{"rc": rc, "hwm_kb": hwm}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=900, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    status = json.loads(out.stdout.strip().splitlines()[-1])
    assert status["rc"] == 1, out.stderr[-2000:]  # violations found
    report = json.loads((root / "report.json").read_text())
    counts = {f["policy_id"]: f["evidence"].get("unexpected_count") for f in report["findings"]}
    return counts, status["hwm_kb"] / 1024


def _expected(rows: int) -> dict[str, int]:
    total: dict[str, int] = {}
    for start in range(0, rows, CHUNK):
        _, c = _chunk(start, min(CHUNK, rows - start))
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    dup_zero = rows // 1_000_000  # rows holding 0 besides row 0 itself
    total["BIG-004"] = dup_zero + 1 if dup_zero else 0
    return total


@pytest.mark.slow
def test_ten_million_rows_of_parquet(tmp_path: Path) -> None:
    rows = 10_000_000
    schema = _chunk(0, 1)[0].schema
    with pq.ParquetWriter(tmp_path / "facts.parquet", schema) as w:
        for start in range(0, rows, CHUNK):
            w.write_table(_chunk(start, CHUNK)[0])
    _domain(tmp_path, "facts.parquet")
    counts, peak = _run_watched(tmp_path)
    assert counts == _expected(rows)
    # the table's columns alone take ~0.4 GiB in memory; batches keep the peak well below
    # what reading it whole and converting it to pandas (GX's way) would need
    assert peak < 1500, f"peak RSS {peak:.0f} MiB"


@pytest.mark.slow
def test_a_one_gigabyte_csv(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    rows = 0
    with path.open("wb") as fh:
        while fh.tell() < 1 << 30:
            table = _chunk(rows, CHUNK)[0]
            buf = pa.BufferOutputStream()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=rows == 0))
            fh.write(buf.getvalue().to_pybytes())
            rows += CHUNK
    assert path.stat().st_size >= 1 << 30
    _domain(tmp_path, "facts.csv")
    counts, peak = _run_watched(tmp_path)
    assert counts == _expected(rows)
    assert peak < 2500, f"peak RSS {peak:.0f} MiB for a {path.stat().st_size >> 20} MiB CSV"
