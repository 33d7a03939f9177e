"""#18.4: a YAML alias bomb in any file meshgov reads ends the run quickly, with a finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshgov.core.yamlio import YamlError, compose, loads

from .hostile import alias_bomb, run_meshgov


def test_the_bomb_is_small_and_refused_by_every_reader() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 800
    with pytest.raises(YamlError, match="alias bomb"):
        loads(bomb, "b.yml")
    with pytest.raises(YamlError, match="alias bomb"):
        compose(bomb, "b.yml")
    with pytest.raises(YamlError, match="recursive"):
        loads("a: &a [1, *a]\n", "r.yml")


def test_shared_anchors_of_real_files_still_load() -> None:
    text = ("defaults: &d {num_workers: 2, spark_version: 15.4.x}\n"
            "a: {<<: *d, name: a}\nb: *d\nc: [*d, *d]\nnote: 'select * from x & y'\n")
    assert loads(text)["c"][1]["num_workers"] == 2


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "dbt" / "models").mkdir(parents=True)
    (repo / "bundle").mkdir()
    (repo / "meshgov.yaml").write_text("domain: sales\ncatalogs: [sales_prod]\n")
    (repo / "dbt" / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: p\n")
    (repo / "dbt" / "models" / "m.sql").write_text("select id from {{ ref('n') }}\n")
    (repo / "dbt" / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    description: ok\n" + alias_bomb(key="s"))
    (repo / "bundle" / "databricks.yml").write_text("bundle: {name: b}\n" + alias_bomb(key="b"))
    return repo


@pytest.mark.slow
def test_bombs_in_schema_and_bundle_are_mg_input_within_limits(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    r = run_meshgov("check", str(repo), "-f", "json", cwd=repo)
    assert r.code == 1, r.err
    inputs = [f for f in json.loads(r.out)["findings"] if f["policy_id"] == "MG-INPUT"]
    where = {f["location"]["path"] for f in inputs if "alias bomb" in f["message"]}
    assert {"dbt/models/schema.yml", "bundle/databricks.yml"} <= where, inputs


@pytest.mark.slow
@pytest.mark.parametrize("name", ["meshgov.yaml", "pack.yaml"])
def test_bombs_in_configuration_are_a_clear_error(tmp_path: Path, name: str) -> None:
    repo = _repo(tmp_path)
    if name == "pack.yaml":
        pack = repo / "council"
        pack.mkdir()
        (pack / "pack.yaml").write_text("name: council\n" + alias_bomb(key="p"))
        (repo / "meshgov.yaml").write_text("domain: sales\npolicies: {packs: [builtin, council]}\n")
    else:
        (repo / "meshgov.yaml").write_text("domain: sales\n" + alias_bomb(key="m"))
    r = run_meshgov("check", str(repo), cwd=repo)
    assert r.code == 2, (r.out, r.err)
    assert "alias bomb" in r.err and name in r.err
