"""The Jinja renderer: dbt's stubs, the line map back to the source, and clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.code.dbt.project import DbtProject
from meshgov.code.dbt.lines import FIRST, mark_lines, mark_segment, unmark
from meshgov.code.dbt.render import Relation, RenderError, Renderer

PROJECT = DbtProject(root=Path("/nonexistent"), name="shop", vars={"days": 3, "shop": {"region": "eu"}})


def _renderer(macros: dict[str, str] | None = None, tmp_path: Path | None = None) -> Renderer:
    r = Renderer(PROJECT, "published", "sales_prod",
                 ref=lambda pkg, name: Relation("sales_prod", "published", name.upper()),
                 src=lambda s, t: Relation("sales_prod", s, t),
                 packages=["my_pkg"])
    if macros and tmp_path is not None:
        files = []
        for name, text in macros.items():
            f = tmp_path / name
            f.write_text(text, encoding="utf-8")
            files.append(f)
        r.set_macro_files(files)
    return r


def render(source: str, renderer: Renderer | None = None):  # type: ignore[no-untyped-def]
    r = renderer or _renderer()
    return r.render(source, this=Relation("sales_prod", "published", "M"), model_name="m")


def line_of(rendered, needle: str) -> int:  # type: ignore[no-untyped-def]
    for i, text in enumerate(rendered.text.split("\n"), start=1):
        if needle in text:
            return rendered.line_of(i)
    raise AssertionError(f"{needle!r} not rendered: {rendered.text!r}")


def test_ref_source_render_three_level_names_and_are_recorded() -> None:
    out = render("SELECT a FROM {{ ref('orders') }} JOIN {{ ref('pkg', 'items') }}"
                 " JOIN {{ source('crm', 'customers') }}")
    assert "sales_prod.published.ORDERS" in out.text
    assert "sales_prod.published.ITEMS" in out.text
    assert "sales_prod.crm.customers" in out.text
    assert out.refs == ((None, "orders"), ("pkg", "items"))
    assert out.sources == (("crm", "customers"),)


def test_config_is_recorded_and_renders_nothing() -> None:
    out = render("{{ config(materialized='table', tags=['a'], meta={'owner': 'x'}, schema='s',"
                 " alias='A', contract={'enforced': True}) }}\nSELECT 1 AS x")
    assert out.config == {"materialized": "table", "tags": ["a"], "meta": {"owner": "x"},
                          "schema": "s", "alias": "A", "contract": {"enforced": True}}
    assert out.text.strip() == "SELECT 1 AS x"


def test_var_env_var_is_incremental_this_target() -> None:
    out = render(
        "SELECT {{ var('days') }} AS d, '{{ var('region') }}' AS r, {{ var('missing', 7) }} AS m,"
        " '{{ env_var('DBT_X', 'dflt') }}' AS e, '{{ target.schema }}' AS t\n"
        "FROM {{ this }}\n"
        "{% if is_incremental() %}WHERE x > (SELECT MAX(x) FROM {{ this }}){% endif %}"
    )
    assert "3 AS d, 'eu' AS r, 7 AS m, 'dflt' AS e, 'published' AS t" in out.text
    assert "FROM sales_prod.published.M" in out.text
    assert "WHERE" not in out.text


def test_missing_var_without_default_fails_at_its_line() -> None:
    with pytest.raises(RenderError) as err:
        render("SELECT 1\nFROM t\nWHERE d > {{ var('start_date') }}")
    assert err.value.line == 3
    assert "required var 'start_date'" in err.value.message


def test_unknown_macro_is_unrenderable_with_its_line() -> None:
    with pytest.raises(RenderError) as err:
        render("{{ config(materialized='view') }}\nSELECT\n  {{ cents_to_dollars('x') }} AS y\nFROM t")
    assert err.value.line == 3
    assert err.value.message.startswith("unrenderable Jinja: 'cents_to_dollars' is undefined")


def test_syntax_error_has_its_line() -> None:
    with pytest.raises(RenderError) as err:
        render("SELECT 1\n{% if x %}\nFROM t\n")
    assert err.value.line is not None and err.value.line >= 2
    assert err.value.message.startswith("unrenderable Jinja:")


def test_package_macros_render_to_a_placeholder() -> None:
    out = render("SELECT {{ dbt_utils.star(ref('a')) }} AS k,"
                 " {{ my_pkg.thing() }} AS t, {{ adapter.dispatch('f', 'other')() }} AS f FROM x")
    assert "__dbt_utils_star__ AS k" in out.text
    assert "__my_pkg_thing__ AS t" in out.text
    assert out.placeholders == ("dbt_utils.star", "my_pkg.thing", "other.f")


def test_project_macros_are_callable_and_return_works(tmp_path: Path) -> None:
    r = _renderer({
        "a.sql": "{% macro cents(c) %}({{ c }} / 100){% endmacro %}",
        "b.sql": "{% macro twice(c) %}{{ return(cents(c) ~ ' * 2') }}{% endmacro %}",
        "bad.sql": "{% materialization custom, adapter='databricks' %}{% endmaterialization %}",
    }, tmp_path)
    out = render("SELECT {{ twice('amount') }} AS a, {{ cents('b') }} AS b FROM {{ ref('x') }}", r)
    assert "(amount / 100) * 2 AS a, (b / 100) AS b FROM sales_prod.published.X" in out.text
    assert out.refs == ((None, "x"),)
    assert any(k.endswith("bad.sql") for k in r.macro_errors)


def test_execute_is_false_so_run_query_blocks_are_skipped() -> None:
    out = render("{% if execute %}{% set rows = run_query('select 1') %}{{ rows.columns }}{% endif %}"
                 "SELECT 1 AS x")
    assert out.text.strip() == "SELECT 1 AS x"


def test_sandbox_blocks_python_internals() -> None:
    with pytest.raises(RenderError):
        render("SELECT '{{ ''.__class__.__mro__[1].__subclasses__() }}'")


def test_line_map_multiline_config_if_block_and_loop() -> None:
    source = (
        "{{\n"                                   # 1
        "  config(\n"                            # 2
        "    materialized='table',\n"            # 3
        "  )\n"                                  # 4
        "}}\n"                                   # 5
        "SELECT\n"                               # 6
        "  {% if var('days') > 1 %}\n"           # 7
        "  wide_col,\n"                          # 8
        "  {% endif %}\n"                        # 9
        "  {%- for c in ['c1', 'c2'] %}\n"       # 10
        "  {{ c }}_x,\n"                         # 11
        "  {%- endfor %}\n"                      # 12
        "  last_col\n"                           # 13
        "FROM {{ ref('orders') }}\n"             # 14
        "{# a comment\n spanning lines #}\n"     # 15-16
        "WHERE x = 1\n"                          # 17
    )
    out = render(source)
    assert line_of(out, "SELECT") == 6
    assert line_of(out, "wide_col") == 8
    assert line_of(out, "c1_x") == 11
    assert line_of(out, "c2_x") == 11
    assert line_of(out, "last_col") == 13
    assert line_of(out, "FROM sales_prod.published.ORDERS") == 14
    assert line_of(out, "WHERE x = 1") == 17


def test_mark_unmark_round_trip_without_jinja() -> None:
    text = "SELECT a,\n  b\nFROM t\n\n"
    clean, lines = unmark(mark_lines(text))
    assert clean == text
    assert lines[:3] == (1, 2, 3) and len(lines) == 5  # blank lines take the line before


_jinja_bits = st.sampled_from([
    "{{ ref('a') }}", "{{ source('s', 't') }}", "{% if x %}", "{% endif %}", "{{", "}}", "{%", "%}",
    "{#", "#}", "{{ config(tags=['t']) }}", "{{ var('days') }}", "{{ nope() }}", "\n", "SELECT 1",
    "{% for i in range(2) %}", "{% endfor %}", "{{ 1/0 }}", "{{ this }}", "'", "\ue000", "{% raw %}",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_jinja_bits, st.text(max_size=12)), max_size=14))
def test_any_template_renders_or_fails_cleanly(parts: list[str]) -> None:
    source = "".join(parts)
    n_source = source.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    try:
        out = render(source)
    except RenderError as err:
        assert err.message.startswith("unrenderable Jinja")
        assert err.line is None or 1 <= err.line <= n_source
        return
    assert len(out.lines) == out.text.count("\n") + 1
    assert all(1 <= line <= n_source for line in out.lines)
    assert "\ue000" not in out.text and "\ue001" not in out.text


# -- the fast path (no jinja2) renders exactly what jinja2 renders --------------------------

def _jinja_text(source: str) -> str:
    """Plain jinja2 rendering of the source with the same stubs (no line markers)."""
    r = _renderer()
    r.render("SELECT 1", this=Relation("sales_prod", "published", "M"), model_name="m")  # set box
    return r.env.from_string(source, globals=r.ns).render()


_fast_bits = st.sampled_from([
    "SELECT a", " ", "\n", "  ", ",", "{{ ref('orders') }}", "{{ ref(\"pkg\", 'items') }}",
    "{{ source('crm', 'customers') }}", "{{ this }}", "{{ var('days') }}", "{{ var('nope', 'x') }}",
    "{{ var('nope', none) }}", "{{ config(materialized='table', tags=['a'], meta={'k': true}) }}",
    "{{ config(meta={'at': '{{ ds }}', 'end': '%} #}'}) }}",
    "{{- ref('a') -}}", "{{ env_var('E', 'd') }}", "{# note #}", "{#- note -#}",
    "{% if is_incremental() %}", "{%- if is_incremental() -%}", "{% if not is_incremental() %}",
    "{% if execute %}", "{% else %}", "{%- else %}", "{% endif %}", "{% endif -%}", "WHERE x > 1",
])


def _balanced(parts: list[str]) -> list[str]:
    """Drop else/endif that close nothing and close what stays open."""
    out, depth, has_else = [], 0, []
    for p in parts:
        if "if " in p and "endif" not in p:
            depth += 1
            has_else.append(False)
        elif "else" in p:
            if depth == 0 or has_else[-1]:
                continue
            has_else[-1] = True
        elif "endif" in p:
            if depth == 0:
                continue
            depth -= 1
            has_else.pop()
        out.append(p)
    return out + ["{% endif %}"] * depth


@settings(max_examples=200, deadline=None)
@given(st.lists(_fast_bits, max_size=16))
def test_fast_path_matches_jinja2(parts: list[str]) -> None:
    from meshgov.code.dbt.fastpath import fast_render

    source = "".join(_balanced(parts))
    r = _renderer()
    r.render("SELECT 1", this=Relation("sales_prod", "published", "M"), model_name="m")
    fast = fast_render(source, r.ns, lambda n: False)
    assert fast is not None, source
    text, lines = fast
    assert text == _jinja_text(source)
    assert len(lines) == text.count("\n") + 1
    n_source = source.count("\n") + 1
    assert all(1 <= line <= n_source for line in lines)
    # the jinja2 path (marked template, unmark) gives the same text and the same line map
    r.render("SELECT 1", this=Relation("sales_prod", "published", "M"), model_name="m")
    assert (text, lines) == unmark(r.env.from_string(mark_lines(source), globals=r.ns).render())


class _MarkedSink:
    """What the fast path produced before it built the line map directly: the text with line
    markers (lines.mark_segment, then jinja2's ``-`` stripping), for lines.unmark."""

    def __init__(self) -> None:
        self.out = [FIRST]

    def data(self, segment: tuple[str, int, bool, bool]) -> None:
        raw, line, lstrip, rstrip = segment
        text = mark_segment(raw, line, rstrip)[0]
        if lstrip:
            text = text.lstrip()
        if rstrip:
            text = text.rstrip()
        self.out.append(text)

    def expression(self, value: str) -> None:
        self.out.append(value)


_VALUES = {"empty": "", "blank": "  ", "nl": "\n", "ml": "a\n\n  b", "ml_blank_end": "x\n  ",
           "ml_blank_start": " \n\ny", "word": "w"}
_direct_bits = st.sampled_from([
    "SELECT a", " ", "\n", "  ", "\t", "\x0c", "\u3000", ",", "x\n  ", "\n  \n", "  \n\n  y",
    "{{ ref('orders') }}", "{{- ref('a') -}}", "{{- this }}", "{{ this -}}", "{#- c #}", "{# c -#}",
    "{# c #}", "{#- c -#}", "{# multi\nline #}", "{{\n  config(materialized='table')\n}}",
    "{{- config(materialized='view') -}}", "{% if is_incremental() %}", "{%- if execute -%}",
    "{%- if not execute %}", "{% if not is_incremental() -%}", "{% else %}", "{%- else -%}",
    "{% endif %}", "{%- endif %}", "{% endif -%}", "{%- endif -%}",
] + [f"{{{{ var('{k}') }}}}" for k in _VALUES] + [f"{{{{- var('{k}') -}}}}" for k in ("ml", "blank", "nl")])


@settings(max_examples=500, deadline=None)
@given(st.lists(_direct_bits, max_size=20))
def test_fast_path_line_map_is_unmark_of_the_marked_text(parts: list[str]) -> None:
    """The (text, lines) built directly is exactly lines.unmark of the marked text the fast
    path produced before (whitespace control, blank lines, multi-line expression values)."""
    from meshgov.code.dbt.fastpath import fast_render, render_into

    source = "".join(_balanced(parts))
    r = _renderer()
    r.render("SELECT 1", this=Relation("sales_prod", "published", "M"), model_name="m")
    ns = {**r.ns, "var": lambda name, default=None: _VALUES.get(name, default)}
    sink = _MarkedSink()
    assert render_into(source, ns, lambda n: False, None, sink), source
    assert fast_render(source, ns, lambda n: False) == unmark("".join(sink.out)), source


def test_an_expression_value_with_marker_characters_falls_back_to_jinja2() -> None:
    from meshgov.code.dbt.fastpath import fast_render

    r = _renderer()
    r.render("SELECT 1", this=Relation("sales_prod", "published", "M"), model_name="m")
    ns = {**r.ns, "var": lambda name, default=None: "a\ue0007\ue001b"}
    assert fast_render("SELECT {{ var('x') }}", ns, lambda n: False) is None


@pytest.mark.parametrize("source", [
    "{{ ref('a') | upper }}", "{{ my_macro() }}", "{% set x = 1 %}{{ x }}", "{% for i in [1] %}{% endfor %}",
    "{% if var('x', true) %}a{% endif %}", "{{ 'a' ~ 'b' }}", "{% if is_incremental() %}a{% elif x %}b{% endif %}",
    "{{ ref(x) }}", "{% raw %}{{ x }}{% endraw %}", "{{ ref('a'", "{% if execute %}a",
])
def test_fast_path_declines_what_it_does_not_know(source: str) -> None:
    from meshgov.code.dbt.fastpath import fast_render

    r = _renderer()
    assert fast_render(source, r.ns, lambda n: False) is None


def test_a_project_macro_named_like_a_builtin_disables_the_fast_path(tmp_path: Path) -> None:
    r = _renderer({"ref.sql": "{% macro ref(name) %}custom.{{ name }}{% endmacro %}"}, tmp_path)
    out = render("SELECT a FROM {{ ref('orders') }}", r)
    assert "FROM custom.orders" in out.text


def _unmark_reference(rendered: str) -> tuple[str, tuple[int, ...]]:
    """Line by line: the last marker before the first non-blank character (or the line end)."""
    import re

    token = re.compile("\ue000(\\d+)\ue001|([^\ue000]+)")
    lines, clean, current = [], [], 1
    for raw in rendered.split("\n"):
        assigned = None
        for m in token.finditer(raw):
            if m.group(1):
                current = int(m.group(1))
            elif assigned is None and m.group(2).strip():
                assigned = current
        lines.append(current if assigned is None else assigned)
        clean.append(token.sub(lambda m: m.group(2) or "", raw))
    return "\n".join(clean), tuple(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["\n", "a", " ", "\n\n"]),
                          st.integers(1, 99).map(lambda n: f"\ue000{n}\ue001")), max_size=20))
def test_unmark_matches_its_line_by_line_definition(parts: list[str]) -> None:
    text = "".join(parts)
    assert unmark(text) == _unmark_reference(text)


_any_bits = st.sampled_from([
    "SELECT a", " ", "\n", "  ", "\t", ",", "x\n  ", "{{ ref('orders') }}", "{{- this }}", "{{ this -}}",
    "{% if true %}", "{%- if true -%}", "{% if false %}", "{% else %}", "{%- else -%}", "{% endif %}",
    "{%- endif %}", "{% endif -%}", "{% for i in [1, 2] %}", "{%- for i in [1] -%}", "{% endfor %}",
    "{%- endfor -%}", "{{ i }}", "{# c #}", "{#- c -#}", "{% raw %}", "{% endraw %}",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_any_bits, max_size=18))
def test_markers_never_change_what_jinja2_renders(parts: list[str]) -> None:
    """Once the markers are removed, the marked template renders exactly as the original."""
    import jinja2

    source = "".join(parts)
    env = jinja2.Environment(keep_trailing_newline=True)
    try:
        expected = env.from_string(source).render(ref=lambda n: n, this="T", i=0)
    except jinja2.TemplateError:
        return
    text, lines = unmark(env.from_string(mark_lines(source)).render(ref=lambda n: n, this="T", i=0))
    assert text == expected
    assert all(1 <= line <= source.count("\n") + 1 for line in lines)


def test_huge_loops_are_refused_not_run() -> None:
    with pytest.raises(RenderError) as err:
        render("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}")
    assert "range()" in err.value.message


def test_cross_database_macros_render_as_on_databricks(tmp_path: Path) -> None:
    """dbt's global macros (bare or dbt.) and dbt_utils.group_by/surrogate_key render as the
    Databricks adapter does, so CAST(x AS {{ dbt.type_timestamp() }}) parses; a project macro
    of the same name wins."""
    out = render("select cast(a as {{ dbt.type_timestamp() }}) as t,\n"
                 "  {{ datediff('a', 'b', 'day') }} as d, {{ dbt_utils.surrogate_key(['a', 'b']) }} as k,\n"
                 "  {{ type_string() }} as s\nfrom x\n{{ dbt_utils.group_by(n=3) }}\n")
    text = out.text
    assert "cast(a as timestamp)" in text and "timestampdiff(day, a, b)" in text
    assert "md5(concat_ws('-', coalesce(cast(a as string)" in text and "group by 1, 2, 3" in text
    assert "string as s" in text and not out.placeholders
    own = render("{{ type_string() }}", _renderer({"m.sql": "{% macro type_string() %}varchar{% endmacro %}"},
                                                     tmp_path))
    assert "varchar" in own.text
    with pytest.raises(RenderError, match="datediff"):
        render("select {{ datediff('a') }}")


@pytest.mark.parametrize(("source", "expected"), [
    ("left join{{ ref('c') }} c", "left join {{ ref('c') }} c"),
    ("from\n  {{- ref('c') }} c", "from\n  {{ ref('c') }} c"),
    ("from {{ ref('c') -}}\nwhere x", "from {{ ref('c') }}\nwhere x"),
    ("join{{this}}", "join {{this}}"),
    ("join{{ source('a', 'b') }}x", "join {{ source('a', 'b') }} x"),
    # untouched: already apart, not a relation, a name built from pieces
    ("from {{ ref('c') }} c", "from {{ ref('c') }} c"),
    ("from cat_{{ target.name }}.s.t", "from cat_{{ target.name }}.s.t"),
    ("select '{{ var(\"a\") }}'", "select '{{ var(\"a\") }}'"),
    ("from {{ this.schema }}x", "from {{ this.schema }}x"),
])
def test_a_relation_glued_to_a_word_stays_its_own_token(source: str, expected: str) -> None:
    from meshgov.code.dbt.render import separate_relations

    assert separate_relations(source) == expected


_PIECES = st.sampled_from(["join", "from", " ", "\n", "  ", "x", "{{ ref('a') }}", "{{- ref('a') }}",
                           "{{ ref('a') -}}", "{{-ref('a')-}}", "{{ this }}", "{{ source('s', 't') }}",
                           "{{ var('v') }}", "{{", "}}", "'", ".", "-"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_separating_relations_keeps_lines_and_is_stable(source: str) -> None:
    from meshgov.code.dbt.render import separate_relations

    out = separate_relations(source)
    assert out.count("\n") == source.count("\n")  # the line map is not moved
    assert separate_relations(out) == out
    import re  # noqa: PLC0415

    # only spaces are put in and whitespace control taken out
    assert re.sub(r"[\s-]", "", out) == re.sub(r"[\s-]", "", source)
    assert len(out) >= len(source) - source.count("-")


def _separate_by_regex(source: str) -> str:
    """The first, slower, statement of separate_relations (two regex substitutions): the
    oracle the one-scan version must agree with."""
    import re  # noqa: PLC0415

    rel = r"\{\{(-?)(\s*(?:(?:ref|source)\s*\([^{}]*?\)|this)\s*)(-?)\}\}"

    def before(m: re.Match[str]) -> str:
        space, strip, body, after = m.group(1, 2, 3, 4)
        return f"{space or ' '}{{{{{body}{after}}}}}" if strip or not space else m.group(0)

    def after(m: re.Match[str]) -> str:
        strip, body, strip_after, space = m.group(1, 2, 3, 4)
        return f"{{{{{strip}{body}}}}}{space or ' '}" if strip_after or not space else m.group(0)

    source = re.sub(r"(?<=\w)(\s*)" + rel, before, source)
    return re.sub(rel + r"(\s*)(?=\w)", after, source)


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_separating_relations_in_one_scan_agrees_with_the_regexes(source: str) -> None:
    from meshgov.code.dbt.render import separate_relations

    assert separate_relations(source) == _separate_by_regex(source)


_TAG_PIECES = st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "-", " ", "\n", "a",
                               "{", "}", "%", "#", "ref(x)"])


@settings(max_examples=800, deadline=None)
@given(st.lists(_TAG_PIECES, max_size=16).map("".join))
def test_the_fast_path_finds_the_tags_the_lazy_regex_found(source: str) -> None:
    """Outside string literals the one linear tag scan (lines.tags, which both paths use)
    finds the tokens of the fast path's former regex (quadratic on unclosed tags): after an
    opener no closer follows, none follows a later one either. A closer inside a string is
    covered by test_fast_path_matches_jinja2."""
    import re  # noqa: PLC0415

    from meshgov.code.dbt.fastpath import tag_parts  # noqa: PLC0415
    from meshgov.code.dbt.lines import tags  # noqa: PLC0415

    old = [(m.start(), m.end(), m.group(1), bool(m.group(2)), m.group(3), bool(m.group(4)), m.group(5))
           for m in re.finditer(r"(\{\{|\{%|\{#)(-?)(.*?)(-?)(\}\}|%\}|#\})", source, re.S)]
    if any({"{{": "}}", "{%": "%}", "{#": "#}"}[t[2]] != t[6] for t in old):
        return  # a mismatched closer: the former scan gave up on the file, jinja2 judged it
    assert [(s, e, *tag_parts(source, s, e), source[e - 2:e]) for s, e in tags(source)] == old
