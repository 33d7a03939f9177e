"""#18.8, #18.10: a malformed plan or a field of the wrong type is MG-INPUT, never a silent pass."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.files import normalize_text
from meshgov.infra.normalize.terraform import from_plan
from meshgov.infra.normalize.typed import BOOLEANS, NUMBERS

AFTER = {"cluster_name": "c", "num_workers": 99, "autotermination_minutes": 10,
         "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge"}


def plan(after: Any = None, actions: Any = ("create",), changes: Any = "default") -> str:
    rc = {"address": "databricks_cluster.c", "mode": "managed", "type": "databricks_cluster",
          "name": "c", "change": {"actions": list(actions) if isinstance(actions, tuple) else actions,
                                  "before": None, "after": AFTER if after is None else after,
                                  "after_unknown": {}}}
    doc: dict[str, Any] = {"format_version": "1.2", "resource_changes": [rc]}
    if changes != "default":
        doc["resource_changes"] = changes
    return json.dumps(doc, indent=1, allow_nan=True)


REFUSED = [  # (plan text, what the message says)
    (plan(actions="create"), 'change.actions is "create"'),
    (plan(actions=("CREATE",)), 'change.actions is ["CREATE"]'),
    (plan(actions=()), "change.actions is []"),
    (plan(actions=None), "change.actions is null"),
    (plan(changes=None), "resource_changes is null, expected a list"),
    (plan(changes={}), "resource_changes is an object, expected a list"),
    (plan({**AFTER, "num_workers": float("nan")}), "NaN is not a JSON number"),
    (plan({**AFTER, "num_workers": float("inf")}), "Infinity is not a JSON number"),
    (plan({**AFTER, "num_workers": "NUM"}).replace('"NUM"', "1e400"), "the number 1e400 is out of range"),
    (plan({**AFTER, "num_workers": "NUM"}).replace('"NUM"', "9" * 100_000), "an integer of 100,000 digits"),
    (plan({**AFTER, "num_workers": "many"}), "num_workers is 'many', expected a finite number"),
    (plan({**AFTER, "num_workers": True}), "num_workers is True, expected a finite number"),
    (plan({**AFTER, "autoscale": [{"max_workers": [1]}]}), "autoscale.max_workers is [1]"),
    (plan({**AFTER, "enable_local_disk_encryption": "yes"}), "enable_local_disk_encryption is 'yes'"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_malformed_plans_are_refused_with_a_line(text: str, message: str) -> None:
    with pytest.raises(NormalizeError) as err:
        from_plan(text, "plan.json")
    assert message in err.value.message
    assert err.value.line is not None


def test_coercible_values_are_coerced_as_terraform_would() -> None:
    [r] = from_plan(plan({**AFTER, "num_workers": "99", "enable_local_disk_encryption": "true",
                          "autoscale": [{"max_workers": " 40 "}]}), "plan.json")
    assert r.spec["num_workers"] == 99 and r.spec["enable_local_disk_encryption"] is True
    assert r.spec["autoscale"]["max_workers"] == 40


def test_an_absent_resource_changes_is_a_plan_without_changes() -> None:
    assert from_plan(json.dumps({"format_version": "1.2"}), "plan.json") == []


def test_the_cli_reports_mg_input_and_fails(run_cli, tmp_path: Path) -> None:
    p = tmp_path / "plan.json"
    p.write_text(plan({**AFTER, "num_workers": "99 workers"}))
    code, out, _ = run_cli("check", str(p), "--kinds", "infra", "-f", "json")
    doc = json.loads(out)
    assert code == 1
    [f] = doc["findings"]
    assert f["policy_id"] == "MG-INPUT" and f["location"]["line"] and "num_workers" in f["message"]


def test_bundle_fields_are_typed_too() -> None:
    text = ("bundle: {name: b}\nresources:\n  clusters:\n    c:\n      cluster_name: c\n"
            "      num_workers: .nan\n")
    with pytest.raises(NormalizeError, match="num_workers is nan"):
        normalize_text("databricks_bundle", text, "databricks.yml", Path("."))


# -- fuzz: whatever a field holds, the rule sees a number (or a placeholder) or the run refuses --

values = st.one_of(st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
                   st.booleans(), st.none(), st.text(max_size=8), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
fields = st.sampled_from(sorted({f for fs in (*NUMBERS.values(), *BOOLEANS.values()) for f in fs}
                                & {"num_workers", "autotermination_minutes", "autoscale.max_workers",
                                   "enable_local_disk_encryption"}))


@settings(max_examples=300, deadline=None)
@given(field=fields, value=values, actions=st.one_of(
    st.just(["create"]), st.lists(st.sampled_from(["create", "update", "Create", "delete", 1, None]),
                                  max_size=3), st.text(max_size=6)))
def test_fuzzed_field_values_are_typed_or_refused(field: str, value: Any, actions: Any) -> None:
    after = dict(AFTER)
    if "." in field:
        block, leaf = field.split(".")
        after[block] = [{leaf: value}]
    else:
        after[field] = value
    try:
        resources = from_plan(plan(after, actions=actions), "plan.json")
    except NormalizeError as exc:
        assert exc.message
        return
    for r in resources:
        got: Any = r.spec
        for part in field.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        if field in NUMBERS["cluster"]:
            assert got is None or (isinstance(got, (int, float)) and not isinstance(got, bool)
                                   and math.isfinite(got)), got
        else:
            assert got is None or isinstance(got, bool), got
