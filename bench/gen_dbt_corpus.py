"""Generate a dbt project of N models for benchmarks: ``python bench/gen_dbt_corpus.py OUT_DIR N``.

Writes ``OUT_DIR/{meshgov.yaml, dbt_project.yml, .sqlfluff, models/...}``: N models with
``config()``, ``ref()`` to earlier models (the first ones read ``source()``), ``var()``, an
``{% if is_incremental() %}`` block, CTEs, joins and window functions, plus ``models/schema.yml``
(sources, a description, meta.owner and columns for every model). Deterministic (seeded), so two
runs write the same corpus. Every model renders with meshgov's Jinja stubs and with sqlfluff's
jinja templater (its dbt builtins), and parses with sqlglot (Databricks dialect).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

N_SOURCES = 10
COLUMNS = ("order_id", "customer_id", "amount", "ordered_at", "segment", "country", "rn", "metric")
WINDOWS = (
    "ROW_NUMBER() OVER (PARTITION BY b.customer_id ORDER BY b.ordered_at DESC)",
    "RANK() OVER (PARTITION BY d.segment ORDER BY b.amount DESC)",
    "DENSE_RANK() OVER (PARTITION BY d.country ORDER BY b.ordered_at)",
)
METRICS = (
    "SUM(b.amount) OVER (PARTITION BY d.segment)",
    "AVG(b.amount) OVER (PARTITION BY b.customer_id ORDER BY b.ordered_at ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)",
    "LAG(b.amount, 1) OVER (PARTITION BY b.customer_id ORDER BY b.ordered_at)",
    "COUNT(*) OVER (PARTITION BY d.country)",
)


def model_name(i: int) -> str:
    return f"model_{i:05d}"


def model_sql(i: int, rng: random.Random) -> str:
    if i < N_SOURCES:
        upstream = f"{{{{ source('raw', 'orders_{i}') }}}}"
    else:
        upstream = f"{{{{ ref('{model_name(rng.randrange(i))}') }}}}"
    extra = ""
    if rng.random() < 0.5:
        extra = (
            ",\ncustomer_totals AS (\n"
            "  SELECT customer_id, SUM(amount) AS total_amount, COUNT(*) AS n_orders\n"
            "  FROM base\n"
            "  GROUP BY customer_id\n"
            "  HAVING COUNT(*) > 1\n"
            ")"
        )
    join_totals = ("\n  LEFT JOIN customer_totals AS t ON t.customer_id = b.customer_id"
                   if extra else "")
    return (
        "{{\n  config(\n    materialized='table',\n    tags=['bench'],\n  )\n}}\n"
        f"-- {model_name(i)}: generated for benchmarks\n"
        "WITH base AS (\n"
        "  SELECT\n    o.order_id,\n    o.customer_id,\n    o.amount,\n    o.ordered_at\n"
        f"  FROM {upstream} AS o\n"
        f"  WHERE o.amount > {{{{ var('min_amount', {rng.randint(0, 50)}) }}}}\n"
        "),\n"
        "dims AS (\n"
        "  SELECT c.customer_id, c.segment, c.country\n"
        f"  FROM {{{{ source('raw', 'customers_{rng.randrange(N_SOURCES)}') }}}} AS c\n"
        f"  WHERE c.country IN ('DE', 'FR', 'NL'){' AND c.segment IS NOT NULL' if rng.random() < 0.5 else ''}\n"
        f"){extra},\n"
        "joined AS (\n"
        "  SELECT\n    b.order_id,\n    b.customer_id,\n    b.amount,\n    b.ordered_at,\n"
        "    d.segment,\n    d.country,\n"
        f"    {rng.choice(WINDOWS)} AS rn,\n"
        f"    {rng.choice(METRICS)} AS metric\n"
        "  FROM base AS b\n"
        f"  {rng.choice(('LEFT JOIN', 'JOIN', 'INNER JOIN'))} dims AS d ON d.customer_id = b.customer_id"
        f"{join_totals}\n"
        "  {% if is_incremental() %}\n"
        "  WHERE b.ordered_at > (SELECT MAX(ordered_at) FROM {{ this }})\n"
        "  {% endif %}\n"
        ")\n"
        f"SELECT {', '.join(COLUMNS)}\n"
        "FROM joined\n"
        f"WHERE rn <= {rng.randint(1, 20)}\n"
    )


def schema_yml(n: int) -> str:
    lines = ["version: 2", "sources:", "  - name: raw", "    database: bench_prod", "    schema: raw",
             "    tables:"]
    for k in range(N_SOURCES):
        lines += [f"      - name: orders_{k}", f"      - name: customers_{k}"]
    lines.append("models:")
    for i in range(n):
        lines += [f"  - name: {model_name(i)}",
                  f"    description: Generated model {i} for benchmarks.",
                  "    config:",
                  "      meta: {owner: bench@corp.example}",
                  "    columns:"]
        lines += [f"      - name: {c}\n        description: {c.replace('_', ' ')}." for c in COLUMNS]
    return "\n".join(lines) + "\n"


def generate(out: Path, n: int, seed: int = 20261122) -> list[Path]:
    """Write the project; return the model files."""
    rng = random.Random(seed)
    models_dir = out / "models" / "marts"
    models_dir.mkdir(parents=True, exist_ok=True)
    (out / "meshgov.yaml").write_text(
        "domain: bench\nowner: bench@corp.example\ncatalogs: [bench_prod]\n", encoding="utf-8")
    (out / "dbt_project.yml").write_text(
        "name: bench\nversion: '1.0.0'\nconfig-version: 2\nprofile: bench\n"
        "vars:\n  min_amount: 0\nmodels:\n  bench:\n    +schema: published\n", encoding="utf-8")
    (out / ".sqlfluff").write_text(
        "[sqlfluff]\ndialect = databricks\ntemplater = jinja\n\n"
        "[sqlfluff:templater:jinja]\napply_dbt_builtins = True\n", encoding="utf-8")
    (out / "models" / "schema.yml").write_text(schema_yml(n), encoding="utf-8")
    files = []
    for i in range(n):
        f = models_dir / f"{model_name(i)}.sql"
        f.write_text(model_sql(i, rng), encoding="utf-8")
        files.append(f)
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python bench/gen_dbt_corpus.py OUT_DIR N", file=sys.stderr)
        return 2
    files = generate(Path(argv[0]), int(argv[1]))
    print(f"wrote {len(files)} dbt models under {argv[0]}/models")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
