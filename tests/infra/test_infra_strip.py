"""The Rego line scanner behind v0 detection and rule names: comments and string contents
are blanked, line numbers are kept, whatever the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from meshgov.infra.metadata import _strip, rule_names

REGOISH = st.text(alphabet=st.sampled_from(list('ab #"`\\\n\r{}[]:=ifx')), max_size=80)


def test_comments_and_strings_are_blanked() -> None:
    text = 'deny contains r if { # a comment "x"\n  r := "a \\" # b"\n}\n'
    assert _strip(text) == ["deny contains r if { ", '  r := "' + " " * 8 + '"', "}"]


def test_raw_strings_span_lines() -> None:
    text = "x := `one\n# not a comment\ntwo` # c\ny := 1"
    assert _strip(text) == ["x :=     ", " " * 15, " " * 5, "y := 1"]


def test_unterminated_string_ends_with_its_line() -> None:
    assert _strip('x := "abc\ny := 1') == ['x := "   ', "y := 1"]


def test_rule_names_ignore_names_in_strings_and_comments() -> None:
    text = 'package p\nimport rego.v1\n# fake := 1\nmsg := "\nother := 2"\ndeny contains x if { x := 1 }\n'
    assert rule_names(text) == ("msg", "other", "deny")


@settings(max_examples=300, deadline=None)
@given(REGOISH)
def test_line_count_is_kept(text: str) -> None:
    assert len(_strip(text)) == len(text.splitlines())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab {}[]:=ifx\n")), max_size=80))
def test_plain_code_is_unchanged(text: str) -> None:
    assert _strip(text) == text.splitlines()
