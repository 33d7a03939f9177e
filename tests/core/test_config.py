from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from meshgov.core.config import find_config, load_config
from meshgov.core.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "meshgov.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_loads_fixture_domain(fixtures_dir):
    cfg = load_config(fixtures_dir / "domains" / "hr" / "meshgov.yaml")
    assert cfg.domain == "hr"
    assert cfg.default_catalog == "hr_prod"
    assert cfg.products[0].tables == ("hr_prod.published.EMPLOYEES",)


@pytest.mark.parametrize(
    "text, key, expected",
    [
        ("domian: hr\n", "domian", "unknown key"),
        ("domain: [1]\n", "domain", "expected"),
        ("policies: {packz: []}\n", "policies.packz", "unknown key"),
        ("policies: {packs: [nowhere]}\n", "policies.packs", "not found"),
        ("products: [{name: p, tables: [a.b]}]\n", "products[0].tables", "three-level"),
        ("waivers: [{policy: X, subject: s, reason: r, owner: o}]\n", "waivers[0].expires", "date"),
        ("waivers: [{policy: X, subject: s, owner: o, expires: 2027-01-01}]\n", "waivers[0].reason", "required"),
        ("data: {t: {paht: x.csv}}\n", "data.t.paht", "unknown key"),
        ("catalogs: 3\n", "catalogs", "list"),
    ],
)
def test_bad_config_names_file_key_and_expectation(tmp_path, text, key, expected):
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert exc.value.key == key
    assert expected in exc.value.expected
    assert str(p) in str(exc.value)


def test_invalid_yaml_is_config_error_with_line(tmp_path):
    p = _write(tmp_path, "domain: hr\nowner: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert exc.value.line is not None


def test_find_config_searches_upward(tmp_path):
    p = _write(tmp_path, "domain: x\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config([deep]) == p
