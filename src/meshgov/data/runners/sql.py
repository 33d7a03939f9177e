"""SQL databases through SQLAlchemy URLs (SQLite embedded, PostgreSQL, anything GX supports).

Binding: ``{url: "postgresql://user@host/db", table: employees, schema: public}`` or
``{url: ..., query: "select ..."}``; without ``table``/``query`` the last part of the
meshgov table name is used. Relative SQLite paths resolve against the domain root, and a
missing SQLite file is an error (SQLAlchemy would silently create an empty database).
``timeout_seconds`` (default 10) bounds the connect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from meshgov.data import sqlscan
from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource, type_class_of_python


def _url(binding: Mapping[str, Any], env: RunnerEnv) -> Any:
    import sqlalchemy as sa

    try:
        url = sa.engine.make_url(str(binding["url"]))
    except Exception:  # noqa: BLE001 - ArgumentError and friends
        raise DataSourceError("url: not a valid SQLAlchemy URL") from None
    if url.get_backend_name() == "sqlite":
        db = url.database
        if not db or db == ":memory:":
            raise DataSourceError("url: an in-memory SQLite database holds no tables to check")
        path = Path(db)
        if not path.is_absolute():
            path = (env.root / path).resolve()
            url = url.set(database=str(path))
        if not path.is_file():
            raise DataSourceError(f"SQLite database not found: {db}")
    return url


def connect_args(url: Any, timeout: float) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"timeout": timeout}
    if backend in ("postgresql", "mysql", "mariadb"):
        return {"connect_timeout": max(1, int(round(timeout)))}
    return {}


def shown_url(url: Any) -> str:
    return str(url.render_as_string(hide_password=True))


def table_parts(table: str, binding: Mapping[str, Any]) -> tuple[str | None, str]:
    name = str(binding.get("table") or table.split(".")[-1])
    schema = binding.get("schema")
    if schema is None and "." in name:
        schema, name = name.rsplit(".", 1)
    return (str(schema) if schema else None), name


def _columns(conn: Any, schema: str | None, name: str, query: str | None) -> dict[str, str]:
    import sqlalchemy as sa

    if query:
        result = conn.execute(sa.text(f"SELECT * FROM ({query}) AS meshgov_q LIMIT 0"))
        return {str(k): "other" for k in result.keys()}
    try:
        cols = sa.inspect(conn).get_columns(name, schema=schema)
    except sa.exc.NoSuchTableError:
        cols = []
    if not cols:
        where = f"{schema}.{name}" if schema else name
        raise DataSourceError(f"table not found: {where}")
    out = {}
    for c in cols:
        try:
            py = c["type"].python_type
        except NotImplementedError:
            py = None
        out[str(c["name"])] = type_class_of_python(py)
    return out


def open_engine(url: Any, timeout: float) -> Any:
    import sqlalchemy as sa

    return sa.create_engine(url, connect_args=connect_args(url, timeout), poolclass=sa.pool.NullPool)


def describe_error(exc: BaseException, url: Any) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    password = url.password
    if password:
        first = first.replace(str(password), "***")
    return first


def open_source(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> TableSource:
    import sqlalchemy as sa

    url = _url(binding, env)
    timeout = float(binding.get("timeout_seconds") or env.timeout)
    schema, name = table_parts(table, binding)
    query = binding.get("query")
    engine = open_engine(url, timeout)
    try:
        with engine.connect() as conn:
            columns = _columns(conn, schema, name, str(query) if query else None)
    except DataSourceError:
        engine.dispose()
        raise
    except Exception as exc:  # noqa: BLE001 - refused, timeout, auth, bad query
        engine.dispose()
        raise DataSourceError(f"cannot connect to {shown_url(url)}: {describe_error(exc, url)}") from None
    backend = url.get_backend_name()
    made: list[Any] = []

    def gx_batch(_columns: Sequence[str] | None) -> tuple[Any, Mapping[str, Any] | None]:
        # GX (and its import) only when a check needs it: the one statement computes the
        # common rules, GX the others and the example values of failing checks
        if not made:
            made.append(add_gx_sql_asset(env, url, connect_args(url, timeout), schema, name,
                                         query))
        return made[0], None

    def scan(configs: Sequence[Mapping[str, Any]], _examples: int,
             _on_rows: Callable[[int], None]) -> dict[str, Any]:
        mine, _ = sqlscan.split(configs, columns, backend)
        if not mine:
            return {}
        source = sa.text(f"({query}) AS meshgov_q") if query else sa.table(name, schema=schema)
        try:
            with engine.connect() as conn:
                return sqlscan.run(conn, source, mine)
        except sa.exc.DBAPIError:
            return {}  # GX runs them all and reports the database's error as it would

    def distinct(column: str) -> list[Any]:
        tbl = sa.table(name, sa.column(column), schema=schema)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(tbl.c[column]).distinct().where(tbl.c[column].isnot(None)))
            return [r[0] for r in rows]

    def sample(limit: int) -> Any:
        if query:
            sql = f"SELECT * FROM ({query}) AS meshgov_q LIMIT {int(limit)}"
        else:
            stmt = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema)).limit(limit)
            sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        gx_batch(None)  # the datasource the sample's query asset joins
        ds = env.gx.data_sources.get(env.name)
        return ds.add_query_asset(f"{env.name}_sample", query=sql).add_batch_definition_whole_table(
            "sample")

    return TableSource(
        table=table,
        backend="sql",
        columns=columns,
        shown=shown_url(url),
        distinct=distinct,
        close=engine.dispose,
        sample=sample,
        scan=scan if backend in sqlscan.BACKENDS else None,
        gx_batch=gx_batch,
    )


def gx_identifier(name: str, backend: str) -> str:
    """GX folds unquoted names to lower case on PostgreSQL: quote mixed-case names for it."""
    if backend == "postgresql" and name != name.lower() and not name.startswith('"'):
        return f'"{name}"'
    return name


def add_gx_sql_asset(
    env: RunnerEnv, url: Any, cargs: Mapping[str, Any], schema: str | None, name: str,
    query: Any,
) -> Any:
    """A GX SQL datasource + asset + whole-table batch definition for the bound table."""
    conn_str = url.render_as_string(hide_password=False)
    sources = env.gx.data_sources
    backend = url.get_backend_name()
    kwargs = {"connect_args": dict(cargs)} if cargs else {}
    if backend == "sqlite":
        ds = sources.add_sqlite(env.name, connection_string=conn_str)
    elif backend == "postgresql":
        ds = sources.add_postgres(env.name, connection_string=conn_str, kwargs=kwargs)
    else:
        ds = sources.add_sql(env.name, connection_string=conn_str, kwargs=kwargs)
    if query:
        asset = ds.add_query_asset(env.name, query=str(query))
    else:
        asset = ds.add_table_asset(env.name, table_name=gx_identifier(name, backend),
                                   schema_name=gx_identifier(schema, backend) if schema else None)
    return asset.add_batch_definition_whole_table("all")
