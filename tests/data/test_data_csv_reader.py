"""CSV files read in Arrow batches and scanned give the findings pandas + GX gave.

A file bound with a pandas reader option (``options: {encoding: utf-8}``) is read by pandas and
validated by GX, as before batching; the same file without options goes through the Arrow
reader and the one-pass scanner. hypothesis writes CSVs of the shapes domain files have (ints
with gaps, floats, codes, free text with quotes and commas, dates, booleans, pandas' missing
markers) and every policy's finding (counts, examples, messages) must be the same both ways.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from data_helpers import data_policy, make_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.data import evaluator
from meshgov.data.runners import files

CELLS = {
    "n": st.one_of(st.integers(-5, 200).map(str), st.sampled_from(["", "NA", "null"])),
    "x": st.one_of(st.floats(-50, 150, allow_nan=False).map(lambda f: f"{f:.2f}"),
                   st.sampled_from(["", "NaN", "1e3", "7"])),
    "code": st.sampled_from(["AB123", "XY999", "ab123", "Q1", "", "None", "N/A", "é12"]),
    "text": st.text(st.sampled_from("ab ,\"'\u00e9"), max_size=6),
    "day": st.sampled_from(["2024-01-31", "2024-02-01", "", "2023-12-01"]),
    "flag": st.sampled_from(["true", "false", "True", ""]),
}


def _policies(table: str) -> list[Any]:
    t = [table]
    return [
        data_policy("C-01", "not_null", t, column="n"),
        data_policy("C-02", "unique", t, column="n"),
        data_policy("C-03", "positive", t, column="x"),
        data_policy("C-04", "between", t, column="n", min=0, max=100),
        data_policy("C-05", "in_set", t, column="code", values=["AB123", "XY999"]),
        data_policy("C-06", "matches_regex", t, column="code", regex=r"^[A-Z]{2}\d{3}$"),
        data_policy("C-07", "max_length", t, column="text", length=3),
        data_policy("C-08", "matches_regex", t, column="day", regex=r"^2024-"),
        data_policy("C-09", "not_null", t, column="flag"),
        data_policy("C-10", "non_negative", t, column="n", where=[
            {"column": "code", "op": "!=", "value": "Q1"}]),
        data_policy("C-11", "row_count_between", t, min=3),
        data_policy("C-12", "unique", t, column="text", mostly=0.5),
    ]


def _findings(root: Path, options: dict[str, Any] | None) -> dict[str, Any]:
    binding: dict[str, Any] = {"path": "t.csv"}
    if options:
        binding["options"] = options
    bindings = {"x.s.T": binding}
    result = evaluator.validate_bindings(bindings, make_context(root, bindings,
                                                                _policies("x.s.T")))
    return {(f.policy_id, f.message): f.evidence for f in result.findings}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.fixed_dictionaries(CELLS), min_size=0, max_size=25))
def test_arrow_and_scan_find_what_pandas_and_gx_found(tmp_path_factory: Any,
                                                      rows: list[dict[str, str]]) -> None:
    root = tmp_path_factory.mktemp("csv")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CELLS))
    w.writeheader()
    w.writerows(rows)
    (root / "t.csv").write_text(buf.getvalue(), encoding="utf-8")
    new = _findings(root, None)
    old = _findings(root, {"encoding": "utf-8"})
    assert new == old


def test_a_value_past_the_first_block_widens_the_column(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(files, "BLOCK_BYTES", 1 << 10)
    lines = ["n,s"] + [f"{i},{i}" for i in range(2000)] + ["1.5,x", "abc,7"]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    new = _findings(tmp_path, None)
    old = _findings(tmp_path, {"encoding": "utf-8"})
    assert new == old
    # 1.5 and abc: n is a string column in both, so between on it is not checked
    assert any(m.startswith("C-04 was not checked") and "holds string values" in m
               for _, m in new)


def test_the_missing_markers_are_pandas_own() -> None:
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(files.NA_VALUES) == set(STR_NA_VALUES)
