"""Example values: SQL looks in a sample first and in the whole table when the sample has none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from data_helpers import data_policy, make_context

from meshgov.data.evaluator import SAMPLE_ROWS, validate_bindings


def test_examples_beyond_the_sample_are_still_found(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.execute("CREATE TABLE t (n INTEGER, s TEXT)")
    rows = [(i + 1, "ok") for i in range(SAMPLE_ROWS + 50)]
    rows[3] = (-4, "early")  # inside the sample
    rows[-1] = (5, None)  # only after the sample
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    bindings = {"x.s.T": {"url": "sqlite:///db.sqlite", "table": "t"}}
    policies = [data_policy("E-001", "positive", ["x.s.T"], column="n"),
                data_policy("E-002", "not_null", ["x.s.T"], column="s"),
                data_policy("E-003", "in_set", ["x.s.T"], column="s", values=["ok"])]
    result = validate_bindings(bindings, make_context(tmp_path, bindings, policies))
    got = {f.policy_id: f.evidence for f in result.findings}
    assert got["E-001"]["unexpected_count"] == 1 and got["E-001"]["examples"] == [-4]
    assert got["E-002"]["unexpected_count"] == 1 and got["E-002"]["examples"] == [None]
    assert got["E-003"]["unexpected_count"] == 1 and got["E-003"]["examples"] == ["early"]
    assert got["E-001"]["element_count"] == SAMPLE_ROWS + 50  # counts are the whole table's
