"""The one rule-case format (meshgov.core.cases) and `meshgov policy test` running it, for a
domain's own cases of every kind (fixtures/domains/hr/policies/cases/*.cases.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from meshgov.core.cases import compare, load_case_file
from meshgov.core.errors import UsageError
from meshgov.core.model import Finding, Location, Subject

ROOT = Path(__file__).resolve().parents[2]
HR = ROOT / "fixtures" / "domains" / "hr"


def _copy_hr(tmp_path: Path) -> Path:
    """The hr domain and its council pack, where a test may edit the cases."""
    shutil.copytree(ROOT / "fixtures" / "governance", tmp_path / "governance")
    shutil.copytree(HR, tmp_path / "domains" / "hr")
    return tmp_path / "domains" / "hr"


def test_the_fixture_domains_cases_of_every_kind_pass(run_cli, monkeypatch) -> None:
    monkeypatch.chdir(HR)
    code, out, _ = run_cli("policy", "test", "-v")
    assert code == 0, out
    assert "rule cases: PASS: 11/11" in out
    for pid in ("MG-C-002", "MG-C-011", "MG-D-001", "MG-I-001"):  # code, dbt, data, infra
        assert f"policies/cases/{pid}.cases.yaml" in out


def test_a_case_that_does_not_hold_fails_the_command_and_says_why(run_cli, monkeypatch,
                                                                 tmp_path: Path) -> None:
    hr = _copy_hr(tmp_path)
    for name, old, new in [
        ("MG-C-002", "expect: [{line: 2, column: 8, path: models/v.sql}]",
         "expect: [{line: 1, column: 8}]"),
        ("MG-D-001", "expect: [{unexpected_count: 2, severity: error}]",
         "expect: [{unexpected_count: 3}]"),
        ("MG-I-001", "    resource: {type: warehouse, spec: {cluster_size: X-Large}}\n    expect: []",
         "    resource: {type: warehouse, spec: {cluster_size: 3X-Large}}\n    expect: []"),
    ]:
        f = hr / "policies" / "cases" / f"{name}.cases.yaml"
        text = f.read_text()
        assert old in text
        f.write_text(text.replace(old, new))
    monkeypatch.chdir(hr)
    code, out, _ = run_cli("policy", "test")
    assert code == 1
    assert "rule cases: FAIL: 8/11 (3 failed)" in out
    assert "MG-C-002 a star in a view fails at its position: FAIL" in out
    assert "expected, not found: {'line': 1, 'column': 8}" in out
    assert "found, not expected: MG-C-002 at models/v.sql:2:8" in out
    assert "MG-D-001 zero and negative numbers fail, counted: FAIL" in out
    assert "found, not expected: MG-I-001 at case" in out and "3X-Large" in out
    assert ": PASS" not in out  # passing cases only with -v


def test_a_policy_not_in_force_is_reported_not_skipped(run_cli, monkeypatch,
                                                       tmp_path: Path) -> None:
    hr = _copy_hr(tmp_path)
    (hr / "policies" / "cases" / "X.cases.yaml").write_text(
        "policy: NOPE-1\ncases:\n  - name: anything\n    sql: SELECT 1\n    expect: []\n")
    monkeypatch.chdir(hr)
    code, out, _ = run_cli("policy", "test")
    assert code == 1 and "could not run: policy NOPE-1 is not in force here" in out


@pytest.mark.parametrize(("text", "message"), [
    ("cases: []\n", "needs `policy:` (an id, or a policy written inline with its `id`)"),
    ("policy: {kind: data, rule: not_null}\ncases: []\n", "needs `policy:`"),
    ("policy: {id: X-1, rule: max_size}\ncases: []\n", ":1: a policy written inline is `kind: code`"),
    ("policy: P\ncases:\n  - name: two inputs\n    sql: SELECT 1\n    table: {rows: []}\n"
     "    expect: []\n", ":3: a case needs exactly one input of sql, dbt, resource, table, tables"),
    ("policy: P\nsql: SELECT 1\ntable: {rows: []}\ncases: []\n", ":1: a file gives at most one input"),
    ("policy: P\ncases:\n  - name: no expect\n    sql: SELECT 1\n",
     ":3: `expect:` is a list of expected findings"),
    ("policy: P\ncases: [\n", "not a readable case file"),
])
def test_malformed_case_files_name_the_file_and_line(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "bad.cases.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match="bad.cases.yaml") as err:
        load_case_file(path)
    assert message in str(err.value)


INLINE = """\
# a rule tried before any pack holds it: the policy is written here
policy: {id: TRY-1, kind: data, rule: between, tables: [t_prod.s.T], column: n}
table: {columns: {n: INTEGER}, rows: [[1], [5], [11]]}
cases:
  - name: above the maximum
    params: {max: 10}
    expect: [{policy: TRY-1, unexpected_count: 1}]
  - name: within
    params: {min: 1, max: 11}
    expect: []
  - name: a parameter the rule does not know is an error of the case, not a pass
    params: {maximum: 10}
    expect: []
  - name: its own input
    params: {max: 10}
    table: {columns: [n], rows: [[1], [20], [30]]}
    expect: [{unexpected_count: 2}]
  - name: a column that does not exist is MG-INPUT, not a pass
    params: {column: m, max: 10}
    expect: [{policy: MG-INPUT, message: does not exist}]
"""


def test_an_inline_policy_is_validated_with_each_case_s_params(tmp_path: Path) -> None:
    from meshgov.core.cases import run_case_file
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig

    path = tmp_path / "try.cases.yaml"
    path.write_text(INLINE)
    cf = load_case_file(path)
    assert cf.policy == "TRY-1" and cf.inline is not None
    assert [c.input for c in cf.cases] == ["table"] * 5  # the file's input, or the case's own
    got = run_case_file(cf, DomainConfig(root=tmp_path), Catalog(policies={}))
    assert [r.passed for r in got] == [True, True, False, True, True], [
        (r.error, r.missing, r.extra) for r in got]
    assert "maximum" in (got[2].error or "") and "unknown parameter" in (got[2].error or "")
    assert f"{path}:11" in (got[2].error or "")  # the case's line
    sqlite = run_case_file(cf, DomainConfig(root=tmp_path), Catalog(policies={}),
                           settings={"table": {"db": "sqlite"}})
    assert [r.passed for r in sqlite] == [True, True, False, True, True]
    assert {f.location.path for r in sqlite for f in r.found} != \
        {f.location.path for r in got for f in r.found}  # a table there, not a file


@pytest.mark.parametrize(("table", "message"), [
    ("{rows: 3}", "needs `columns` and `rows`"),
    ("{columns: [n], rows: [[1, 2]]}", "each row is a list of 1 values"),
    ("{columns: {n: BLOB}, rows: [[1]]}", "column n has type BLOB"),
    ("{columns: 7, rows: []}", "`columns` is a list of names"),
])
def test_a_malformed_table_is_an_error_of_its_case(tmp_path: Path, table: str,
                                                   message: str) -> None:
    from meshgov.core.cases import run_case_file
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig

    path = tmp_path / "t.cases.yaml"
    path.write_text("policy: {id: T-1, kind: data, rule: not_null, tables: [a.b.c], column: n}\n"
                    f"cases:\n  - name: bad\n    table: {table}\n    expect: []\n")
    for settings in (None, {"table": {"db": "sqlite"}}):
        [got] = run_case_file(load_case_file(path), DomainConfig(root=tmp_path),
                              Catalog(policies={}), settings=settings)
        assert not got.passed and message in (got.error or ""), got.error


def test_data_cases_run_again_in_each_database_given(run_cli, monkeypatch,
                                                     tmp_path: Path) -> None:
    hr = _copy_hr(tmp_path)
    monkeypatch.chdir(hr)
    code, out, _ = run_cli("policy", "test", "-v", "--data-db", "sqlite")
    assert code == 0, out
    assert "rule cases: PASS: 14/14" in out  # 11, and the 3 data cases again
    assert "MG-D-001 zero and negative numbers fail, counted [sqlite]: PASS" in out
    assert "MG-C-002 a star in a view fails at its position [sqlite]" not in out
    code, out, err = run_cli("policy", "test", "--data-db", "no url at all")
    assert code == 2 and "--data-db 'no url at all': not a database URL" in out + err


def test_a_dbt_case_stays_inside_its_project(tmp_path: Path) -> None:
    from meshgov.code.cases import run_dbt_case
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig
    from meshgov.core.model import Policy

    policy = Policy(id="P", kind="code", title="t", severity="error", rule="dbt_owner")
    for bad, message in [({"files": {"../escape.sql": "SELECT 1"}}, "outside the project"),
                         ({"files": {}}, "needs `files`"), ("SELECT 1", "needs `files`")]:
        with pytest.raises(ValueError, match=message):
            run_dbt_case(bad, policy, DomainConfig(root=tmp_path), Catalog(policies={"P": policy}), {})
    assert not (tmp_path.parent / "escape.sql").exists()


def test_expected_findings_match_distinct_findings() -> None:
    def f(line: int, **evidence: object) -> Finding:
        return Finding("P", "code", "error", "m", Subject("sql", "a.sql", None),
                       Location("a.sql", line, 1), evidence=dict(evidence))

    two = [f(1), f(1)]
    assert compare([{"line": 1}, {"line": 1}], two) == ((), ())
    missing, extra = compare([{"line": 1}], two)
    assert missing == () and extra == (two[1],)
    missing, extra = compare([{"line": 1}, {"line": 1, "col": 1}, {"field": "x"}], [f(1, field="x")])
    assert len(missing) == 2 and extra == ()
    assert compare([{"policy": "P"}], [f(1)]) == ((), ())
    assert compare([{"policy": "MG-INPUT"}], [f(1)])[0] == ({"policy": "MG-INPUT"},)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["policy", "cases", "name", "sql", "dbt", "resource", "table", "tables",
                                 "expect", "params", "domain", "id", "kind", "x"]), inner,
                                max_size=4)),
    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=_VALUES, raw=st.binary(max_size=60))
def test_any_case_file_loads_or_is_a_usage_error(tmp_path_factory, doc, raw) -> None:
    import yaml

    d = tmp_path_factory.mktemp("fuzz")
    for i, data in enumerate([yaml.safe_dump(doc).encode(), raw]):
        path = d / f"f{i}.cases.yaml"
        path.write_bytes(data)
        try:
            cf = load_case_file(path)
        except UsageError as exc:
            assert str(path) in str(exc)
        else:
            assert cf.policy and all(c.input in ("sql", "dbt", "resource", "table", "tables")
                                     for c in cf.cases)
