from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from meshgov.core.catalog import load_catalog
from meshgov.core.config import load_config
from meshgov.core.errors import ConfigError


def _domain(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "meshgov.yaml"
    p.write_text(textwrap.dedent(body))
    return p


def test_builtin_pack_loads_params_and_policies(tmp_path):
    cat = load_catalog(load_config(_domain(tmp_path, "domain: x\n")))
    assert "MG-C-002" in cat.policies
    assert cat.params["infra.warehouse.max_size"] == "X-Large"
    assert cat.nested_params()["infra"]["warehouse"]["max_size"] == "X-Large"


def test_domain_may_tighten_but_not_loosen(tmp_path):
    cfg = load_config(_domain(tmp_path, """\
        domain: x
        policies:
          params:
            infra.warehouse.max_size: Large
            infra.cluster.max_workers: 50
            infra.cluster.required_tags: [owner]
    """))
    cat = load_catalog(cfg)
    assert cat.params["infra.warehouse.max_size"] == "Large"  # tightened
    assert cat.params["infra.cluster.max_workers"] == 20  # loosening ignored
    assert cat.params["infra.cluster.required_tags"] == ["owner", "domain", "cost-center"]
    loosened = sorted(f.evidence["param"] for f in cat.findings if f.policy_id == "MG-GOV-001")
    assert loosened == ["infra.cluster.max_workers", "infra.cluster.required_tags"]


def test_unknown_or_mistyped_param_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown parameter"):
        load_catalog(load_config(_domain(tmp_path, "policies: {params: {nope: 1}}\n")))
    with pytest.raises(ConfigError, match="one of"):
        load_catalog(load_config(_domain(tmp_path, "policies: {params: {infra.warehouse.max_size: Huge}}\n")))


def test_disabling_global_policy_is_a_finding_and_stays(tmp_path):
    cat = load_catalog(load_config(_domain(tmp_path, "policies: {disable: [MG-C-002]}\n")))
    assert "MG-C-002" in cat.policies
    assert [f.policy_id for f in cat.findings] == ["MG-GOV-002"]


def test_local_policy_redefining_global_id_is_a_finding(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "code.yaml").write_text(textwrap.dedent("""\
        kind: code
        policies:
          - {id: MG-C-002, rule: select_star, title: weaker, severity: info}
          - {id: HR-C-100, rule: select_star, title: local extra, severity: warning}
    """))
    cat = load_catalog(load_config(_domain(tmp_path, "policies: {local: [policies/]}\n")))
    assert cat.policies["MG-C-002"].severity == "error"
    assert cat.policies["HR-C-100"].source == "local"
    assert [f.policy_id for f in cat.findings] == ["MG-GOV-002"]


def test_two_domains_claiming_one_catalog_is_config_error(fixtures_dir, tmp_path):
    gov = fixtures_dir / "governance"
    p = _domain(tmp_path, f"domain: sales2\ncatalogs: [hr_prod]\npolicies: {{packs: [builtin, {gov}]}}\n")
    with pytest.raises(ConfigError, match="claimed"):
        load_catalog(load_config(p))


def test_registry_knows_owners_and_products(fixtures_dir):
    cat = load_catalog(load_config(fixtures_dir / "domains" / "sales" / "meshgov.yaml"))
    reg = cat.registry
    assert reg.owner_of("hr_prod.raw.employees_src") == "hr"
    assert reg.owner_of("HR_PROD.published.EMPLOYEES") == "hr"
    assert reg.product_of("hr_prod.published.employees")[0] == "hr"
    assert reg.product_of("hr_prod.raw.employees_src") is None


def test_a_missing_builtin_pack_fails_closed(tmp_path, monkeypatch):
    """A broken installation (no checks/ beside the package) is an error, never an empty catalog
    under which everything passes."""
    from meshgov.core import catalog
    from meshgov.core.errors import MeshgovError

    monkeypatch.setattr(catalog, "builtin_pack_dirs",
                        lambda: (tmp_path / "nowhere" / "checks", tmp_path / "nowhere" / "rego"))
    with pytest.raises(MeshgovError, match="builtin policy pack is missing"):
        load_catalog(load_config(_domain(tmp_path, "domain: x\n")))
