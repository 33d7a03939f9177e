"""Terraform as written: *.tf, *.tfvars and local modules give the findings their plan gives.

fixtures/infra/hcl is a module with variables, terraform.tfvars and a *.auto.tfvars that
overrides it, locals, count, for_each, a data source, another resource's attribute and a local
module; fixtures/infra/hcl_plan/plan.json is its plan (what `terraform show -json` gives for it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.hcl import load_module

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "infra"
HCL = FIXTURES / "hcl"
PLAN = FIXTURES / "hcl_plan" / "plan.json"


def _report(run_cli: Any, *paths: Path, fmt: str = "json") -> tuple[int, Any]:
    code, out, _err = run_cli("check", *map(str, paths), "--kinds", "infra", "--format", fmt)
    return code, (json.loads(out) if fmt == "json" else out)


def _keys(report: Any) -> list[tuple[str, str, str]]:
    return sorted((f["policy_id"], f["subject"]["ref"], f["severity"]) for f in report["findings"])


def test_hcl_directory_gives_the_findings_of_its_plan(run_cli: Any) -> None:
    code_hcl, hcl = _report(run_cli, HCL)
    code_plan, plan = _report(run_cli, PLAN)
    assert code_hcl == code_plan == 1
    assert _keys(hcl) == _keys(plan)
    assert len(_keys(hcl)) == 7
    assert not [f for f in hcl["findings"] if f["policy_id"] == "MG-INPUT"]


def test_positions_point_at_the_attribute_or_the_tfvars_line(run_cli: Any) -> None:
    _code, report = _report(run_cli, HCL)
    where = {(f["policy_id"], f["subject"]["ref"]): f for f in report["findings"]}
    bi = where[("MG-I-001", "databricks_sql_endpoint.bi")]
    # prod.auto.tfvars is loaded after terraform.tfvars: its 3X-Large wins, and both places show
    assert (bi["location"]["path"].endswith("prod.auto.tfvars"), bi["location"]["line"]) == (True, 2)
    assert bi["evidence"]["attribute_at"].endswith("main.tf:25")
    idle = where[("MG-I-010", "databricks_cluster.etl[0]")]
    assert idle["location"]["path"].endswith("terraform.tfvars") and idle["location"]["line"] == 2
    timeout = where[("MG-I-021", 'databricks_job.nightly["returns"]')]
    assert timeout["location"]["path"].endswith("main.tf") and timeout["location"]["line"] == 47
    module = where[("MG-I-001", "module.adhoc.databricks_sql_endpoint.this")]
    assert module["location"]["path"].endswith("modules/warehouse/main.tf")
    assert module["location"]["line"] == 12
    assert "2X-Large" in module["message"]


def test_unknown_values_fail_no_rule_and_are_counted(run_cli: Any) -> None:
    _code, report = _report(run_cli, HCL)
    ids = {f["policy_id"] for f in report["findings"]}
    assert "MG-I-017" not in ids  # policy_id = databricks_cluster_policy.etl.id: unknown, not unset
    notes = " ".join(report["run"].get("notes") or report.get("notes") or [])
    assert "4 attributes of Terraform sources are not known" in notes


@pytest.mark.parametrize("changed", ["main.tf", "terraform.tfvars", "prod.auto.tfvars"])
def test_one_changed_file_is_evaluated_in_its_module(run_cli: Any, changed: str) -> None:
    _code, whole = _report(run_cli, HCL)
    _code, one = _report(run_cli, HCL / changed)
    assert _keys(one) == _keys(whole)


def test_a_changed_module_file_alone_is_its_module_on_its_defaults(run_cli: Any) -> None:
    _code, report = _report(run_cli, HCL / "modules" / "warehouse" / "main.tf")
    refs = {f["subject"]["ref"] for f in report["findings"]}
    assert refs <= {"databricks_sql_endpoint.this"}  # size defaults to Small: nothing to report
    assert not [f for f in report["findings"] if f["policy_id"] == "MG-I-001"]


def test_a_module_dir_and_its_caller_are_evaluated_once(run_cli: Any) -> None:
    _code, both = _report(run_cli, HCL / "main.tf", HCL / "modules" / "warehouse" / "main.tf")
    _code, whole = _report(run_cli, HCL)
    assert _keys(both) == _keys(whole)


def test_the_plan_wins_for_what_it_covers(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "tf"
    shutil.copytree(HCL, repo)
    shutil.copy(PLAN, repo / "plan.json")
    _code, report = _report(run_cli, repo)
    assert _keys(report) == _keys(_report(run_cli, PLAN)[1])
    assert all(f["location"]["path"].endswith("plan.json") for f in report["findings"])
    notes = " ".join(report["run"].get("notes") or report.get("notes") or [])
    assert "6 Terraform resources are also in a plan" in notes


def test_a_syntax_error_is_mg_input_and_the_rest_is_evaluated(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "tf"
    shutil.copytree(HCL, repo)
    (repo / "broken.tf").write_text('resource "databricks_cluster" "x" {\n  num_workers = \n}\n')
    code, report = _report(run_cli, repo)
    assert code == 1
    errors = [f for f in report["findings"] if f["policy_id"] == "MG-INPUT"]
    assert len(errors) == 1
    assert errors[0]["location"]["path"].endswith("broken.tf")
    assert errors[0]["location"]["line"] in (2, 3)
    assert "invalid HCL" in errors[0]["message"]
    assert len(report["findings"]) == 8  # the 7 of the module are still there


def test_a_secret_in_hcl_is_never_copied(run_cli: Any, tmp_path: Path) -> None:
    secret = "SuperSecretAccountKey0123456789=="
    (tmp_path / "main.tf").write_text(f'''
resource "databricks_cluster" "leaky" {{
  cluster_name            = "leaky"
  autotermination_minutes = 30
  spark_conf = {{
    "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net" = "{secret}"
  }}
  spark_env_vars = {{
    DB_PASSWORD = "{secret}"
  }}
}}
''')
    for fmt in ("json", "text", "sarif", "junit", "github", "markdown", "html"):
        code, out, _err = run_cli("check", str(tmp_path), "--kinds", "infra", "--format", fmt)
        assert code == 1, fmt
        assert secret not in out, fmt
    _code, report = _report(run_cli, tmp_path)
    fields = {f["evidence"].get("field") for f in report["findings"] if f["policy_id"] == "MG-I-016"}
    assert fields == {"spark_conf.spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net",
                      "spark_env_vars.DB_PASSWORD"}
    lines = {f["location"]["line"] for f in report["findings"] if f["policy_id"] == "MG-I-016"}
    assert lines == {5, 8}


def test_functions_conditionals_and_remote_modules_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "big" { default = true }
resource "databricks_sql_endpoint" "w" {
  name           = upper("w")
  cluster_size   = var.big ? "4X-Large" : "Small"
  auto_stop_mins = 10
}
module "remote" {
  source = "databricks/examples/databricks"
}
''')
    result = load_module(tmp_path, ".")
    (res,) = result.resources
    assert "cluster_size" not in res.spec and "name" not in res.spec
    assert {"cluster_size", "name"} <= set(res.unknown)
    assert any("not a local module" in n for n in result.notes)


def test_jsonencode_of_a_known_value_is_evaluated(tmp_path: Path) -> None:
    """A cluster policy definition is usually written jsonencode({...}), often with variables."""
    (tmp_path / "main.tf").write_text('''
variable "max_workers" { default = 8 }
locals { mode = "SINGLE_USER" }
resource "databricks_cluster_policy" "p" {
  name       = "p"
  definition = jsonencode({
    "num_workers" : { "type" : "range", "maxValue" : var.max_workers },
    "data_security_mode" = { type = "fixed", value = "${local.mode}" },
    "spark_version" : { "type" : "regex", "pattern" : "(1[4-9])\\\\..+" }
  })
}
resource "databricks_cluster_policy" "q" {
  name       = "q"
  definition = jsonencode({ "num_workers" : { "type" : "range", "maxValue" : data.x.y } })
}
''')
    result = load_module(tmp_path, ".")
    p, q = sorted(result.resources, key=lambda r: r.address)
    assert p.spec["definition"] == {
        "num_workers": {"type": "range", "maxValue": 8},
        "data_security_mode": {"type": "fixed", "value": "SINGLE_USER"},
        "spark_version": {"type": "regex", "pattern": "(1[4-9])\\..+"},
    }
    assert "definition" not in q.spec and "definition" in q.unknown


HCL_PIECES = ['resource "databricks_cluster" "c" {', 'resource "databricks_sql_endpoint" "w" {', "}",
              "{", "num_workers = 2", 'cluster_size = "2X-Large"', "count = 2", "count = var.n",
              'for_each = { a = 1 }', "for_each = toset([\"a\"])", "x = var.missing", "y = local.z",
              'locals { z = "${local.z}" }', 'variable "n" { default = 3 }', "autoscale {",
              'module "m" { source = "./m" }', 'module "self" { source = "./" }', "=", '"', "${",
              "each.key", "count.index", "[", "]", "\n", "# c", "/* c */", "<<EOF\nx\nEOF", "\x00"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(HCL_PIECES), max_size=30).map("\n".join))
def test_hcl_like_input_never_crashes(tmp_path: Path, text: str) -> None:
    """Whatever the text, a module directory is evaluated or its file is an error: no crash."""
    for old in tmp_path.glob("*.tf"):
        old.unlink()
    (tmp_path / "main.tf").write_text(text)
    result = load_module(tmp_path, ".")
    for err in result.errors:
        assert isinstance(err, NormalizeError) and err.path == "main.tf"
    for res in result.resources:
        json.dumps(res.to_input())


def test_a_module_cycle_and_a_huge_count_end(tmp_path: Path) -> None:
    """A module that calls itself (with count) or a count of a billion would never end."""
    (tmp_path / "main.tf").write_text(
        'variable "n" { default = 3 }\n'
        'module "self" {\n  source = "./"\n  count = var.n\n}\n'
        'module "again" {\n  source = "./"\n  count = var.n\n}\n'
        'resource "databricks_cluster" "c" {\n  count = 1000000000\n  num_workers = 2\n}\n')
    result = load_module(tmp_path, ".")
    assert any("a cycle" in n for n in result.notes)
    assert [r.address for r in result.resources if r.type == "cluster"] == ["databricks_cluster.c"]


def test_provider_defaults_apply_as_a_plan_shows_them(tmp_path: Path, run_cli: Any) -> None:
    """A warehouse without auto_stop_mins stops after 120 idle minutes (the provider's default,
    which its plan shows), a job without max_concurrent_runs runs once at a time: as written in
    HCL or in a bundle, neither is a finding; an explicit 0 still is."""
    tf = tmp_path / "tf"
    tf.mkdir()
    (tf / "main.tf").write_text(
        'resource "databricks_sql_endpoint" "w" {\n  name = "w"\n  cluster_size = "Small"\n'
        '  enable_serverless_compute = true\n}\n'
        'resource "databricks_sql_endpoint" "never" {\n  name = "n"\n  cluster_size = "Small"\n'
        '  enable_serverless_compute = true\n  auto_stop_mins = 0\n}\n'
        'resource "databricks_job" "j" {\n  name = "j"\n  timeout_seconds = 3600\n}\n')
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "databricks.yml").write_text(
        "bundle: {name: b}\nresources:\n  jobs:\n    j: {name: j, timeout_seconds: 3600}\n"
        "  sql_warehouses:\n    w: {name: w, cluster_size: Small, enable_serverless_compute: true}\n")
    _code, report = _report(run_cli, tf, bundle)
    stops = {f["subject"]["ref"]: f["message"] for f in report["findings"] if f["policy_id"] == "MG-I-002"}
    assert "never stops" in stops.pop("databricks_sql_endpoint.never")
    # the default 120 minutes is judged like any value: above the pack's max_auto_stop_mins
    assert stops and all("auto_stop_mins 120 is above the allowed" in m for m in stops.values())
    assert set(stops) == {"databricks_sql_endpoint.w", "resources.sql_warehouses.w"}
    assert not [f for f in report["findings"] if "max_concurrent_runs" in f["message"]]


def test_a_cached_parse_is_the_parse(tmp_path, monkeypatch) -> None:
    """The pre-commit path reads a changed file's unchanged siblings from the parse cache:
    cold, warm and without a cache, the module gives the same resources, and a corrupt
    entry is parsed again."""
    from meshgov.infra.normalize.hcl import _parse

    files = sorted(HCL.rglob("*.tf*"))
    assert files
    monkeypatch.setenv("MESHGOV_NO_CACHE", "1")
    plain = [_parse(f, f.name).data for f in files]
    monkeypatch.delenv("MESHGOV_NO_CACHE")
    monkeypatch.setenv("MESHGOV_CACHE_DIR", str(tmp_path))
    cold = [_parse(f, f.name).data for f in files]
    entries = sorted(tmp_path.glob("hcl2*/*.json"))
    assert {e.parent.name for e in entries} == {"hcl2", "hcl2-blocks"}  # files; .tf blocks
    warm = [_parse(f, f.name).data for f in files]
    for e in entries:
        e.write_text("{not json")
    again = [_parse(f, f.name).data for f in files]
    assert plain == cold == warm == again


TRICKY_TF = [
    # a heredoc whose JSON holds braces, a template whose interpolation holds quotes and braces
    'resource "databricks_cluster_policy" "p" {\n  definition = <<-EOT\n    {"a": {"b": 1}}\n'
    '  EOT\n}\n\nresource "databricks_sql_endpoint" "w" {\n'
    '  name = "${lookup({ a = "}" }, "a", "{")}-x"\n  tags { custom_tags { key = "k" } }\n}\n',
    # literal $${ and %%{, comments of every kind between and inside blocks
    '# top\nvariable "v" {\n  default = "$${not} %%{not}" // c\n}\n/* a\n} b */\n'
    'locals {\n  x = 1 # }\n}\n',
    # not only blocks: parsed whole
    'a = 1\n', 'resource "x" "y"\n{\n}\n', 'resource "x" "y" {} resource "x" "z" {}\n',
    'resource "x" "y" {\n  s = "unterminated\n}\n',
]


@pytest.mark.parametrize("text", TRICKY_TF)
def test_block_by_block_parse_equals_the_whole_parse(text: str) -> None:
    import io

    import hcl2

    from meshgov.infra.normalize.hclblocks import merge, split_blocks

    chunks = split_blocks(text)
    try:
        whole = hcl2.load(io.StringIO(text), with_meta=True)
    except Exception:  # noqa: BLE001 - invalid HCL: the split must not make it valid
        whole = None
    if chunks is None:
        return
    parts = [(first, hcl2.load(io.StringIO(c), with_meta=True)) for first, c in chunks]
    assert merge(parts) == whole


def test_tricky_blocks_are_split_where_it_is_safe() -> None:
    from meshgov.infra.normalize.hclblocks import split_blocks

    assert [first for first, _ in split_blocks(TRICKY_TF[0]) or []] == [1, 7]
    assert [first for first, _ in split_blocks(TRICKY_TF[1]) or []] == [2, 7]
    assert all(split_blocks(t) is None for t in TRICKY_TF[2:])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(HCL_PIECES + ['"${', '}"', '"a"', "$${", "%{", "//", "*/"]),
                max_size=30).map("\n".join))
def test_hcl_split_never_changes_the_parse(text: str) -> None:
    """Whatever the text, block by block gives python-hcl2's parse of the whole file, or
    declines (and the whole file is parsed)."""
    import io

    import hcl2

    from meshgov.infra.normalize.hclblocks import merge, split_blocks

    chunks = split_blocks(text)
    if chunks is None:
        return
    try:
        whole: Any = hcl2.load(io.StringIO(text), with_meta=True)
    except Exception:  # noqa: BLE001
        whole = "error"
    try:
        merged: Any = merge([(first, hcl2.load(io.StringIO(c), with_meta=True))
                             for first, c in chunks])
    except Exception:  # noqa: BLE001 - a block alone fails: meshgov parses the file whole
        return
    assert merged == whole or merged is None


TF_VALUES = ['1', '"a"', '"${var.x}"', '"${lookup(m, "k", "}")}"', '"$${lit}"', '"%{ if true }y%{ endif }"',
          '{ a = 1, b = "}" }', '[1, 2, "{"]', '<<EOF\n{"j": {}}\nEOF', '<<-T\n    x }\n    T', 'var.n', 'local.z["k"]',
          '"a\\"b{"', 'jsonencode({ a = "b" })']
@st.composite
def tf_body(draw: Any, depth: int = 0) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        k = draw(st.integers(0, 4 if depth < 2 else 2))
        if k <= 2:
            lines.append(f"{draw(st.sampled_from(['a','b','name','tags']))}{draw(st.integers(0,9))} = {draw(st.sampled_from(TF_VALUES))}"
                         + draw(st.sampled_from(['', ' # }', ' // {'])))
        elif k == 3:
            lines.append(draw(st.sampled_from(['# c {', '/* } */', '// x'])))
        else:
            lines.append(f"nested {{\n{draw(tf_body(depth+1))}\n}}")
    return "\n".join(lines)
@st.composite
def tf_modules(draw: Any) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        head = draw(st.sampled_from(['resource "databricks_cluster" "c"', 'variable "v"', 'locals', 'module "m"', 'data "x" "y"']))
        blocks.append(f"{head} {{\n{draw(tf_body())}\n}}")
    seps = draw(st.lists(st.sampled_from(["\n", "\n\n", "\n# gap }\n", "\n/* {\n */\n"]), min_size=len(blocks), max_size=len(blocks)))
    return "".join(b + s for b, s in zip(blocks, seps))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(tf_modules())
def test_a_valid_file_splits_into_blocks_that_parse_as_the_file(text: str) -> None:
    """Valid files of blocks (heredocs, templates with quotes and braces, comments, nested
    blocks) split, and their blocks' parses merge into the whole file's (run once with 3,000
    cases: 1,640 valid files, all split, all equal)."""
    import io

    import hcl2

    from meshgov.infra.normalize.hclblocks import merge, split_blocks

    try:
        whole = hcl2.load(io.StringIO(text), with_meta=True)
    except Exception:  # noqa: BLE001 - the generator also writes invalid HCL: not this test's
        return
    chunks = split_blocks(text)
    assert chunks is not None, text
    assert merge([(first, hcl2.load(io.StringIO(c), with_meta=True)) for first, c in chunks]) == whole


def test_var_files_are_evaluated_as_their_own_plans(tmp_path: Path, run_cli: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`terraform plan -var-file=envs/prod.tfvars`: a .tfvars Terraform does not load itself is
    a -var-file of its module (beside the .tf files or in envs/). Each gives its own plan: the
    resources it changes are evaluated again and point at its lines; nothing is reported twice;
    a changed var file alone (pre-commit) evaluates its module."""
    (tmp_path / "main.tf").write_text(
        'variable "size" {\n  default = "Small"\n}\n\n'
        'resource "databricks_sql_endpoint" "bi" {\n  name = "bi"\n  cluster_size = var.size\n'
        '  auto_stop_mins = 0\n}\n')
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "prod.tfvars").write_text('size = "4X-Large"\n')
    (envs / "dev.tfvars").write_text('size = "Small"\n')
    (tmp_path / "staging.tfvars").write_text('size = "2X-Large"\n')
    monkeypatch.chdir(tmp_path)
    for args in ([".", "--kinds", "infra"], ["envs/prod.tfvars", "--kinds", "infra"]):
        code, out, _ = run_cli("check", *args, "-f", "json")
        doc = json.loads(out)
        where = sorted((f["policy_id"], f["location"]["path"], f["location"]["line"])
                       for f in doc["findings"] if f["policy_id"].startswith("MG-I"))
        assert code == 1
        assert ("MG-I-001", "envs/prod.tfvars", 1) in where
        assert ("MG-I-001", "staging.tfvars", 1) in where
        assert len(where) == len(set(where)), where  # the auto-stop finding once, not per file
        assert any("envs/dev.tfvars evaluated as a -var-file of .: 0 resource(s) differ" in n
                   for n in doc["notes"])
    (envs / "prod.tfvars").write_text('size = "4X-Large\n')
    code, out, _ = run_cli("check", "envs/prod.tfvars", "--kinds", "infra", "-f", "json")
    bad = [f for f in json.loads(out)["findings"] if f["policy_id"] == "MG-INPUT"]
    assert code == 1 and bad and bad[0]["location"]["path"] == "envs/prod.tfvars"


def test_a_changed_tf_file_parses_only_its_changed_blocks(tmp_path, monkeypatch) -> None:
    from meshgov.infra.normalize import hcl

    monkeypatch.setenv("MESHGOV_CACHE_DIR", str(tmp_path / "cache"))
    parsed: list[str] = []
    real = hcl._hcl2_load
    monkeypatch.setattr(hcl, "_hcl2_load", lambda text: parsed.append(text) or real(text))
    blocks = [f'resource "databricks_sql_endpoint" "w{i}" {{\n  cluster_size = "Small"\n}}\n'
              for i in range(4)]
    tf = tmp_path / "main.tf"
    tf.write_text("\n".join(blocks))
    first = hcl._parse(tf, "main.tf").data
    assert len(parsed) == 4  # cold: block by block (what the next edit reuses)
    parsed.clear()
    blocks[2] = blocks[2].replace("Small", "2X-Large")
    tf.write_text("\n".join(blocks))
    second = hcl._parse(tf, "main.tf").data
    assert parsed == [blocks[2]]
    monkeypatch.setenv("MESHGOV_NO_CACHE", "1")
    assert second == hcl._parse(tf, "main.tf").data != first
