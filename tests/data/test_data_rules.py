"""Rule behaviour as data: tests/data/cases/<rule>.yaml (rows, policies, expected unexpected counts).

Each case runs on a CSV file (pandas), SQLite and the real PostgreSQL server.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from data_helpers import data_policy, make_context

from meshgov.data.vocabulary import RULES

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
PG_TYPES = {"INTEGER": "integer", "REAL": "double precision", "TEXT": "text",
            "TIMESTAMP": "timestamp"}
TABLE, REF = "t_prod.s.T", "ref.s.REF"


def _load() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for f in CASE_FILES:
        spec = yaml.safe_load(f.read_text())
        for case in spec["cases"]:
            out.append((f"{f.stem}:{case['name']}", spec, case))
    return out


CASES = _load()


def test_every_rule_has_a_case_file() -> None:
    covered = {yaml.safe_load(f.read_text())["rule"] for f in CASE_FILES}
    assert covered == set(RULES)


def _write_csv(path: Path, columns: dict[str, str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(columns))
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def _write_sqlite(db: Path, table: str, columns: dict[str, str], rows: list[list[Any]]) -> None:
    con = sqlite3.connect(db)
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    con.execute(f'CREATE TABLE "{table}" ({cols})')
    con.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(columns))})', rows)
    con.commit()
    con.close()


def _write_pg(url: str, table: str, columns: dict[str, str], rows: list[list[Any]]) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))
        cols = ", ".join(f'"{c}" {PG_TYPES[t]}' for c, t in columns.items())
        conn.execute(sa.text(f'CREATE TABLE "{table}" ({cols})'))
        names = [f"p{i}" for i in range(len(columns))]
        stmt = sa.text(f'INSERT INTO "{table}" VALUES ({", ".join(":" + n for n in names)})')
        conn.execute(stmt, [dict(zip(names, r)) for r in rows])
    engine.dispose()


def _bindings(backend: str, tmp: Path, spec: dict[str, Any], request: Any) -> dict[str, dict]:
    tables = {"T": (spec["columns"], spec["rows"])}
    if "ref_columns" in spec:
        tables["REF"] = (spec["ref_columns"], spec["ref_rows"])
    out: dict[str, dict] = {}
    if backend == "files":
        for name, (cols, rows) in tables.items():
            _write_csv(tmp / f"{name}.csv", cols, rows)
        out = {TABLE: {"path": "T.csv"}, REF: {"path": "REF.csv"}}
    elif backend == "sqlite":
        db = tmp / "db.sqlite"
        for name, (cols, rows) in tables.items():
            _write_sqlite(db, name, cols, rows)
        out = {TABLE: {"url": "sqlite:///db.sqlite", "table": "T"},
               REF: {"url": "sqlite:///db.sqlite", "table": "REF"}}
    else:
        server = request.getfixturevalue("pg_server")
        suffix = tmp.name.replace("-", "_").lower()[-40:]
        for name, (cols, rows) in tables.items():
            _write_pg(server.url, f"{name}_{suffix}", cols, rows)
        out = {TABLE: {"url": server.url, "table": f"T_{suffix}"},
               REF: {"url": server.url, "table": f"REF_{suffix}"}}
    if "ref_columns" not in spec:
        out.pop(REF)
    return out


BACKENDS = [
    pytest.param("files", id="files"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "spec", "case"), CASES, ids=[c[0] for c in CASES])
def test_rule_case(backend: str, name: str, spec: dict, case: dict, tmp_path: Path,
                   request: Any) -> None:
    from meshgov.data.evaluator import validate_bindings

    bindings = _bindings(backend, tmp_path, spec, request)
    policy = data_policy("T-001", spec["rule"], [TABLE], **case["policy"])
    result = validate_bindings(bindings, make_context(tmp_path, bindings, [policy]))
    findings = list(result.findings)
    if "not_checked" in case:
        assert [f.policy_id for f in findings] == ["MG-INPUT"], findings
        assert case["not_checked"] in findings[0].message
        assert findings[0].severity == "error"
        return
    if case.get("unexpected") is None and not case.get("fails"):
        assert findings == [], [f.message for f in findings]
        return
    assert [f.policy_id for f in findings] == ["T-001"], [f.message for f in findings]
    ev = findings[0].evidence
    assert findings[0].subject.type == "table" and findings[0].subject.ref == TABLE
    if case.get("unexpected") is not None:
        assert ev["unexpected_count"] == case["unexpected"], ev
        assert 0 < ev["unexpected_percent"] <= 100
    if case.get("withheld"):
        assert "examples" not in ev and ev["examples_withheld"] == "PII column"
