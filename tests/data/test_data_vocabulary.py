"""The data rule vocabulary: validation errors name file and key; malformed YAML never crashes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.core.errors import ConfigError
from meshgov.data.vocabulary import COMMON_KEYS, RULES, duration_seconds, validate_policy

T = ["hr_prod.published.EMPLOYEES"]


def _err(rule: Any, **extra: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate_policy(rule, extra, "pack/data.yaml", "policies[3]")
    assert info.value.file == "pack/data.yaml"
    return info.value


@pytest.mark.parametrize(
    ("rule", "extra", "key", "text"),
    [
        ("nope", {"tables": T, "column": "a"}, "policies[3].rule", "expected a data rule"),
        (None, {"tables": T}, "policies[3].rule", "expected a data rule"),
        ("positive", {"tables": T}, "policies[3].column", "required"),
        ("positive", {"column": "a"}, "policies[3].tables", "required"),
        ("positive", {"tables": T, "column": "a", "min": 3}, "policies[3].min", "unknown parameter"),
        ("between", {"tables": T, "column": "a"}, "policies[3].min", "at least one of min, max"),
        ("between", {"tables": T, "column": "a", "min": "1"}, "policies[3].min", "number"),
        ("between", {"tables": T, "column": "a", "min": 5, "max": 1}, "policies[3].max", "max >= min"),
        ("between", {"tables": T, "column": "a", "min": True}, "policies[3].min", "number"),
        ("in_set", {"tables": T, "column": "a", "values": []}, "policies[3].values", "non-empty"),
        ("in_set", {"tables": T, "column": "a", "values": [{}]}, "policies[3].values", "list of"),
        ("matches_regex", {"tables": T, "column": "a", "regex": "("}, "policies[3].regex", "invalid"),
        ("max_length", {"tables": T, "column": "a", "length": -1}, "policies[3].length", ">= 0"),
        ("max_length", {"tables": T, "column": "a", "length": 2.5}, "policies[3].length", "whole"),
        ("row_count_between", {"tables": T, "column": "a", "min": 1}, "policies[3].column", "no column"),
        ("row_count_between", {"tables": T, "min": 1, "mostly": 0.5}, "policies[3].mostly", "does not take"),
        ("freshness", {"tables": T, "column": "a", "max_age": "soon"}, "policies[3].max_age", "duration"),
        ("freshness", {"tables": T, "column": "a"}, "policies[3].max_age", "required"),
        ("pii_masked", {"tables": T, "column": "a"}, "policies[3].mask", "required"),
        ("referential", {"tables": T, "column": "a", "ref_table": "x"}, "policies[3].ref_column", "required"),
        ("expectation", {"tables": T, "expectation": "drop table"}, "policies[3].expectation", "GX expectation"),
        ("expectation", {"tables": T, "expectation": "expect_x", "kwargs": [1]}, "policies[3].kwargs", "mapping"),
        ("not_null", {"tables": T, "column": "a", "mostly": 1.5}, "policies[3].mostly", "(0, 1]"),
        ("not_null", {"tables": T, "column": "a", "mostly": 0}, "policies[3].mostly", "(0, 1]"),
        ("not_null", {"tables": "", "column": "a"}, "policies[3].tables", "list of table"),
        ("not_null", {"select": {"owner": "x"}, "column": "a"}, "policies[3].select.owner", "unknown key"),
        ("not_null", {"select": {}, "column": "a"}, "policies[3].select", "mapping"),
        ("not_null", {"tables": T, "column": "a", "where": {"column": "s", "op": "~"}}, "policies[3].where.op", "expected one of"),
        ("not_null", {"tables": T, "column": "a", "where": {"column": "s"}}, "policies[3].where.value", "required"),
        ("not_null", {"tables": T, "column": "a", "where": [{"column": "s", "op": "in", "value": 3}]}, "policies[3].where[0].value", "list"),
        ("not_null", {"tables": T, "column": "a", "where": {"column": "s", "op": "is_null", "value": 1}}, "policies[3].where.value", "takes no value"),
        ("not_null", {"tables": T, "column": "a", "where": {"col": "s"}}, "policies[3].where.col", "unknown key"),
        ("not_null", {"tables": T, "column": "a", "where": []}, "policies[3].where", "condition"),
    ],
)
def test_errors_name_file_and_key(rule: Any, extra: dict, key: str, text: str) -> None:
    err = _err(rule, **extra)
    assert err.key == key, str(err)
    assert text in err.expected, str(err)


def test_valid_policies_normalize() -> None:
    rule, params = validate_policy("between", {"tables": "a.b.C", "column": "x", "min": 1,
                                               "mostly": 1, "where": {"column": "s", "value": "a"}},
                                   "f", "k")
    assert rule == "between"
    assert params == {"tables": ["a.b.C"], "column": "x", "min": 1, "mostly": 1.0,
                      "where": [{"column": "s", "op": "==", "value": "a"}]}
    _, params = validate_policy("expectation", {"select": {"tag": "core"}, "column": "x",
                                                "expectation": "expect_column_values_to_be_unique"},
                                "f", "k")
    assert params["kwargs"] == {"column": "x"}
    assert duration_seconds("36h") == 129600 and duration_seconds("1.5d") == 129600


def test_every_rule_documents_an_example() -> None:
    for spec in RULES.values():
        assert spec.example and spec.summary


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                     st.text(max_size=6))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
_keys = st.sampled_from(sorted({*COMMON_KEYS, "min", "max", "values", "regex", "length",
                                "max_age", "mask", "ref_table", "ref_column", "expectation",
                                "kwargs", "strict_min", "bogus", "select"}))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=st.one_of(st.sampled_from(sorted(RULES)), _scalars),
       extra=st.dictionaries(_keys, _values, max_size=6))
def test_malformed_policies_raise_config_error_never_crash(rule: Any, extra: dict) -> None:
    try:
        name, params = validate_policy(rule, extra, "f.yaml", "policies[0]")
    except ConfigError as exc:
        assert exc.file == "f.yaml" and exc.key.startswith("policies[0]")
        return
    assert name in RULES
    from meshgov.data.compile import expectation_for  # a valid policy always compiles
    from meshgov.core.model import Policy

    cfg = expectation_for(Policy(id="P", kind="data", title="t", rule=name, params=params))
    assert cfg["type"].startswith("expect_")


def test_catalog_load_and_sql_check_do_not_import_heavy_libraries(fixtures_dir: Path) -> None:
    hr = fixtures_dir / "domains" / "hr"
    code = (
        "import sys\n"
        "from meshgov.api import evaluate\n"
        f"evaluate([{str(hr / 'sql')!r}], config={str(hr / 'meshgov.yaml')!r}, kinds=('code',))\n"
        "from meshgov.core.catalog import load_catalog\n"
        "from meshgov.core.config import load_config\n"
        f"load_catalog(load_config(__import__('pathlib').Path({str(hr / 'meshgov.yaml')!r})), ('code', 'data'))\n"
        "heavy = [m for m in ('great_expectations', 'pandas', 'pyarrow', 'sqlalchemy', 'pyspark')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    script = Path(__file__).parent / ".." / ".."  # run as a file so __main__ has __file__
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=script, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
