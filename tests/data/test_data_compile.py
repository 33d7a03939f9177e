"""`meshgov data compile`: the suites are GX JSON that GX's own API loads and runs unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_compile_writes_suites_gx_loads_and_runs(fixtures_dir: Path, tmp_path: Path,
                                                 run_cli: Any) -> None:
    hr = fixtures_dir / "domains" / "hr"
    out_dir = tmp_path / "suites"
    code, out, err = run_cli("data", "compile", "--config", str(hr / "meshgov.yaml"),
                             "--output", str(out_dir))
    assert code == 0, err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == ["hr_prod.published.EMPLOYEES.json"]
    assert out.strip().endswith("hr_prod.published.EMPLOYEES.json")
    raw = json.loads((out_dir / files[0]).read_text())
    assert raw["name"] == "hr_prod.published.EMPLOYEES"
    policies = [e["meta"]["meshgov"]["policy"] for e in raw["expectations"]]
    assert "MG-D-001" in policies and len(policies) == 16
    seed = next(e for e in raw["expectations"] if e["meta"]["meshgov"]["policy"] == "MG-D-001")
    assert seed["type"] == "expect_column_values_to_be_between"
    assert seed["kwargs"] == {"column": "Emp_Num", "min_value": 0, "strict_min": True}

    # GX's own API, no meshgov code: load the suite, run it on the CSV with pandas
    import warnings

    with warnings.catch_warnings():  # GX imports pyspark, which warns about pandas 3
        warnings.simplefilter("ignore")
        import great_expectations as gx
        import pandas as pd
        from great_expectations.expectations.row_conditions import ComparisonCondition

    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(gx.ExpectationSuite(**raw))
    assert len(suite.expectations) == len(raw["expectations"])
    where = next(e for e in suite.expectations if e.meta["meshgov"]["policy"] == "HR-D-015")
    assert isinstance(where.row_condition, ComparisonCondition)
    batch = (context.data_sources.add_pandas("p").add_dataframe_asset("employees")
             .add_batch_definition_whole_dataframe("all"))
    vd = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch,
                                                                    suite=suite))
    df = pd.read_csv(hr / "data" / "employees.csv")
    result = vd.run(
        batch_parameters={"dataframe": df},
        expectation_parameters={"meshgov_min_ts__HR_D_011": "2025-01-01T00:00:00",
                                "meshgov_ref__HR_D_013": ["D01", "D02", "D03"]},
    )
    by_policy = {r.expectation_config.meta["meshgov"]["policy"]: r for r in result.results}
    assert by_policy["MG-D-001"].success is False
    assert by_policy["MG-D-001"].result["unexpected_count"] == 3
    assert by_policy["HR-D-011"].success is True  # newest row is after the given minimum
    assert by_policy["HR-D-013"].result["unexpected_count"] == 2
    assert by_policy["HR-D-015"].result["unexpected_count"] == 1


def test_compile_without_data_policies_writes_nothing(tmp_path: Path, run_cli: Any) -> None:
    (tmp_path / "meshgov.yaml").write_text("domain: x\n")
    code, out, err = run_cli("data", "compile", "--config", str(tmp_path / "meshgov.yaml"),
                             "--output", str(tmp_path / "out"))
    assert code == 0
    assert "0 suite(s)" in err
