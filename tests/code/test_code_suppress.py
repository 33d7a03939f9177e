"""Inline suppressions: `-- meshgov:ignore POLICY-ID reason`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from code_rule_harness import run_sql
from meshgov.code.suppress import find_suppressions, parse_suppression

STAR = "SELECT * FROM sales_prod.raw.orders"


def _by(findings, pid):
    return [f for f in findings if f.policy_id == pid]


def test_suppression_on_the_line_above_waives_with_its_reason() -> None:
    findings = run_sql(f"-- meshgov:ignore MG-C-002 legacy export, DATA-7\n{STAR}")
    (star,) = _by(findings, "MG-C-002")
    assert star.waived and star.waiver.reason == "legacy export, DATA-7"
    assert star.waiver.source == "inline"
    assert not _by(findings, "MG-SUPPRESS")


def test_suppression_on_the_same_line() -> None:
    findings = run_sql(f"{STAR} -- meshgov:ignore MG-C-002 staging only")
    assert _by(findings, "MG-C-002")[0].waived
    assert not _by(findings, "MG-SUPPRESS")


def test_suppression_two_lines_above_does_not_apply_and_is_unused() -> None:
    findings = run_sql(f"-- meshgov:ignore MG-C-002 too far\n\n{STAR}")
    assert not _by(findings, "MG-C-002")[0].waived
    (sup,) = _by(findings, "MG-SUPPRESS")
    assert sup.location.line == 1 and "suppresses nothing" in sup.message
    assert sup.severity == "warning"


def test_suppression_without_reason_is_reported_and_suppresses_nothing() -> None:
    findings = run_sql(f"-- meshgov:ignore MG-C-002\n{STAR}")
    assert not _by(findings, "MG-C-002")[0].waived
    (sup,) = _by(findings, "MG-SUPPRESS")
    assert "has no reason" in sup.message and sup.location.line == 1


def test_suppression_without_policy_id() -> None:
    findings = run_sql(f"-- meshgov:ignore\n{STAR}")
    (sup,) = _by(findings, "MG-SUPPRESS")
    assert "names no policy id" in sup.message


def test_suppression_of_another_policy_does_not_waive() -> None:
    findings = run_sql(f"-- meshgov:ignore MG-C-005 wrong id\n{STAR}")
    assert not _by(findings, "MG-C-002")[0].waived
    assert "MG-C-005 suppresses nothing" in _by(findings, "MG-SUPPRESS")[0].message


def test_unknown_policy_id_is_named() -> None:
    findings = run_sql(f"-- meshgov:ignore MG-C-999 typo\n{STAR}")
    assert "MG-C-999: no such policy in force" in _by(findings, "MG-SUPPRESS")[0].message


def test_several_ids_each_must_be_used() -> None:
    sql = ("-- meshgov:ignore MG-C-002, MG-C-005: both on purpose\n"
           "SELECT *, input_file_name() FROM sales_prod.raw.orders\n")
    findings = run_sql(sql)
    assert _by(findings, "MG-C-002")[0].waived and _by(findings, "MG-C-005")[0].waived
    assert not _by(findings, "MG-SUPPRESS")
    findings = run_sql(sql.replace("input_file_name()", "order_id"))
    (sup,) = _by(findings, "MG-SUPPRESS")
    assert "MG-C-005 suppresses nothing" in sup.message


def test_lower_case_id_and_block_comment() -> None:
    findings = run_sql(f"/* meshgov:ignore mg-c-002 lower case works */ {STAR}")
    assert _by(findings, "MG-C-002")[0].waived


def test_input_errors_cannot_be_suppressed() -> None:
    findings = run_sql("-- meshgov:ignore MG-INPUT nope\nSELECT FROM WHERE")
    assert [f.policy_id for f in findings] == ["MG-INPUT"]
    assert not findings[0].waived


def test_marker_inside_a_string_is_not_a_suppression() -> None:
    sql = "SELECT '-- meshgov:ignore MG-C-002 no', * FROM sales_prod.raw.orders"
    findings = run_sql(sql)
    assert not _by(findings, "MG-C-002")[0].waived
    assert not _by(findings, "MG-SUPPRESS")


def test_lines_count_newlines_only() -> None:
    # a form feed is a line break for str.splitlines() but not for sqlglot: lines must agree
    sql = f"-- page\x0c break\n-- meshgov:ignore MG-C-002 ok\n{STAR}"
    findings = run_sql(sql)
    star = _by(findings, "MG-C-002")[0]
    assert star.location.line == 3 and star.waived


def test_parse_suppression_forms() -> None:
    assert parse_suppression(" MG-C-002 reason text") == (("MG-C-002",), "reason text")
    assert parse_suppression(" MG-C-002,MG-C-003 - why") == (("MG-C-002", "MG-C-003"), "why")
    assert parse_suppression(": MG-C-002: why */") == (("MG-C-002",), "why")
    assert parse_suppression("") == ((), "")


@given(st.text(max_size=300))
def test_find_suppressions_never_crashes(text: str) -> None:
    for s in find_suppressions(text):
        assert s.line >= 1
