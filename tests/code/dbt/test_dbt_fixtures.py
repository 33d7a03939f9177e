"""The dbt projects of the fixture domains produce exactly the expected findings.

Only findings under ``dbt/`` are compared (the domains' plain SQL has its own fixture test).
Each expected finding is (policy, path, line); SQL rules (MG-C-004, MG-C-005) are included to
show that they run on rendered dbt models with lines mapped back to the ``.sql`` file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from meshgov import evaluate

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "domains"

EXPECTED = {
    "hr": [
        ("MG-INPUT", "dbt/models/adhoc/broken_report.sql", 4),   # unknown macro pivot_by_month
        ("MG-C-011", "dbt/models/adhoc/salary_bands.sql", 1),    # the folder's +meta blanks owner
        ("MG-C-013", "dbt/models/adhoc/salary_bands.sql", 1),    # salary: PII, undeclared
        ("MG-C-005", "dbt/models/adhoc/salary_bands.sql", 9),    # current_user() after config + if
        ("MG-C-010", "dbt/models/marts/employee_contacts.sql", 1),
        ("MG-C-013", "dbt/models/marts/employee_contacts.sql", 1),  # email: not classified
        ("MG-C-013", "dbt/models/marts/employee_contacts.sql", 1),  # phone: classified internal
        ("MG-C-014", "dbt/models/marts/headcount.sql", 1),       # public, no contract
        ("MG-C-014", "dbt/models/marts/headcount.sql", 1),       # column headcount undeclared
    ],
    "sales": [
        ("MG-C-013", "dbt/models/marts/employee_sales.sql", 1),  # email tagged pii, no classification
        ("MG-C-004", "dbt/models/marts/employee_sales.sql", 7),  # reads hr_prod.raw (not a product)
        ("MG-C-012", "dbt/models/staging/stg_orders.sql", 1),    # lacks the domain's tag "sales"
    ],
}


def _dbt_findings(domain: str, paths: list[Path] | None = None) -> list[tuple[str, str, int | None]]:
    root = FIXTURES / domain
    report = evaluate(paths or [root], config=root / "meshgov.yaml", kinds=("code",))
    return sorted((f.policy_id, f.location.path or "", f.location.line)
                  for f in report.findings if (f.location.path or "").startswith("dbt/"))


@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_domain_dbt_findings(domain: str) -> None:
    assert _dbt_findings(domain) == sorted(EXPECTED[domain])


@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_each_model_alone_gives_the_same_findings(domain: str) -> None:
    """Pre-commit passes single files: each model's findings do not depend on what else is given."""
    models = sorted((FIXTURES / domain / "dbt" / "models").rglob("*.sql"))
    got: list[tuple[str, str, int | None]] = []
    for m in models:
        got.extend(_dbt_findings(domain, [m]))
    assert sorted(got) == sorted(EXPECTED[domain])


def test_sales_model_compiled_by_dbt_is_read_from_the_manifest() -> None:
    from meshgov.api import resolve_config
    from meshgov.code.evaluator import load_documents
    from meshgov.core.catalog import load_catalog
    from meshgov.core.context import EvalContext
    from meshgov.core.discovery import discover

    root = FIXTURES / "sales"
    cfg = resolve_config([root], root / "meshgov.yaml")
    ctx = EvalContext(cfg, load_catalog(cfg, ("code",)))
    docs = {}
    for inp in discover([root / "dbt" / "models"], cfg.root, (), ("code",)):
        for d in load_documents(inp, ctx):
            docs[d.dbt["name"]] = d  # type: ignore[union-attr]
    obe = docs["orders_by_employee"]
    assert obe.dbt["compiled_from"] == "manifest"  # dbt_utils macro expanded by dbt itself
    assert "md5(" in obe.text
    assert docs["employee_sales"].dbt["compiled_from"] == "jinja"  # its manifest entry is stale
    assert "hr_prod.raw.employees_src" in docs["employee_sales"].text


def test_dbt_findings_validate_against_the_report_schema(report_schema: dict) -> None:
    import jsonschema

    root = FIXTURES / "hr"
    report = evaluate([root / "dbt"], config=root / "meshgov.yaml", kinds=("code",))
    doc = report.to_dict()
    jsonschema.validate(doc, report_schema)
    dbt = [f for f in doc["findings"] if f["policy_id"].startswith("MG-C-01")]
    assert dbt and all(f["subject"]["type"] == "dbt_model" for f in dbt)
    assert all(f["evidence"]["model"] for f in dbt)
