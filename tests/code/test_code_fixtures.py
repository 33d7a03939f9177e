"""The SQL files of the fixture domain repos produce exactly the expected findings."""

from __future__ import annotations

import datetime as dt

import pytest

import meshgov

TODAY = dt.date(2026, 11, 22)

# (policy, path, line, waived) for every finding on the domain's sql/ files
EXPECTED = {
    "sales": [
        ("MG-C-006", "sql/admin/grants.sql", 4, False),     # ALL PRIVILEGES on a catalog to account users
        ("MG-C-006", "sql/admin/grants.sql", 6, False),     # a user owns a view
        ("MG-C-003", "sql/legacy/old_margin_report.sql", 4, True),   # waived in meshgov.yaml
        ("MG-C-002", "sql/orders_enriched.sql", 3, False),  # SELECT o.*
        ("MG-C-004", "sql/reports/SALES_BY_EMPLOYEE.sql", 11, False),  # hr's raw table
        ("MG-C-004", "sql/reports/SALES_BY_EMPLOYEE.sql", 12, False),  # finance's raw ledger
        ("MG-C-001", "sql/staging/stg_order_lines.sql", 2, False),  # lower-case table name
        ("MG-C-005", "sql/staging/stg_order_lines.sql", 7, True),   # suppressed inline
        ("MG-C-005", "sql/staging/stg_order_lines.sql", 8, False),  # current_user()
    ],
    "hr": [
        ("MG-C-006", "sql/admin/security.sql", 2, False),    # unqualified mask function
        ("MG-C-006", "sql/admin/security.sql", 4, False),    # UNSET TAGS ('pii')
        ("MG-C-006", "sql/admin/security.sql", 5, False),    # MODIFY to users
        ("MG-SUPPRESS", "sql/admin/security.sql", 6, False),  # suppression without a reason
        ("MG-C-001", "sql/analysis/orders_per_department.sql", 2, False),
        ("MG-C-004", "sql/analysis/orders_per_department.sql", 6, False),  # sales' raw table
    ],
}


@pytest.mark.parametrize("domain", sorted(EXPECTED))
def test_fixture_domain_sql_findings(domain: str, fixtures_dir) -> None:
    root = fixtures_dir / "domains" / domain
    report = meshgov.evaluate([root / "sql"], config=root / "meshgov.yaml", kinds=("code",),
                              today=TODAY)
    got = [(f.policy_id, f.location.path, f.location.line, f.waived)
           for f in sorted(report.findings, key=lambda f: f.sort_key())
           if (f.location.path or "").startswith("sql/")]
    assert got == EXPECTED[domain]
    assert report.run.domain == domain


def test_compliant_fixture_files_have_no_findings(fixtures_dir) -> None:
    files = [fixtures_dir / "domains" / "sales" / "sql" / "published" / "ORDERS.sql",
             fixtures_dir / "domains" / "hr" / "sql" / "published" / "DEPARTMENTS.sql",
             fixtures_dir / "domains" / "hr" / "sql" / "employees.sql"]
    for f in files:
        cfg = f.parents[2] / "meshgov.yaml" if f.parent.name == "published" else f.parents[1] / "meshgov.yaml"
        report = meshgov.evaluate([f], config=cfg, kinds=("code",), today=TODAY)
        # (a waiver of meshgov.yaml about other files is reported unused on a one-file run)
        own = [x for x in report.findings if x.location.path != "meshgov.yaml"]
        assert own == [], (f, own)
