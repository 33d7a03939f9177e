"""Bundles with include: classification of included files, the pre-commit path, fuzzing."""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.core.discovery import discover
from meshgov.infra.classify import BUNDLE_INCLUDE, MAX_BUNDLE_LEVELS, classify, including_bundle
from meshgov.infra.normalize import NormalizeError
from meshgov.infra.normalize.files import normalize_text

BUNDLE = textwrap.dedent("""\
    bundle: {name: b}
    include:
      - resources/*.yml
    run_as: {service_principal_name: sp}
    targets:
      dev: {default: true}
      prod:
        resources:
          sql_warehouses:
            w: {cluster_size: 4X-Large}
    """)
JOBS = textwrap.dedent("""\
    resources:
      jobs:
        nightly:
          name: nightly
          max_concurrent_runs: 1
    """)  # no timeout_seconds: MG-I-021 (warning) in each target
WAREHOUSES = textwrap.dedent("""\
    # warehouses
    resources:
      sql_warehouses:
        w: {cluster_size: Small, auto_stop_mins: 10, enable_serverless_compute: true}
    """)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    return write(tmp_path, {"databricks.yml": BUNDLE, "resources/jobs.yml": JOBS,
                            "resources/warehouses.yml": WAREHOUSES, "resources/notes.yaml": "a: 1\n",
                            "other/unrelated.yml": "a: 1\n"})


# -- classification -------------------------------------------------------------------------

def test_included_yaml_is_classified_through_its_bundle(bundle: Path) -> None:
    assert classify(bundle / "resources" / "jobs.yml") == BUNDLE_INCLUDE
    assert including_bundle(bundle / "resources" / "jobs.yml") == bundle / "databricks.yml"
    assert classify(bundle / "databricks.yml") == "databricks_bundle"
    # not matched by the bundle's patterns: stays unclassified
    assert classify(bundle / "resources" / "notes.yaml") is None
    assert classify(bundle / "other" / "unrelated.yml") is None


def test_yaml_without_a_bundle_and_bundle_without_include(tmp_path: Path) -> None:
    write(tmp_path, {"a/x.yml": "a: 1\n", "b/databricks.yml": "bundle: {name: b}\n", "b/y.yml": "a: 1\n"})
    assert classify(tmp_path / "a" / "x.yml") is None
    assert classify(tmp_path / "b" / "y.yml") is None


def test_upward_search_is_bounded_and_stops_at_the_repository(tmp_path: Path) -> None:
    deep = "/".join(f"d{i}" for i in range(MAX_BUNDLE_LEVELS))
    write(tmp_path, {"x.yml": "a: 1\n", "repo/.git/HEAD": "ref\n", "repo/y.yml": "a: 1\n",
                     f"{deep}/z.yml": "a: 1\n"})
    (tmp_path / "databricks.yml").write_text("include: ['*.yml', 'repo/*.yml', '" + deep + "/*.yml']\n")
    assert classify(tmp_path / "x.yml") == BUNDLE_INCLUDE
    assert classify(tmp_path / "repo" / "y.yml") is None  # .git: the search ends at the repo root
    assert classify(tmp_path / deep / "z.yml") is None  # more than MAX_BUNDLE_LEVELS up


def test_code_classification_of_yaml_is_not_disturbed(tmp_path: Path) -> None:
    """dbt files stay code inputs even when a bundle includes every YAML file."""
    write(tmp_path, {
        "databricks.yml": "include: ['*/*.yml', '*/*/*.yml', '*.yaml']\n",
        "dbt/dbt_project.yml": "name: p\nversion: '1'\n",
        "dbt/models/schema.yml": "version: 2\nmodels:\n  - name: m\n",
        "dbt/models/m.sql": "select 1 as a\n",
        "resources/jobs.yml": JOBS,
        "meshgov.yaml": "domain: d\n",
    })
    found = {i.rel: (i.kind, i.type) for i in discover([tmp_path], tmp_path)}
    assert found["dbt/models/schema.yml"] == ("code", "dbt_schema")
    assert found["dbt/dbt_project.yml"] == ("code", "dbt_project")
    assert found["dbt/models/m.sql"] == ("code", "dbt_model")
    assert found["resources/jobs.yml"] == ("infra", BUNDLE_INCLUDE)
    assert found["databricks.yml"] == ("infra", "databricks_bundle")
    assert "meshgov.yaml" not in found


def test_symlink_leading_outside_the_tree_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"outside/x.yml": "resources: {clusters: {c: {num_workers: 1}}}\n",
                     "repo/b/databricks.yml": "include: ['resources/*.yml']\n"})
    (tmp_path / "repo" / "b" / "resources").symlink_to(tmp_path / "outside")
    with pytest.raises(NormalizeError) as info:
        normalize_text("databricks_bundle", "include: ['resources/*.yml']\n", "b/databricks.yml",
                       tmp_path / "repo" / "b")
    assert "resolves outside the checked tree" in info.value.message
    assert info.value.path == "b/databricks.yml" and info.value.line == 1


def test_an_include_may_go_up_within_the_checked_tree(tmp_path: Path) -> None:
    """databricks/bundle-examples' ingestion monitoring bundles include ../common/vars/*.yml:
    the CLI deploys them; above the domain root is refused."""
    write(tmp_path, {"common/jobs.yml": "resources: {jobs: {shared: {name: s}}}\n",
                     "b/databricks.yml": "include: ['../common/*.yml']\n"})
    res = normalize_text("databricks_bundle", "include: ['../common/*.yml']\n", "b/databricks.yml",
                         tmp_path / "b")
    assert [(r.address, r.source.path) for r in res] == [("resources.jobs.shared", "common/jobs.yml")]
    with pytest.raises(NormalizeError) as info:
        normalize_text("databricks_bundle", "include: ['../../x.yml']\n", "b/databricks.yml",
                       tmp_path / "b")
    assert "points outside the checked tree" in info.value.message


# -- the pre-commit path: explicit files ----------------------------------------------------

def _findings(out: str) -> list[tuple[str, str, int, str]]:
    doc = json.loads(out)
    return sorted((f["location"]["path"], f["policy_id"], f["location"]["line"], f["subject"]["ref"])
                  for f in doc["findings"])


def test_check_an_included_file_evaluates_its_bundle(run_cli, bundle: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bundle)
    code, out, _ = run_cli("check", "resources/jobs.yml", "--kinds", "code,infra", "-f", "json")
    assert code == 1
    assert _findings(out) == [
        ("resources/jobs.yml", "MG-I-021", 3, "resources.jobs.nightly@dev"),
        ("resources/jobs.yml", "MG-I-021", 3, "resources.jobs.nightly@prod"),
        ("resources/warehouses.yml", "MG-I-001", 4, "resources.sql_warehouses.w@prod"),
    ]
    # the bundle and several of its files: one evaluation, the same findings
    code, out2, _ = run_cli("check", "resources/warehouses.yml", "databricks.yml", "resources/jobs.yml",
                            "--kinds", "code,infra", "-f", "json")
    assert code == 1 and _findings(out2) == _findings(out)
    # a YAML file no bundle includes: nothing to evaluate
    code, out3, _ = run_cli("check", "other/unrelated.yml", "--kinds", "code,infra", "-f", "json")
    assert code == 0 and json.loads(out3)["findings"] == []


def test_an_included_json_file_is_bundle_configuration(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = json.dumps(yaml.safe_load(JOBS), indent=1)
    write(tmp_path, {"databricks.yml": BUNDLE.replace("- resources/*.yml", "- resources/*.json"),
                     "resources/nightly.job.json": jobs, "elsewhere/nightly.job.json": "{}"})
    # included: bundle configuration even with a REST-spec name; not included: what its name says
    assert classify(tmp_path / "resources" / "nightly.job.json") == BUNDLE_INCLUDE
    assert classify(tmp_path / "elsewhere" / "nightly.job.json") == "databricks_job_spec"
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("check", "resources/nightly.job.json", "--kinds", "infra", "-f", "json")
    assert code == 1
    found = [(p, pid, ref) for p, pid, _, ref in _findings(out)]
    assert [f for f in found if f[1] == "MG-I-021"] == [
        ("resources/nightly.job.json", "MG-I-021", "resources.jobs.nightly@dev"),
        ("resources/nightly.job.json", "MG-I-021", "resources.jobs.nightly@prod"),
    ]
    assert ("databricks.yml", "MG-I-001", "resources.sql_warehouses.w@prod") in found  # the bundle's own


def test_check_with_a_domain_config_names_files_from_the_domain_root(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"meshgov.yaml": "domain: sales\n", "infra/databricks.yml": BUNDLE,
                     "infra/resources/jobs.yml": JOBS, "infra/resources/warehouses.yml": WAREHOUSES})
    monkeypatch.chdir(tmp_path / "infra" / "resources")
    code, out, _ = run_cli("check", "jobs.yml", "-f", "json")
    assert code == 1
    paths = {p for p, *_ in _findings(out)}
    assert paths == {"infra/resources/jobs.yml", "infra/resources/warehouses.yml"}
    assert {f["subject"]["domain"] for f in json.loads(out)["findings"]} == {"sales"}


def test_unreadable_included_file_is_mg_input_located_in_it(run_cli, bundle: Path,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (bundle / "resources" / "jobs.yml").write_text("resources:\n  jobs:\n    j: {name: [unclosed\n")
    monkeypatch.chdir(bundle)
    code, out, _ = run_cli("check", "resources/jobs.yml", "databricks.yml", "-f", "json")
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert finding["policy_id"] == "MG-INPUT"
    assert finding["location"] == {"path": "resources/jobs.yml", "line": 4, "column": 1}
    assert finding["subject"]["ref"] == "databricks.yml"  # the bundle that could not be read
    assert "invalid YAML in included file resources/jobs.yml" in finding["message"]


# -- fuzzing: no include configuration crashes the normalizer -------------------------------

SEGMENTS = st.sampled_from(["resources", "r", "*", "**", "?", "*.yml", "*.yaml", "[ab]*.yml", "[^a]*",
                            "[", "[]", "\\", "..", ".", "", "x.yml", "databricks.yml", "a.json",
                            "notes.md", "[a-]"])
PATTERNS = (st.sampled_from(["resources/*.yml", "resources/*.yaml", "*/*.yml", "*.yml", "r/x.yml",
                             "resources/**/*.yml", "resources/[ab].y*ml", "*.json"])
            | st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join) | st.text(max_size=12))
CONTENTS = st.sampled_from([
    "", "resources: {jobs: {j: {name: j}}}\n", "resources: {jobs: {k: {tasks: [{task_key: a}]}}}\n",
    "resources: {clusters: {j: {num_workers: 1}}}\n", "- a\n", "resources: [x]\n", "resources: {jobs: [1]}\n",
    "targets: {prod: {resources: {jobs: {j: {max_concurrent_runs: 9}}}}}\n", "targets: [1]\n",
    "include: ['*.yml']\n", "run_as: {user_name: u}\n", "{unclosed\n", "resources: {jobs: {j: 3}}\n",
    "bundle: 1\n", "\xff", "a: !!binary AAAA\n",
])
NAMES = st.sampled_from(["resources/a.yml", "resources/b.yaml", "r/x.yml", "x.yml", "bundle.yml",
                         "resources/deep/c.yml", "notes.md", "a.json", "resources/[x].yml"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(include=st.lists(PATTERNS, min_size=1, max_size=4) | st.sampled_from([None, 3, "r/*.yml", [1], []]),
       files=st.dictionaries(NAMES, CONTENTS, max_size=5),
       root=st.sampled_from(["resources: {jobs: {j: {name: j}}}\n", "targets: {prod: {}}\n", ""]))
def test_fuzz_include_never_crashes(include: object, files: dict[str, str], root: str) -> None:
    text = yaml.safe_dump({"include": include}, width=10_000) + root
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "bundle"
        d.mkdir()
        (d / "databricks.yml").write_text(text)
        for rel, content in files.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(content.encode("latin-1") if content == "\xff" else content.encode())
        try:
            resources = normalize_text("databricks_bundle", text, "databricks.yml", d)
        except NormalizeError as err:
            assert err.message
            assert err.path is None or not os.path.isabs(err.path)
            return
        for r in resources:
            json.dumps(r.to_input())
            assert r.source.path is not None and not r.source.path.startswith(("/", ".."))
            assert (d / r.source.path).is_file()


def test_a_bundle_created_after_a_run_is_seen_by_the_next_run(tmp_path: Path) -> None:
    """Classifier caches live for one discovery: a notebook calling evaluate() twice sees new files."""
    from meshgov.core.discovery import discover

    (tmp_path / ".git").mkdir()
    (tmp_path / "resources").mkdir()
    job = tmp_path / "resources" / "jobs.yml"
    job.write_text("resources:\n  jobs:\n    nightly:\n      name: nightly\n")
    assert discover([job], tmp_path, kinds=("infra",)) == []
    (tmp_path / "databricks.yml").write_text("bundle: {name: b}\ninclude: [resources/*.yml]\n")
    assert [i.type for i in discover([job], tmp_path, kinds=("infra",))] == ["databricks_bundle_include"]


def test_a_job_merged_from_an_anchor_points_at_its_file_and_line(tmp_path: Path) -> None:
    """bundle-examples' target_includes defines jobs under targets with ``<<: *anchor``: the
    finding's place is the anchored definition in the included file, not the root without a line."""
    write(tmp_path, {"resources/jobs.yml": "cfg: &cfg\n  j:\n    name: j\n"
                                           "targets:\n  dev:\n    resources:\n      jobs:\n        <<: *cfg\n",
                     "databricks.yml": "bundle: {name: b}\ninclude: ['resources/*.yml']\ntargets:\n  dev: {}\n"})
    res = normalize_text("databricks_bundle", (tmp_path / "databricks.yml").read_text(),
                         "databricks.yml", tmp_path)
    (job,) = [r for r in res if r.type == "job"]
    assert (job.source.path, job.source.line) == ("resources/jobs.yml", 2)


def test_a_file_two_bundles_include_is_reported_once(tmp_path, run_cli, monkeypatch) -> None:
    """Two bundles including one shared resource file: its findings are the same lines (same
    place, same words), listed once, not once per bundle."""
    import json

    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "job.yml").write_text(
        "resources:\n  jobs:\n    nightly:\n      name: nightly\n      tasks:\n"
        "        - task_key: t\n          new_cluster: {spark_version: 15.4.x-scala2.12, "
        "node_type_id: x, num_workers: 90}\n")
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "databricks.yml").write_text(
            f"bundle:\n  name: {name}\ninclude:\n  - ../shared/job.yml\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("check", ".", "--kinds", "infra", "-f", "json")
    keys = [(f["policy_id"], f["location"]["path"], f["location"]["line"], f["message"])
            for f in json.loads(out)["findings"]]
    assert code == 1 and ("MG-I-011", "shared/job.yml", 7,
                          "cluster num_workers 90 is above the allowed 20") in keys
    assert len(keys) == len(set(keys)), keys
