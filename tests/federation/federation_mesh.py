"""A small mesh in a temporary directory: a council pack and one domain repo (helpers for
the federation tests; the ``mesh`` fixture is registered by ``conftest.py``)."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

TODAY = dt.date(2026, 11, 21)

COUNCIL_PACK = """\
name: acme-council
params:
  infra.warehouse.max_size:
    default: X-Large
    tighten: lower
    order: [Small, Medium, Large, X-Large, 2X-Large]
  code.max_joins:
    default: 5
    tighten: lower
approved_waivers:
  - policy: ACME-ENF
    subject: sql/approved.sql
    reason: council approved, ticket GOV-7
    owner: council@corp.example
    expires: 2099-01-01
  - policy: ACME-ENF
    subject: sql/council_expired.sql
    reason: an approval that ran out
    owner: council@corp.example
    expires: 2020-01-01
"""

COUNCIL_POLICIES = """\
kind: code
policies:
  - id: ACME-STAR
    rule: select_star
    title: No SELECT * (council)
    severity: error
    remediation: List the columns.
  - id: ACME-ENF
    rule: select_star
    title: No SELECT * (enforced by the council)
    severity: error
    enforced: true
"""

PRODUCTS = """\
domains:
  hr:
    owner: hr-data@corp.example
    catalogs: [hr_prod]
    products:
      - name: employees
        tables: [hr_prod.published.EMPLOYEES]
        description: One row per employee.
"""

STAR = "SELECT *\nFROM hr_prod.published.EMPLOYEES\n"


class Mesh:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.council = root / "governance"
        self.domain = root / "hr"
        self.council.mkdir()
        self.domain.mkdir()
        (self.council / "pack.yaml").write_text(COUNCIL_PACK)
        (self.council / "code.yaml").write_text(COUNCIL_POLICIES)
        (self.council / "products.yml").write_text(PRODUCTS)

    def config(self, extra: str = "", *, policies: str = "") -> Path:
        """meshgov.yaml: ``policies`` goes under ``policies:`` (after packs), ``extra`` at the top."""
        text = "domain: hr\nowner: hr-data@corp.example\ncatalogs: [hr_prod]\n"
        text += "policies:\n  packs: [../governance]\n"
        text += textwrap.indent(textwrap.dedent(policies), "  ")
        text += textwrap.dedent(extra)
        path = self.domain / "meshgov.yaml"
        path.write_text(text)
        return path

    def sql(self, rel: str, text: str = STAR) -> Path:
        path = self.domain / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def line_of(self, rel: str, needle: str) -> int:
        lines = (self.domain / rel).read_text().splitlines()
        return next(i for i, line in enumerate(lines, start=1) if needle in line)

    def evaluate(self, **options):
        import meshgov

        options.setdefault("kinds", ("code",))
        options.setdefault("today", TODAY)
        return meshgov.evaluate([self.domain], config=self.domain / "meshgov.yaml", **options)


def by_policy(report, policy_id: str):
    return [f for f in report.findings if f.policy_id == policy_id]
