"""The per-run dbt loader end to end: single-file context, schema.yml alone, the manifest,
bad inputs (one MG-INPUT each, everything else still evaluated), no double reporting."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbt_harness import brief, run, write_project

DBT = ("MG-C-010", "MG-C-011", "MG-C-012", "MG-C-013", "MG-C-014")
GOOD_YML = """\
version: 2
sources:
  - name: crm
    database: other_prod
    schema: raw
    tables: [{name: customers, identifier: CUSTOMERS}]
models:
  - name: a
    description: Model a.
    meta: {owner: x@corp.example}
  - name: b
    columns:
      - name: email
"""
FILES = {
    "models/a.sql": "SELECT id, name FROM {{ source('crm', 'customers') }}\n",
    "models/b.sql": "{{ config(schema='gold', alias='B_TABLE') }}\nSELECT id, email\nFROM {{ ref('a') }}\n",
    "models/schema.yml": GOOD_YML,
}


def _doc(root: Path, rel: str):  # type: ignore[no-untyped-def]
    """The CodeDocument meshgov builds for one model file (real evaluator path)."""
    from meshgov.api import resolve_config
    from meshgov.code.evaluator import load_documents
    from meshgov.core.catalog import load_catalog
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import discover

    cfg = resolve_config([root], root / "meshgov.yaml")
    ctx = EvalContext(cfg, load_catalog(cfg, ("code",)))
    (inp,) = discover([root / rel], cfg.root, (), ("code",))
    (doc,) = load_documents(inp, ctx)
    return doc


def test_single_model_file_gets_its_project_and_properties(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    found = run(tmp_path, ["models/b.sql"], DBT)
    assert brief(found) == [("MG-C-010", "models/b.sql", 1), ("MG-C-011", "models/b.sql", 1),
                            ("MG-C-013", "models/b.sql", 1)]
    assert "models/schema.yml:11" in found[0].message
    assert "models/schema.yml:13" in found[2].message  # the email column's line


def test_refs_and_sources_render_to_three_level_names(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    a = _doc(tmp_path, "models/a.sql")
    b = _doc(tmp_path, "models/b.sql")
    assert "FROM other_prod.raw.CUSTOMERS" in a.text
    assert "FROM sales_prod.published.a" in b.text  # the project's +schema, the domain's catalog
    assert b.dbt["relation"] == "sales_prod.gold.B_TABLE"
    assert b.dbt["refs"] == ["a"] and a.dbt["sources"] == [["crm", "customers"]]
    assert b.dbt["depends_on"] == ["model.shop.a"] and a.dbt["depends_on"] == ["source.shop.crm.customers"]
    assert b.type == "dbt_model" and b.dbt["compiled_from"] == "jinja"
    from sqlglot import exp

    table = next(b.statements[0].find_all(exp.Table))
    assert b.position(table) == (3, 6)  # FROM {{ ref('a') }} is on line 3 of the .sql


def test_ref_uses_the_referenced_models_schema_and_alias(tmp_path: Path) -> None:
    files = dict(FILES, **{"models/c.sql": "SELECT id FROM {{ ref('b') }}\n"})
    write_project(tmp_path, files)
    assert "FROM sales_prod.gold.B_TABLE" in _doc(tmp_path, "models/c.sql").text


def test_cross_domain_rule_sees_rendered_sources(tmp_path: Path) -> None:
    domain = {"domain": "sales", "catalogs": ["sales_prod"]}
    write_project(tmp_path, {"models/x.sql": "SELECT id\nFROM {{ source('hr', 'emp') }}\n",
                             "models/s.yml": "sources:\n  - name: hr\n    database: hr_prod\n"
                                             "    schema: raw\n    tables: [{name: emp}]\n"},
                  domain=domain)
    found = run(tmp_path, ["models/x.sql"], ["MG-C-004"])
    assert brief(found) == [("MG-C-004", "models/x.sql", 2)]
    assert "hr_prod.raw.emp" in found[0].message


def test_schema_yml_alone_checks_the_models_it_describes_with_dbt_rules_only(tmp_path: Path) -> None:
    files = dict(FILES)
    files["models/b.sql"] = "SELECT *, email\nFROM {{ ref('a') }}\n"  # a SQL finding (MG-C-002)...
    write_project(tmp_path, files)
    found = run(tmp_path, ["models/schema.yml"])
    # ...is not reported: only the properties changed, so only the dbt rules run
    assert brief(found) == [("MG-C-010", "models/b.sql", 1), ("MG-C-011", "models/b.sql", 1),
                            ("MG-C-013", "models/b.sql", 1)]
    assert {f.subject.type for f in found} == {"dbt_model"}


def test_model_and_its_schema_yml_together_report_once(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    both = run(tmp_path, ["models/b.sql", "models/schema.yml"], DBT)
    whole = run(tmp_path, None, DBT)
    assert brief(both) == brief(whole) == [("MG-C-010", "models/b.sql", 1),
                                           ("MG-C-011", "models/b.sql", 1),
                                           ("MG-C-013", "models/b.sql", 1)]


def test_malformed_schema_yml_is_one_input_finding_and_models_are_still_checked(tmp_path: Path) -> None:
    files = dict(FILES, **{"models/broken.yml": "models:\n  - name: z\n    columns: [\n"})
    write_project(tmp_path, files)
    found = run(tmp_path)
    inputs = [f for f in found if f.policy_id == "MG-INPUT"]
    assert [(f.location.path, f.location.line) for f in inputs] == [("models/broken.yml", 4)]
    assert inputs[0].message.startswith("invalid YAML")
    assert ("MG-C-010", "models/b.sql", 1) in brief(found)
    # given only model b: a broken file that never mentions b is not read (not b's context)...
    assert not [f for f in run(tmp_path, ["models/b.sql"]) if f.policy_id == "MG-INPUT"]
    # ...one that mentions it could describe it: it is read, and reported once
    (tmp_path / "models/broken.yml").write_text("models:\n  - name: b\n    columns: [\n")
    single = run(tmp_path, ["models/b.sql"])
    assert [f.location.path for f in single if f.policy_id == "MG-INPUT"] == ["models/broken.yml"]


def test_one_model_reads_only_the_property_files_that_mention_it(tmp_path: Path) -> None:
    from meshgov.api import resolve_config
    from meshgov.code.dbt.session import DbtSession
    from meshgov.core.catalog import load_catalog
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import discover

    files = dict(FILES)
    for i in range(20):
        files[f"models/other/o{i}.yml"] = f"models:\n  - name: o{i}\n    description: x\n"
    write_project(tmp_path, files)
    cfg = resolve_config([tmp_path], tmp_path / "meshgov.yaml")
    ctx = EvalContext(cfg, load_catalog(cfg, ("code",)))
    (inp,) = discover([tmp_path / "models/b.sql"], cfg.root, (), ("code",))
    session = DbtSession(ctx, [inp.path])
    (doc,) = session.load(inp)
    assert [p.name for p in session._props_files] == ["schema.yml"]  # noqa: SLF001
    assert doc.dbt["properties"]["path"] == "models/schema.yml"


def test_unrenderable_model_is_one_input_finding_at_its_line(tmp_path: Path) -> None:
    files = dict(FILES, **{"models/c.sql": "SELECT\n  {{ my_missing_macro('x') }} AS y\nFROM t\n"})
    write_project(tmp_path, files)
    found = run(tmp_path)
    inputs = [f for f in found if f.policy_id == "MG-INPUT"]
    assert [(f.location.path, f.location.line) for f in inputs] == [("models/c.sql", 2)]
    assert "unrenderable Jinja: 'my_missing_macro' is undefined" in inputs[0].message
    assert inputs[0].subject.type == "dbt_model"
    assert any(f.location.path == "models/b.sql" for f in found)


def test_sql_error_after_rendering_points_at_the_source_line(tmp_path: Path) -> None:
    src = "{{\n  config(materialized='table')\n}}\nSELECT a,\nFROM {{ ref('a') }} WHERE\n"
    write_project(tmp_path, dict(FILES, **{"models/c.sql": src}))
    (f,) = run(tmp_path, ["models/c.sql"], ["MG-INPUT"])
    assert f.location.line in (4, 5) and f.message.startswith("cannot parse SQL")


def _manifest(tmp_path: Path, checksum: str, compiled: str | None) -> str:
    node = {"resource_type": "model", "name": "b", "original_file_path": "models/b.sql",
            "unique_id": "model.shop.b", "database": "sales_prod", "schema": "gold", "alias": "B_TABLE",
            "checksum": {"name": "sha256", "checksum": checksum}, "compiled_code": compiled,
            "description": "From the manifest.", "access": "protected", "group": "finance",
            "config": {"meta": {"owner": "m@corp.example"}, "tags": ["t"]},
            "depends_on": {"nodes": ["model.shop.a"]}, "refs": [{"name": "a", "package": None}],
            "sources": [], "columns": {}}
    return json.dumps({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
                       "nodes": {"model.shop.b": node}, "sources": {}})


def test_fresh_manifest_supplies_compiled_code_and_metadata(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    raw = (tmp_path / "models/b.sql").read_bytes()
    compiled = "\nSELECT id, email\nFROM `sales_prod`.`published`.`a`\n"
    (tmp_path / "target").mkdir()
    (tmp_path / "target/manifest.json").write_text(_manifest(tmp_path, hashlib.sha256(raw).hexdigest(), compiled))
    doc = _doc(tmp_path, "models/b.sql")
    assert doc.dbt["compiled_from"] == "manifest" and doc.text == compiled
    assert doc.dbt["depends_on"] == ["model.shop.a"] and doc.dbt["properties"]["group"] == "finance"
    # schema.yml describes b without description/owner: the manifest's values fill in...
    assert doc.dbt["properties"]["meta"]["owner"] == "m@corp.example"
    # ...and the compiled code's lines map back to the source
    assert doc.source_line(3) == 3


def test_stale_manifest_compiled_code_is_not_used(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    (tmp_path / "target").mkdir()
    (tmp_path / "target/manifest.json").write_text(_manifest(tmp_path, "0" * 64, "SELECT 1 AS stale\n"))
    doc = _doc(tmp_path, "models/b.sql")
    assert doc.dbt["compiled_from"] == "jinja" and "stale" not in doc.text


def test_manifest_rescues_a_model_meshgov_cannot_render(tmp_path: Path) -> None:
    src = "SELECT id,\n  {{ company_macro('email') }} AS email\nFROM {{ ref('a') }}\n"
    write_project(tmp_path, dict(FILES, **{"models/b.sql": src}))
    (tmp_path / "target").mkdir()
    compiled = "SELECT id,\n  lower(email) AS email\nFROM `sales_prod`.`published`.`a`\n"
    (tmp_path / "target/manifest.json").write_text(
        _manifest(tmp_path, hashlib.sha256(src.encode()).hexdigest(), compiled))
    found = run(tmp_path, ["models/b.sql"])
    assert not [f for f in found if f.policy_id == "MG-INPUT"]


def test_truncated_manifest_is_one_input_finding_and_models_are_still_checked(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    (tmp_path / "target").mkdir()
    (tmp_path / "target/manifest.json").write_text('{"metadata": {"dbt_schema_version": "v12"},\n "nodes": {"x"')
    found = run(tmp_path)
    inputs = [f for f in found if f.policy_id == "MG-INPUT"]
    assert [(f.location.path, f.location.line) for f in inputs] == [("target/manifest.json", 2)]
    assert inputs[0].location.column is not None
    assert ("MG-C-010", "models/b.sql", 1) in brief(found)


def test_broken_dbt_project_yml_is_reported_and_defaults_apply(tmp_path: Path) -> None:
    write_project(tmp_path, dict(FILES, **{"dbt_project.yml": "name: shop\nmodels: [\n"}))
    found = run(tmp_path, ["models/b.sql"])
    inputs = [f for f in found if f.policy_id == "MG-INPUT"]
    assert [f.location.path for f in inputs] == ["dbt_project.yml"]
    assert ("MG-C-010", "models/b.sql", 1) in brief(found)


def test_suppression_in_the_model_silences_a_dbt_finding(tmp_path: Path) -> None:
    src = "-- meshgov:ignore MG-C-011 owner is set by the platform team's deploy job\nSELECT id FROM {{ ref('a') }}\n"
    write_project(tmp_path, dict(FILES, **{"models/b.sql": src}))
    found = run(tmp_path, ["models/b.sql"], ["MG-C-011", "MG-SUPPRESS"])
    assert [(f.policy_id, f.waived) for f in found] == [("MG-C-011", True)]


def test_undecodable_model_is_an_input_finding(tmp_path: Path) -> None:
    write_project(tmp_path, dict(FILES, **{"models/c.sql": b"SELECT '\xff'\n"}))
    found = run(tmp_path, ["models/c.sql"], ["MG-INPUT"])
    assert [f.location.path for f in found] == ["models/c.sql"] and "UTF-8" in found[0].message


def test_sql_rule_suppressions_are_not_stale_when_only_dbt_rules_run(tmp_path: Path) -> None:
    files = dict(FILES)
    files["models/b.sql"] = ("-- meshgov:ignore MG-C-002 the star is filtered downstream\n"
                             "SELECT *\nFROM {{ ref('a') }}\n")
    write_project(tmp_path, files)
    assert run(tmp_path, ["models/schema.yml"], ["MG-SUPPRESS"]) == []
    # checked as a model file, the suppression is used by MG-C-002
    found = run(tmp_path, ["models/b.sql"], ["MG-C-002", "MG-SUPPRESS"])
    assert [(f.policy_id, f.waived) for f in found] == [("MG-C-002", True)]


_junk = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["models:\n  - name: b\n    columns: [\n", "{{ ref(", "{% if %}", "[1, 2",
                     '{"metadata": {}, "nodes": {"m": {"resource_type": "model"}}}', "\x00\x01",
                     "models: 3\n", "name: [\n", "{{ var('x') }}", "SELECT FROM WHERE"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["models/schema.yml", "models/b.sql", "target/manifest.json", "dbt_project.yml"]),
       _junk)
def test_any_broken_dbt_file_is_at_most_one_input_finding(tmp_path: Path, which: str, junk: str) -> None:
    root = tmp_path / "p"
    if root.exists():
        import shutil

        shutil.rmtree(root)
    root.mkdir()
    write_project(root, dict(FILES, **{which: junk}))
    found = run(root)  # never raises
    inputs = [f for f in found if f.policy_id == "MG-INPUT"]
    assert len(inputs) <= 1
    assert all(f.location.path == which for f in inputs)
    if which != "models/b.sql":  # model b is intact and still checked (it has no description)
        assert ("MG-C-010", "models/b.sql", 1) in brief(found)


def test_disabled_models_are_not_checked(tmp_path: Path) -> None:
    files = dict(FILES, **{"models/c.sql": "{{ config(enabled=false) }}\n",
                           "models/d.sql": "{{ config(enabled=False) }}\nSELECT * FROM x\n"})
    write_project(tmp_path, files)
    assert not [f for f in run(tmp_path) if f.location.path in ("models/c.sql", "models/d.sql")]


def test_jinja_in_source_and_schema_names_is_rendered(tmp_path: Path) -> None:
    yml = ("sources:\n  - name: crm\n    database: \"{{ env_var('CRM_CATALOG', 'crm_prod') }}\"\n"
           "    schema: \"{{ target.schema }}_raw\"\n    tables: [{name: customers}]\n"
           "  - name: odd\n    database: \"{{ no_such_macro() }}\"\n    tables: [{name: t}]\n")
    files = {"models/x.sql": "SELECT c.id, t.id AS tid FROM {{ source('crm', 'customers') }} AS c\n"
                             "JOIN {{ source('odd', 't') }} AS t ON t.id = c.id\n",
             "models/s.yml": yml,
             "dbt_project.yml": "name: shop\nmodels:\n  shop:\n    +schema: published\n"}
    write_project(tmp_path, files)
    x = _doc(tmp_path, "models/x.sql")
    assert "FROM crm_prod.published_raw.customers AS c" in x.text
    assert "JOIN sales_prod.odd.t AS t" in x.text  # unrenderable name: the domain's catalog
    assert x.dbt["sources"] == [["crm", "customers"], ["odd", "t"]]


def test_findings_after_whitespace_controlled_loops_keep_line_and_column(tmp_path: Path) -> None:
    model = (
        "{% set methods = ['card', 'coupon'] %}\n"            # 1
        "SELECT\n"                                             # 2
        "    o.order_id,\n"                                    # 3
        "    {% for m in methods -%}\n"                        # 4
        "    SUM(CASE WHEN p.method = '{{ m }}' THEN p.amount END) AS {{ m }}_amount,\n"  # 5
        "    {% endfor -%}\n"                                  # 6
        "    current_user() AS who\n"                          # 7
        "FROM {{ ref('a') }} AS o\n"                           # 8
        "JOIN sales_prod.raw.payments AS p ON p.order_id = o.order_id\n"
        "GROUP BY o.order_id\n"
    )
    write_project(tmp_path, dict(FILES, **{"models/c.sql": model}))
    (f,) = run(tmp_path, ["models/c.sql"], ["MG-C-005"])
    assert (f.location.line, f.location.column) == (7, 5)


def test_many_models_cost_one_read_per_file_and_one_relation_per_model(tmp_path: Path,
                                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A whole project (every model an input, each ref()ing earlier ones): the property file is
    read once and from libyaml's events (no node tree), each model's relation is worked out
    once however many models ref() it, and every model still gets its own properties."""
    from meshgov.api import resolve_config
    from meshgov.code.dbt import properties, session as session_mod
    from meshgov.code.evaluator import dbt_session, load_documents
    from meshgov.core.catalog import load_catalog
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import discover

    n = 40
    files = {f"models/m{i}.sql": "SELECT id FROM " + (
        "{{ source('crm', 'customers') }}" if i == 0
        else " JOIN ".join(f"{{{{ ref('m{j}') }}}} AS t{j}" + (f" ON t{j}.id = t0.id" if j else "")
                           for j in range(i))) + "\n" for i in range(n)}
    files["models/schema.yml"] = "version: 2\nsources:\n  - name: crm\n    tables: [{name: customers}]\n" \
        "models:\n" + "".join(f"  - name: m{i}\n    description: Model {i}.\n" for i in range(n))
    write_project(tmp_path, files)

    reads: list[Path] = []
    real_load = properties.load_properties
    monkeypatch.setattr(session_mod, "load_properties", lambda p: reads.append(p) or real_load(p))

    def no_tree(text: str, path: Path) -> None:
        raise AssertionError(f"{path}: composed a node tree")

    monkeypatch.setattr(properties, "_compose_and_construct", no_tree)
    relations: list[str] = []
    real_new = session_mod.DbtSession._new_relation
    monkeypatch.setattr(session_mod.DbtSession, "_new_relation",
                        lambda self, state, name, path, source: relations.append(name)
                        or real_new(self, state, name, path, source))

    cfg = resolve_config([tmp_path], tmp_path / "meshgov.yaml")
    ctx = EvalContext(cfg, load_catalog(cfg, ("code",)))
    inputs = discover([tmp_path], cfg.root, (), ("code",))
    dbt = dbt_session(inputs, ctx)
    docs = [d for inp in inputs for d in load_documents(inp, ctx, dbt)]
    models = sorted((d.dbt["name"], d.dbt["properties"]["description"], d.dbt["properties"]["line"])
                    for d in docs)
    assert models == sorted((f"m{i}", f"Model {i}.", 6 + 2 * i) for i in range(n))
    assert [p.name for p in reads] == ["schema.yml"]
    assert sorted(relations) == sorted(f"m{i}" for i in range(n))  # n*(n-1)/2 refs, n relations


def test_a_model_that_is_only_a_macro_call_is_not_checkable_not_broken(tmp_path: Path) -> None:
    """mattermost-data-warehouse writes whole models as {{ dbt_utils.union_relations(...) }}:
    without dbt that renders to no SQL. It is a warning that says why (never a silent pass),
    not an MG-INPUT error; a model that is really empty stays MG-INPUT."""
    write_project(tmp_path, {
        "models/unioned.sql": "{{ config(materialized='view') }}\n"
                              "{{ dbt_utils.union_relations(relations=[ref('a'), ref('b')]) }}\n",
        "models/empty.sql": "-- nothing yet\n{{ config(materialized='view') }}\n",
    })
    found = {(f.location.path, f.policy_id, f.severity) for f in run(tmp_path, None, ["MG-SKIPPED", "MG-INPUT"])}
    assert found == {("models/unioned.sql", "MG-SKIPPED", "warning"), ("models/empty.sql", "MG-INPUT", "error")}
