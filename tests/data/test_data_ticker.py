"""The live status line of long data checks: on a terminal only, after ~2 s, then cleared."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from data_helpers import data_policy, make_context

from meshgov.core.context import RunOptions
from meshgov.core.ticker import tty_ticker
from meshgov.data import evaluator
from meshgov.data.runners import files


def test_nothing_is_shown_off_a_terminal_or_before_the_delay() -> None:
    assert tty_ticker(io.StringIO()) is None  # not a terminal
    clock = iter([0.0, 1.0, 2.5, 3.0])
    out = io.StringIO()
    tick = tty_ticker(out, tty=True, clock=lambda: next(clock))
    assert tick is not None
    tick("a")
    tick("b")
    assert out.getvalue() == ""  # within 2 s
    tick("c")
    tick("d")
    tick(None)
    assert out.getvalue() == "\r\x1b[Kc\r\x1b[Kd\r\x1b[K"


def test_a_data_check_reports_table_rules_and_rows_read(tmp_path: Path,
                                                        monkeypatch: object) -> None:
    pq.write_table(pa.table({"n": list(range(1000))}), tmp_path / "t.parquet")
    monkeypatch.setattr(files, "BATCH_ROWS", 300)  # type: ignore[attr-defined]
    seen: list[str | None] = []
    bindings = {"x.s.T": {"path": "t.parquet"}}
    policies = [data_policy("T-001", "positive", ["x.s.T"], column="n"),
                data_policy("T-002", "not_null", ["x.s.T"], column="n")]
    ctx = make_context(tmp_path, bindings, policies)
    ctx = type(ctx)(config=ctx.config, catalog=ctx.catalog,
                    options=RunOptions(ticker=seen.append))
    result = evaluator.validate_bindings(bindings, ctx)
    assert [f.policy_id for f in result.findings] == ["T-001"]
    assert seen == ["data: x.s.T: 2 check(s), 300 rows read",
                    "data: x.s.T: 2 check(s), 600 rows read",
                    "data: x.s.T: 2 check(s), 900 rows read",
                    "data: x.s.T: 2 check(s), 1,000 rows read", None]
