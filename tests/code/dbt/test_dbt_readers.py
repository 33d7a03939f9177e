"""schema.yml, manifest.json and dbt_project.yml readers: right values, lines, clean failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshgov.code.dbt.errors import DbtReadError
from meshgov.code.dbt.manifest import parse_manifest
from meshgov.code.dbt.project import DbtProject, parse_project
from meshgov.code.dbt.properties import PropertyFile, parse_properties

FIXTURE_MANIFEST = (Path(__file__).resolve().parents[3] / "fixtures" / "domains" / "sales" / "dbt"
                    / "target" / "manifest.json")
P = Path("models/schema.yml")

SCHEMA = """\
version: 2
sources:
  - name: crm
    database: sales_prod
    tables:
      - name: customers
        identifier: CUSTOMERS_V2
models:
  - name: orders
    description: One row per order.
    meta: {owner: a@corp.example}
    tags: [gold]
    config:
      access: public
      contract: {enforced: true}
      tags: [nightly]
    columns:
      - name: order_id
        description: Id.
        data_type: bigint
      - name: email
        tags: [pii]
        config:
          meta: {classification: confidential}
"""


def test_properties_values_and_lines() -> None:
    pf = parse_properties(SCHEMA, P)
    (src,) = pf.sources
    assert (src.source, src.name, src.database, src.schema, src.identifier) == (
        "crm", "customers", "sales_prod", "crm", "CUSTOMERS_V2")
    (m,) = pf.models
    assert m.name == "orders" and m.line == 9 and m.description == "One row per order."
    assert m.config["meta"] == {"owner": "a@corp.example"}
    assert m.config["tags"] == ["gold", "nightly"]
    assert m.config["access"] == "public" and m.config["contract"] == {"enforced": True}
    assert [(c.name, c.line) for c in m.columns] == [("order_id", 18), ("email", 21)]
    assert m.columns[1].meta == {"classification": "confidential"} and m.columns[1].tags == ("pii",)
    assert m.columns[0].data_type == "bigint"


#: (text, line, message) of property files that cannot be read
MALFORMED = [
    ("models:\n  - name: a\n   bad: [\n", 3, "invalid YAML"),
    ("models: {name: a}\n", 1, "'models' must be a list"),
    ("models:\n  - description: no name\n", 2, "models[0] must be a mapping with a 'name'"),
    ("models:\n  - name: a\n    columns:\n      - description: x\n", 4, "a column must be a mapping"),
    ("models:\n  - name: a\n    meta: [1]\n", 3, "meta must be a mapping"),
    ("sources:\n  - name: s\n    tables: {a: 1}\n", 3, "'tables' must be a list"),
    ("- just\n- a list\n", 1, "expected a mapping at the top level"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_properties_raise_with_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DbtReadError) as err:
        parse_properties(text, P)
    assert err.value.line == line
    assert message in err.value.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_property_file_or_a_read_error(text: str) -> None:
    try:
        pf = parse_properties(text, P)
    except DbtReadError as err:
        assert err.message
        return
    assert isinstance(pf, PropertyFile)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["name", "models", "columns", "meta", "tags", "config", "sources", "tables", "description",
         "access", "contract", "database", "schema", "identifier"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["models", "sources", "version"]), yaml_values, max_size=3))
def test_any_yaml_shape_is_read_or_rejected_cleanly(doc: dict) -> None:
    text = json.dumps(doc)  # JSON is YAML
    try:
        parse_properties(text, P)
    except DbtReadError as err:
        assert err.message.startswith(("invalid dbt properties", "invalid YAML"))


def test_fixture_manifest_is_read() -> None:
    m = parse_manifest(FIXTURE_MANIFEST.read_bytes(), FIXTURE_MANIFEST)
    assert m.schema_version.endswith("/manifest/v12.json") and m.project_name == "sales"
    node = m.model_for_file("models/marts/orders_by_employee.sql")
    assert node is not None and node.unique_id == "model.sales.orders_by_employee"
    assert node.compiled_code and "`hr_prod`.`published`.`EMPLOYEES`" in node.compiled_code
    assert node.depends_on == ("model.sales.stg_orders", "source.sales.hr.employees")
    assert node.config["meta"] == {"owner": "sales-data@corp.example"}
    assert node.relation == "sales_prod.published.orders_by_employee"
    assert m.sources[("hr", "employees")] == "hr_prod.published.EMPLOYEES"


def test_truncated_manifest_reports_line_and_column() -> None:
    data = FIXTURE_MANIFEST.read_text()
    cut = data[: len(data) // 2]
    with pytest.raises(DbtReadError) as err:
        parse_manifest(cut, FIXTURE_MANIFEST)
    assert err.value.message.startswith("invalid JSON")
    assert err.value.line == cut.count("\n") + 1 or err.value.line == cut.count("\n")
    assert err.value.column is not None


@pytest.mark.parametrize(("data", "message"), [
    (b"[]", "expected a JSON object"),
    (b'{"nodes": {}}', "expected 'metadata' and 'nodes'"),
    (b'{"metadata": {}, "nodes": {"model.a.b": {"resource_type": "model"}}}', "lacks name"),
    (b'{"metadata": {}, "nodes": {}, "sources": [1]}', "'sources' must be an object"),
    (b"\xff\xfe", "invalid JSON"),
])
def test_manifest_of_the_wrong_shape(data: bytes, message: str) -> None:
    with pytest.raises(DbtReadError) as err:
        parse_manifest(data, FIXTURE_MANIFEST)
    assert message in err.value.message


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(max_size=20))
def test_any_corruption_of_a_manifest_is_read_or_rejected_cleanly(cut: int, junk: bytes) -> None:
    data = FIXTURE_MANIFEST.read_bytes()
    try:
        parse_manifest(data[:cut] + junk, FIXTURE_MANIFEST)
    except DbtReadError as err:
        assert err.message


def test_project_folder_configs_follow_dbt_precedence(tmp_path: Path) -> None:
    raw = {"name": "shop", "vars": {"a": 1, "shop": {"a": 2}},
           "models": {"+tags": ["all"], "shop": {"+meta": {"owner": "x", "tier": 1},
                                                 "marts": {"+tags": "m", "meta": {"tier": 2},
                                                           "+schema": "published",
                                                           "finance": {"materialized": "table"}}}}}
    p = parse_project(raw, tmp_path, tmp_path / "dbt_project.yml")
    cfg = p.folder_config(tmp_path / "models" / "marts" / "finance" / "x.sql")
    assert cfg == {"tags": ["all", "m"], "meta": {"owner": "x", "tier": 2}, "schema": "published",
                   "materialized": "table"}
    assert p.var("a") == (True, 2)
    assert p.is_model_file(tmp_path / "models" / "x.sql")
    assert not p.is_model_file(tmp_path / "macros" / "x.sql")
    assert not p.is_model_file(tmp_path / "target" / "compiled" / "models" / "x.sql")


@pytest.mark.parametrize("raw", [[1], {"name": 3}, {"model-paths": "x", "vars": [1]},
                                 {"models": ["x"]}, {"target-path": ""}])
def test_bad_project_files_raise(raw: object, tmp_path: Path) -> None:
    with pytest.raises(DbtReadError):
        parse_project(raw, tmp_path, tmp_path / "dbt_project.yml")


def test_default_project(tmp_path: Path) -> None:
    p = parse_project(None, tmp_path, tmp_path / "dbt_project.yml")
    assert p == DbtProject(root=tmp_path)


plain_yaml = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
    | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(plain_yaml)
def test_fast_yaml_construction_equals_pyyaml(value: object) -> None:
    import yaml

    from meshgov.code.dbt.properties import _compose_and_construct

    text = yaml.safe_dump({"models": value})
    assert _compose_and_construct(text, P)[1] == yaml.safe_load(text)


def _read_by_tree(text: str) -> PropertyFile | tuple[str, int | None]:
    """The property file as read from the composed node tree (the reader before the event
    reader, still its fallback), or the (message, line) of its error."""
    from meshgov.code.dbt import properties

    def no_events(_text: str) -> None:
        raise properties._Fallback

    saved = properties._read_events
    properties._read_events = no_events  # type: ignore[assignment]
    try:
        return parse_properties(text, P)
    except DbtReadError as err:
        return err.message, err.line
    finally:
        properties._read_events = saved  # type: ignore[assignment]


def _read(text: str) -> PropertyFile | tuple[str, int | None]:
    try:
        return parse_properties(text, P)
    except DbtReadError as err:
        return err.message, err.line


EVENT_CASES = [
    SCHEMA,
    "",
    "version: 2\n",
    "---\nmodels: []\n...\n",
    "models:\n  - name: a\n  - name: b\n    columns: [{name: x}, {name: y, meta: {k: 1}}]\n",
    "models:\n  - &m {name: a}\n  - *m\n",  # anchors and aliases: the tree reads them
    "models:\n  - name: a\n  - name: a\n    description: twice\n",
    "models:\n  - name: a\nmodels:\n  - name: b\n",  # duplicate key: the last wins
    "models:\n  - name: a\n    meta: {<<: {x: 1}}\n",  # merge key
    "models:\n  - name: a\n    description: !!str 12\n    config: {meta: {d: 2024-01-01}}\n",
    "models:\n  - name: a\n    columns: [{name: 1.5}, {name: true}, {name: 0x1f}]\n",
    "models: [{name: a}]\n---\nmodels: [{name: b}]\n",  # two documents
    "sources:\n  - name: s\n    tables:\n      - name: t\n      -\n        name: u\n",
    "? [a]\n: b\n",
    *(text for text, _line, _message in MALFORMED),
    "models:\n  - name: a\n    config: [1]\n",
    "models:\n  - name: a\n    columns:\n      - name: c\n        meta: [1]\n",
    "sources:\n  - name: s\n    tables: [1]\n",
]


@pytest.mark.parametrize("text", EVENT_CASES)
def test_event_reader_reads_what_the_tree_reads(text: str) -> None:
    assert _read(text) == _read_by_tree(text)


def test_event_reader_on_a_generated_schema() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from gen_dbt_corpus import schema_yml

    text = schema_yml(30)
    pf = _read(text)
    assert isinstance(pf, PropertyFile) and len(pf.models) == 30
    assert pf == _read_by_tree(text)
    numbered = list(enumerate(text.splitlines(), start=1))
    assert [m.line for m in pf.models] == [n for n, line in numbered
                                          if line.startswith("  - name: model_")]
    assert [c.line for m in pf.models for c in m.columns] == [
        n for n, line in numbered if line.startswith("      - name: ") and n > pf.models[0].line]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["models", "sources", "version"]), yaml_values, max_size=3),
       st.sampled_from([None, True, False]))
def test_event_reader_equals_tree_reader_on_any_shape(doc: dict, flow: bool | None) -> None:
    import yaml

    text = yaml.safe_dump(doc, default_flow_style=flow)
    assert _read(text) == _read_by_tree(text)
