"""A tiny domain repo shared by the gate and hook tests (tests/ is on sys.path via conftest).

A council pack with one stable policy, so those tests do not depend on other rules.
"""

from __future__ import annotations

PACK_POLICIES = """\
kind: code
policies:
  - id: MG-C-002
    rule: select_star
    title: No SELECT * in models and views
    severity: error
    remediation: List the columns explicitly.
"""

CONFIG = """\
domain: sales
owner: sales-data@corp.example
catalogs: [sales_prod]
policies:
  packs: [council]
"""

GOOD_SQL = "SELECT o.id, o.amount FROM sales_prod.core.orders AS o\n"
BAD_SQL = "SELECT o.* FROM sales_prod.core.orders AS o\n"
