"""Rule cases of data policies (meshgov.core.cases): ``table: {columns, rows}``, the rows of
the first table the policy names, validated as a CSV file of the domain would be."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from meshgov.core.catalog import Catalog
from meshgov.core.cases import with_case_params
from meshgov.core.config import DomainConfig
from meshgov.core.model import Finding, Policy


def run_case(value: Any, policy: Policy, config: DomainConfig, catalog: Catalog,
             params: Mapping[str, Any]) -> list[Finding]:
    import csv
    import tempfile
    from pathlib import Path

    from meshgov.core.context import EvalContext, RunOptions
    from meshgov.data.evaluator import validate_bindings

    if not isinstance(value, Mapping) or not isinstance(value.get("rows"), list):
        raise ValueError("table: needs `columns` (names) and `rows` (lists of values)")
    columns = [str(c) for c in (value.get("columns") or [])]
    policy, catalog = with_case_params(policy, catalog, params)
    tables = [str(t) for t in policy.params.get("tables") or () if "*" not in str(t)]
    table = str(value.get("name") or (tables[0] if tables else "case.s.T"))
    with tempfile.TemporaryDirectory(prefix="meshgov-case-") as tmp:
        with (Path(tmp) / "t.csv").open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(columns)
            out.writerows(["" if v is None else v for v in row] for row in value["rows"])
        bindings = {table: {"path": "t.csv"}}
        cfg = replace(config, root=Path(tmp), data=bindings)
        ctx = EvalContext(config=cfg, catalog=catalog, options=RunOptions(kinds=("data",),
                                                                           data=True))
        return list(validate_bindings(bindings, ctx).findings)
