"""A Databricks SQL warehouse through GX's ``databricks_sql`` datasource.

Binding: ``{warehouse_id: "abc123", table: EMPLOYEES, catalog: hr_prod, schema: published}``;
catalog, schema and table default to the parts of the three-level meshgov table name. The
workspace host and token come from ``options: {host: ..., token_env: VAR}`` or the
``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN`` environment variables (never from meshgov.yaml
literally). The connection needs the ``databricks-sqlalchemy`` dialect at run time; the
part tested here is :func:`connection_string` and :func:`build_datasource`, which do not
connect.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource


@dataclass(frozen=True)
class WarehouseTarget:
    host: str
    http_path: str
    catalog: str
    schema: str
    table: str
    token_env: str


def target(table: str, binding: Mapping[str, Any], environ: Mapping[str, str]) -> WarehouseTarget:
    options = dict(binding.get("options") or {})
    parts = table.split(".")
    if len(parts) != 3 and not (binding.get("catalog") and binding.get("schema")):
        raise DataSourceError("a warehouse binding needs a three-level table name "
                              "or catalog: and schema:")
    host = str(options.get("host") or environ.get("DATABRICKS_HOST") or "")
    host = host.removeprefix("https://").removeprefix("http://").rstrip("/")
    if not host:
        raise DataSourceError("no workspace host: set options.host or DATABRICKS_HOST")
    return WarehouseTarget(
        host=host,
        http_path=f"/sql/1.0/warehouses/{binding['warehouse_id']}",
        catalog=str(binding.get("catalog") or parts[0]),
        schema=str(binding.get("schema") or parts[1]),
        table=str(binding.get("table") or parts[-1]),
        token_env=str(options.get("token_env") or "DATABRICKS_TOKEN"),
    )


def connection_string(t: WarehouseTarget, environ: Mapping[str, str]) -> str:
    token = environ.get(t.token_env)
    if not token:
        raise DataSourceError(f"no access token: set {t.token_env}")
    return (f"databricks://token:{quote(token, safe='')}@{t.host}?http_path={quote(t.http_path)}"
            f"&catalog={quote(t.catalog)}&schema={quote(t.schema)}")


def build_datasource(name: str, conn: str) -> Any:
    """The GX DatabricksSQLDatasource (validated by GX's DatabricksDsn), not yet connected."""
    from great_expectations.datasource.fluent import DatabricksSQLDatasource

    try:
        return DatabricksSQLDatasource(name=name, connection_string=conn)
    except Exception as exc:  # noqa: BLE001 - pydantic validation of the DSN
        raise DataSourceError(f"invalid warehouse connection: {type(exc).__name__}") from None


def open_source(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> TableSource:
    t = target(table, binding, os.environ)
    ds = build_datasource(env.name, connection_string(t, os.environ))
    shown = f"databricks://{t.host}{t.http_path} {t.catalog}.{t.schema}.{t.table}"
    try:
        ds = env.gx.data_sources.add_databricks_sql(datasource=ds)
        asset = ds.add_table_asset(env.name, table_name=t.table, schema_name=t.schema)
        batch = asset.add_batch_definition_whole_table("all")
    except Exception as exc:  # noqa: BLE001 - dialect missing, unreachable, auth
        raise DataSourceError(f"cannot connect to {shown}: {_scrub(exc, t)}") from None
    return TableSource(table=table, backend="databricks", columns=None, batch_definition=batch,
                       shown=shown)


def _scrub(exc: BaseException, t: WarehouseTarget) -> str:
    """The first line of the error without the token (GX messages may echo the URL)."""
    cause = exc.__cause__ or exc
    lines = str(cause).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else type(cause).__name__}"[:300]
    token = os.environ.get(t.token_env)
    if token:
        text = text.replace(token, "***").replace(quote(token, safe=""), "***")
    return text
