"""Spark DataFrames through PySpark: a catalog table or files, validated by GX's Spark engine.

Binding: ``{spark: true}`` (the meshgov table name is the Spark table), ``{spark: true,
table: db.tbl}``, or ``{spark: true, path: data/x.parquet, format: parquet|csv|delta}``.
The active SparkSession is reused (on Databricks, the cluster's); otherwise one is started
on ``MESHGOV_SPARK_MASTER`` (default ``local[1]``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from meshgov.data.runners.base import DataSourceError, RunnerEnv, TableSource


def session() -> Any:
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = os.environ.get("MESHGOV_SPARK_MASTER", "local[1]")
    spark = (
        SparkSession.builder.master(master)
        .appName("meshgov")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def type_class(data_type: Any) -> str:
    name = type(data_type).__name__
    if name == "StringType" or name.startswith(("VarcharType", "CharType")):
        return "string"
    if name == "BooleanType":
        return "bool"
    if name in ("TimestampType", "TimestampNTZType", "DateType"):
        return "datetime"
    if name in ("ByteType", "ShortType", "IntegerType", "LongType", "FloatType", "DoubleType",
                "DecimalType"):
        return "number"
    return "other"


def load_frame(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> tuple[Any, str]:
    spark = session()
    options = dict(binding.get("options") or {})
    if binding.get("path"):
        raw = str(binding["path"])
        path = (env.root / raw).resolve()
        fmt = str(binding.get("format") or path.suffix.lstrip(".").lower() or "parquet")
        if fmt == "csv":
            options.setdefault("header", "true")
            options.setdefault("inferSchema", "true")
        if not path.exists():
            raise DataSourceError(f"file not found: {raw}")
        try:
            df = spark.read.format(fmt).options(**options).load(str(path))
            df.schema  # noqa: B018 - force schema resolution inside the try
        except Exception as exc:  # noqa: BLE001 - AnalysisException & co
            raise DataSourceError(f"cannot read {raw} as {fmt}: {_first_line(exc)}") from None
        return df, raw
    name = str(binding.get("table") or table)
    try:
        df = spark.table(name)
    except Exception as exc:  # noqa: BLE001 - AnalysisException: table or view not found
        raise DataSourceError(f"Spark table not found: {name} ({_first_line(exc)})") from None
    return df, f"spark:{name}"


def open_source(table: str, binding: Mapping[str, Any], env: RunnerEnv) -> TableSource:
    df, shown = load_frame(table, binding, env)
    for col in env.datetime_columns:
        if col in df.columns and type_class(df.schema[col].dataType) == "string":
            from pyspark.sql import functions as F

            df = df.withColumn(col, F.to_timestamp(F.col(col)))
    columns = {f.name: type_class(f.dataType) for f in df.schema.fields}
    ds = env.gx.data_sources.add_spark(env.name)
    batch = ds.add_dataframe_asset(env.name).add_batch_definition_whole_dataframe("all")

    def distinct(column: str) -> list[Any]:
        return [r[0] for r in df.select(column).where(df[column].isNotNull()).distinct().collect()]

    return TableSource(
        table=table,
        backend="spark",
        columns=columns,
        batch_definition=batch,
        batch_parameters={"dataframe": df},
        shown=shown,
        distinct=distinct,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
