"""Normalizers as data (tests/infra/cases/normalizers/*.yaml), from_rest, and fuzzing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.infra.normalize import APIS, NormalizeError, from_rest
from meshgov.infra.normalize.files import normalize_text

from .infra_support import CASES

CASE_FILES = sorted((CASES / "normalizers").glob("*.yaml"))


def _cases() -> list[Any]:
    out = []
    for f in CASE_FILES:
        doc = yaml.safe_load(f.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(case.get("kind", doc["normalizer"]), case,
                                    id=f"{f.stem}: {case['name']}"))
    return out


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


@pytest.mark.parametrize(("kind", "case"), _cases())
def test_normalizer_case(kind: str, case: dict, tmp_path: Path) -> None:
    path, directory = "in.txt", None
    if "files" in case:  # a bundle with the files it includes, written next to it
        path, directory = "databricks.yml", tmp_path
        (tmp_path / path).write_text(case["text"])
        for rel, text in case["files"].items():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(text)
    if "error" in case:
        with pytest.raises(NormalizeError) as info:
            normalize_text(kind, case["text"], path, directory)
        assert case["error"]["contains"] in info.value.message
        if "line" in case["error"]:
            assert info.value.line == case["error"]["line"]
        if "path" in case["error"]:
            assert info.value.path == case["error"]["path"]
        return
    resources = normalize_text(kind, case["text"], path, directory)
    assert [r.address for r in resources] == [e["address"] for e in case["expect"]]
    for r, e in zip(resources, case["expect"]):
        assert r.type == e["type"]
        assert r.source.path == e.get("path", path), r.address
        if "line" in e:
            assert r.source.line == e["line"], r.address
        assert _subset(e.get("spec", {}), dict(r.spec)), (r.address, dict(r.spec))
        assert _subset(e.get("context", {}), dict(r.context)), (r.address, dict(r.context))


# -- from_rest: the nightly audit's entry point ------------------------------------------------

REST_OBJECTS = {
    "cluster": {"cluster_id": "0101-x", "num_workers": 1, "state": "RUNNING"},
    "warehouse": {"id": "abc", "name": "w", "cluster_size": "Small"},
    "job": {"job_id": 7, "settings": {"name": "j", "job_clusters": [{"job_cluster_key": "k", "new_cluster": {}}]}},
    "cluster_policy": {"policy_id": "P1", "name": "p", "definition": "{}"},
    "grants": {"privilege_assignments": [{"principal": "users", "privileges": ["SELECT"]}],
               "securable_type": "schema", "full_name": "c.s"},
    "workspace_conf": {"enableIpAccessLists": "true"},
    "catalog": {"name": "c", "owner": "o", "full_name": "c"},
    "schema": {"name": "s", "catalog_name": "c", "owner": "o"},
}


@pytest.mark.parametrize("api", sorted(APIS))
def test_from_rest_every_api(api: str) -> None:
    resources = from_rest(api, REST_OBJECTS[api], source="https://adb-1.azuredatabricks.net",
                          workspace="adb-1")
    assert resources[0].type == APIS[api][0]
    assert resources[0].context["workspace"] == "adb-1"
    assert resources[0].source.path == "https://adb-1.azuredatabricks.net"
    json.dumps(resources[0].to_input())  # plain JSON
    if api == "job":
        assert [r.address for r in resources] == ["jobs/7", "jobs/7.job_clusters[k]"]
    if api == "workspace_conf":
        assert resources[0].address == "workspace-conf/adb-1"
    if api == "schema":
        assert resources[0].address == "schemas/c.s"


def test_from_rest_rejects_unknown_api_and_non_objects() -> None:
    with pytest.raises(NormalizeError):
        from_rest("pipeline", {}, source="x")
    with pytest.raises(NormalizeError):
        from_rest("cluster", [], source="x")  # type: ignore[arg-type]


def test_plan_sensitive_values_are_marked() -> None:
    text = json.dumps({"format_version": "1.2", "resource_changes": [{
        "address": "databricks_cluster.c", "type": "databricks_cluster",
        "change": {"actions": ["create"], "after": {"spark_env_vars": {"TOKEN_X": "abcdefgh1234"}},
                   "after_sensitive": {"spark_env_vars": {"TOKEN_X": True}}}}]})
    [res] = normalize_text("terraform_plan", text, "p.json")
    assert "abcdefgh1234" in res.sensitive


# -- fuzzing: malformed input never crashes, it is a NormalizeError (MG-INPUT) ----------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYS = ["format_version", "resource_changes", "change", "actions", "after", "after_sensitive",
        "after_unknown", "type", "address", "mode", "resources", "targets", "jobs", "tasks",
        "job_clusters", "new_cluster", "settings", "definition", "grant", "custom_config", "$schema"]
plan_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(
        ["1.2", "create", "update", "delete", "databricks_cluster", "databricks_job",
         "databricks_grants", "databricks_cluster_policy", "azurerm_databricks_workspace"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=30,
)
KINDS = ["terraform_plan", "databricks_bundle", "arm_template", "databricks_cluster_spec",
         "databricks_job_spec", "databricks_cluster_policy_spec", "databricks_grants_spec",
         "databricks_workspace_conf_spec"]


def _normalize_never_crashes(kind: str, text: str) -> None:
    try:
        resources = normalize_text(kind, text, "fuzz")
    except NormalizeError as err:
        assert err.message
        return
    for r in resources:
        json.dumps(r.to_input())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), value=plan_like)
def test_fuzz_structured(kind: str, value: Any) -> None:
    _normalize_never_crashes(kind, json.dumps(value))


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(KINDS), text=st.text(max_size=60))
def test_fuzz_text(kind: str, text: str) -> None:
    _normalize_never_crashes(kind, text)


@settings(max_examples=60, deadline=None)
@given(value=json_values)
def test_fuzz_plan_envelope(value: Any) -> None:
    doc = {"format_version": "1.2", "resource_changes": [
        {"address": "databricks_cluster.x", "type": "databricks_cluster", "change": {"actions": ["create"], "after": value}}]}
    _normalize_never_crashes("terraform_plan", json.dumps(doc))
