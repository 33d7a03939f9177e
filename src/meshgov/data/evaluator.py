"""The data evaluator: compile data policies per bound table, validate with GX, report findings.

``meshgov check`` calls :func:`evaluate`; the nightly audit calls :func:`validate_bindings` with
the warehouse bindings it discovered. For each table:

1. open the binding through its backend runner (files, sql, spark, databricks);
2. pre-check every expectation against the table's columns (missing column, type mismatch):
   such an expectation is not run and becomes an ``MG-INPUT`` finding, never a pass;
3. run the remaining expectations as one GX suite with result format BASIC and no examples;
4. decide pass/fail from the counts (``mostly`` included) - GX severity is metadata only;
5. run the failing row-level expectations again to fetch at most ``data.max_unexpected_examples``
   example values, except on PII columns (:mod:`meshgov.data.pii`), whose values never leave.

A table that cannot be opened (missing file or table, refused connection, timeout) gives one
``MG-INPUT`` finding naming every policy that was not checked; the other tables still run.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshgov.core import builtin
from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile
from meshgov.core.model import Finding, Location, Subject
from meshgov.data.compile import Compiled, compile_catalog, resolved
from meshgov.data.pii import PATTERNS_PARAM, pii_columns
from meshgov.data.runners import DataSourceError, RunnerEnv, TableSource, backend_of, opener
from meshgov.data.runners.base import whole_table
from meshgov.data.selection import is_glob
from meshgov.data.vocabulary import duration_seconds

EXAMPLES_PARAM = "data.max_unexpected_examples"

#: backends whose example values are fetched in the one validation run (in memory, the
#: unexpected rows are known anyway); on SQL backends a second run asks only the failing checks
#: for examples (see bench/RESULTS.md, ## data)
INLINE_EXAMPLES = frozenset({"files", "spark"})
#: rows of the sample in which SQL backends look for example values first
SAMPLE_ROWS = 10_000

#: rule -> the column type classes it can check ("other" = unknown type, always let through)
NEEDS_TYPE: Mapping[str, frozenset[str]] = {
    "positive": frozenset({"number"}),
    "non_negative": frozenset({"number"}),
    "between": frozenset({"number"}),
    "matches_regex": frozenset({"string"}),
    "pii_masked": frozenset({"string"}),
    "max_length": frozenset({"string"}),
    "freshness": frozenset({"datetime", "string"}),
}


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    """`meshgov check`: validate the tables bound in meshgov.yaml ``data:`` when asked to."""
    policies = ctx.policies("data")
    want = ctx.options.data
    if want is False:
        return EvalResult(notes=("data checks skipped (--no-data)",) if policies else ())
    if not ctx.config.data:
        if want or policies:
            return EvalResult(notes=("data checks skipped: meshgov.yaml binds no tables (data:)",))
        return EvalResult()
    if want is None and ctx.options.explicit_files:
        return EvalResult(notes=("data checks skipped: only the named files were checked "
                                 "(--data runs them)",))
    if not policies:
        return EvalResult(notes=("data checks skipped: no data policies in force",))
    return validate_bindings(ctx.config.data, ctx)


def validate_bindings(bindings: Mapping[str, Mapping[str, Any]], ctx: EvalContext) -> EvalResult:
    """Validate every data policy that selects one of ``bindings`` (table -> binding)."""
    policies = ctx.policies("data")
    suites = compile_catalog(policies, bindings, ctx.catalog, only=list(bindings))
    notes = list(_unbound_notes(policies, bindings, ctx))
    if not suites:
        notes.append("data checks: no data policy selects a bound table")
        return EvalResult(notes=tuple(notes))
    from meshgov.data.gxrun import LazyContext

    gx = LazyContext(on_start=lambda: ctx.progress("data: starting Great Expectations"))
    run = _Run(ctx=ctx, gx=gx, bindings={k.lower(): (k, v) for k, v in bindings.items()})
    findings: list[Finding] = []
    total = len(suites)
    for i, (table, items) in enumerate(suites.items(), start=1):
        binding = run.bindings[table.lower()][1]
        ctx.progress(f"data: [{i}/{total}] {table}: {len(items)} check(s) on {backend_of(binding)}")
        findings.extend(validate_table(table, binding, items, run, i))
    return EvalResult(findings=tuple(findings), notes=tuple(notes), inputs=total)


@dataclass(frozen=True)
class _Run:
    ctx: EvalContext
    gx: Any
    bindings: Mapping[str, tuple[str, Mapping[str, Any]]]  # lower-cased table -> (name, binding)


def _unbound_notes(
    policies: Sequence[Any], bindings: Mapping[str, Any], ctx: EvalContext
) -> list[str]:
    bound = {t.lower() for t in bindings}
    out = []
    for p in policies:
        for t in p.params.get("tables") or ():
            if is_glob(t) or t.lower() in bound:
                continue
            owner = ctx.catalog.registry.owner_of(t)
            if owner is not None and owner == ctx.config.domain:
                out.append(f"data: {p.id} names {t}, which is not bound in data: (not checked)")
    return out


# -- one table -------------------------------------------------------------------------------


def validate_table(
    table: str, binding: Mapping[str, Any], items: Sequence[Compiled], run: _Run, index: int = 0
) -> list[Finding]:
    from meshgov.data.gxrun import config_problem, quiet, run_suite

    ctx = run.ctx
    domain = ctx.catalog.registry.owner_of(table)
    datetime_cols = tuple(c.column for c in items if c.policy.rule == "freshness" and c.column)
    env = RunnerEnv(root=ctx.config.root, gx=run.gx, name=f"meshgov_{index}",
                    timeout=float(binding.get("timeout_seconds") or 10.0),
                    datetime_columns=datetime_cols, columns=_needed_columns(items))
    try:
        with quiet():
            src = opener(backend_of(binding))(table, binding, env)
    except DataSourceError as exc:
        return [_table_fault(table, domain, items, str(exc), _binding_path(binding))]
    except Exception as exc:  # noqa: BLE001 - a backend library failed in an unforeseen way
        return [_table_fault(table, domain, items, f"{type(exc).__name__}: {_first_line(exc)}",
                             _binding_path(binding))]
    path = src.shown if src.backend == "files" else None
    try:
        pii = pii_columns(binding, [(c.policy.rule, c.column) for c in items], src.columns or {},
                          ctx.param(PATTERNS_PARAM, ()) or ())
        findings: list[Finding] = []
        runnable: list[Compiled] = []
        params: dict[str, Any] = {}
        for item in items:
            problem = _precheck(item, src.columns)
            if problem is None and item.policy.rule == "expectation":
                problem = config_problem(item.config)
            if problem is None:
                problem = _parameter(item, params, run, index)
            if problem is not None:
                findings.append(_not_checked(item, domain, problem, path))
            else:
                runnable.append(item)
        if not runnable:
            return findings
        limit = max(0, int(ctx.param(EXAMPLES_PARAM, 5) or 0))
        inline = limit > 0 and src.backend in INLINE_EXAMPLES
        try:
            raw, late = _run(table, src, runnable, params, run, index, limit if inline else 0)
        except DataSourceError as exc:  # the file turned out unreadable in the middle
            return findings + [_table_fault(table, domain, runnable, str(exc), path)]
        except Exception as exc:  # noqa: BLE001 - GX failed for the whole batch
            return findings + [_table_fault(table, domain, runnable,
                                            f"validation failed: {_first_line(exc)}", path)]
        finally:
            ctx.tick(None)
        failing: list[tuple[Compiled, Mapping[str, Any]]] = []
        for item in runnable:
            if item.policy.id in late:
                findings.append(_not_checked(item, domain, late[item.policy.id], path))
                continue
            res = raw.get(item.policy.id)
            if res is None:
                findings.append(_not_checked(item, domain, "GX returned no result", path))
            elif res.error is not None:
                # a database error message can quote a value: none from a PII column
                detail = "details withheld (PII column)" if item.column and \
                    item.column.lower() in pii else res.error
                findings.append(_not_checked(item, domain, f"GX could not evaluate: {detail}",
                                             path))
            elif _fails(item, res.success, res.result):
                failing.append((item, res.result))
        if inline:
            examples = {c.policy.id: _partial(raw[c.policy.id].result, limit)
                        for c, _ in failing if _may_show(c, pii)}
        else:
            examples = _examples(table, src, failing, pii, params, run, index, limit)
        for item, result in failing:
            findings.append(_violation(item, result, domain, path, pii,
                                       examples.get(item.policy.id)))
        return findings
    finally:
        src.close()


def _run(table: str, src: TableSource, runnable: Sequence[Compiled], params: Mapping[str, Any],
         run: _Run, index: int, examples: int) -> tuple[dict[str, Any], dict[str, str]]:
    """(policy id -> RawResult, policy id -> why it was not checked after all).

    The source's one streaming pass computes what it can (files), GX the rest (in memory the
    unexpected rows are known anyway: examples come in the same run; PII examples are dropped
    by the caller, never reported). A CSV column's type can widen during the pass (a value
    past the first block): the rest is checked against the settled types again."""
    from meshgov.data.gxrun import run_suite

    raw: dict[str, Any] = {}
    late: dict[str, str] = {}
    rest = list(runnable)
    if src.scan is not None:
        n = len(runnable)

        def on_rows(rows: int) -> None:
            run.ctx.tick(f"data: {table}: {n} check(s), {rows:,} rows read")

        raw = src.scan([resolved(c.config, params) for c in runnable], examples, on_rows)
        rest = []
        for c in runnable:
            if c.policy.id in raw:
                continue
            problem = _precheck(c, src.columns)
            if problem is None:
                rest.append(c)
            else:
                late[c.policy.id] = problem
    if rest:
        definition, parameters = (src.batch_definition, src.batch_parameters) \
            if src.gx_batch is None else src.gx_batch(_needed_columns(rest))
        raw.update(run_suite(run.gx, f"{table}#{index}", definition, parameters,
                             [c.config for c in rest], parameters=params, examples=examples))
    return raw, late


def _needed_columns(items: Sequence[Compiled]) -> tuple[str, ...] | None:
    """The columns the suite reads (column pruning), or None when a GX expectation named
    directly may read the whole table (e.g. expect_table_columns_to_match_set)."""
    if any(c.policy.rule == "expectation" for c in items):
        return None
    cols: dict[str, None] = {}
    for c in items:
        if c.column:
            cols[c.column] = None
        for w in c.policy.params.get("where") or ():
            cols[w["column"]] = None
    return tuple(cols)


def _precheck(item: Compiled, columns: Mapping[str, str] | None) -> str | None:
    if columns is None:
        return None
    names = {c.lower(): c for c in columns}
    wanted = [item.column] if item.column else []
    wanted += [w["column"] for w in item.policy.params.get("where") or ()]
    for col in wanted:
        if col is not None and col not in columns:
            hint = f" (did you mean '{names[col.lower()]}'?)" if col.lower() in names else ""
            return f"column '{col}' does not exist{hint}"
    need = NEEDS_TYPE.get(item.policy.rule)
    if need and item.column:
        actual = columns[item.column]
        if actual != "other" and actual not in need:
            return (f"type mismatch: column '{item.column}' holds {actual} values; rule "
                    f"{item.policy.rule} needs {' or '.join(sorted(need))} values")
    return None


def _parameter(item: Compiled, params: dict[str, Any], run: _Run, index: int) -> str | None:
    """Compute the suite parameter the item needs (freshness, referential); a problem or None."""
    name = item.parameter()
    if name is None:
        return None
    p = item.policy.params
    if item.policy.rule == "freshness":
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        params[name] = (now - _dt.timedelta(seconds=duration_seconds(p["max_age"]))).isoformat()
        return None
    if item.policy.rule == "referential":
        ref = run.bindings.get(str(p["ref_table"]).lower())
        if ref is None:
            return f"referenced table {p['ref_table']} is not bound in data:"
        ref_name, ref_binding = ref
        from meshgov.data.gxrun import quiet

        env = RunnerEnv(root=run.ctx.config.root, gx=run.gx, name=f"meshgov_{index}_ref_{name}",
                        timeout=float(ref_binding.get("timeout_seconds") or 10.0))
        try:
            with quiet():
                src = opener(backend_of(ref_binding))(ref_name, ref_binding, env)
        except DataSourceError as exc:
            return f"referenced table {ref_name}: {exc}"
        try:
            col = str(p["ref_column"])
            if src.columns is not None and col not in src.columns:
                return f"referenced column '{col}' does not exist in {ref_name}"
            with quiet():
                params[name] = sorted({_hashable(v) for v in src.distinct(col)}, key=repr)
        except Exception as exc:  # noqa: BLE001
            return f"referenced table {ref_name}: {_first_line(exc)}"
        finally:
            src.close()
        return None
    return f"unknown suite parameter {name}"


def _hashable(v: Any) -> Any:
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def _counts(result: Mapping[str, Any], rule: str) -> tuple[int, int] | None:
    """(unexpected, basis) of a row-level result; basis excludes NULLs except for not_null."""
    unexpected = result.get("unexpected_count")
    element = result.get("element_count")
    if unexpected is None or element is None:
        return None
    missing = result.get("missing_count") or 0
    basis = element if rule == "not_null" else element - missing
    return int(unexpected), int(basis)


def _fails(item: Compiled, success: bool, result: Mapping[str, Any]) -> bool:
    if not item.row_level or item.policy.rule == "expectation":
        return not success
    counts = _counts(result, item.policy.rule)
    if counts is None:
        return not success
    unexpected, basis = counts
    if unexpected == 0:
        return False
    mostly = item.policy.params.get("mostly")
    if mostly is None or basis <= 0:
        return True
    return (1 - unexpected / basis) < float(mostly)


def _examples(
    table: str,
    src: TableSource,
    failing: Sequence[tuple[Compiled, Mapping[str, Any]]],
    pii: frozenset[str],
    params: Mapping[str, Any],
    run: _Run,
    index: int,
    limit: int,
) -> dict[str, list[Any]]:
    """Second step: example values for failing row-level checks on non-PII columns only."""
    from meshgov.data.gxrun import quiet, unexpected_values

    wanted = [c for c, _ in failing if _may_show(c, pii)]
    if limit <= 0 or not wanted:
        return {}
    out: dict[str, list[Any]] = {}
    # first in a sample of the table (cheap): an unexpected value found there is one of the
    # table's (row-level checks; for `unique`, duplicates within the sample are duplicates)
    if src.sample is not None:
        try:
            with quiet():
                sample = src.sample(SAMPLE_ROWS)
            found = unexpected_values(run.gx, sample, src.batch_parameters,
                                      [c.config for c in wanted], parameters=dict(params),
                                      examples=limit)
            out = {pid: vals for pid, vals in found.items() if vals}
        except Exception:  # noqa: BLE001 - fall back to the whole table below
            out = {}
    rest = [c for c in wanted if c.policy.id not in out]
    if rest:  # rare failures: look in the whole table, for the values only (no counts again)
        try:
            definition, parameters = whole_table(src)
            out.update(unexpected_values(run.gx, definition, parameters,
                                         [c.config for c in rest], parameters=dict(params),
                                         examples=limit))
        except Exception:  # noqa: BLE001 - examples are a nicety; the counts are already known
            return out
    return out


def _partial(result: Mapping[str, Any], limit: int) -> list[Any]:
    from meshgov.data.gxrun import plain

    return [plain(v) for v in list(result.get("partial_unexpected_list") or [])[:limit]]


def _may_show(item: Compiled, pii: frozenset[str]) -> bool:
    """Example values may be fetched: a row-level check on a column that is not PII."""
    return bool(item.row_level and item.column and item.column.lower() not in pii
                and item.policy.rule != "pii_masked")


# -- findings --------------------------------------------------------------------------------


def _subject(table: str, domain: str | None) -> Subject:
    return Subject("table", table, domain)


def _binding_path(binding: Mapping[str, Any]) -> str | None:
    return str(binding["path"]) if binding.get("path") and not binding.get("spark") else None


def _table_fault(
    table: str, domain: str | None, items: Sequence[Compiled], reason: str, path: str | None
) -> Finding:
    ids = sorted({c.policy.id for c in items})
    message = f"{table} could not be validated: {reason} ({len(ids)} data policies not checked: " \
              f"{', '.join(ids)})"
    return builtin.meta_finding(
        builtin.INPUT, kind="data", severity="error", message=message,
        remediation="Fix the table's binding in meshgov.yaml data: (path, url, table) or the "
                    "data source, then re-run; nothing was checked on this table.",
        subject=_subject(table, domain), location=Location(path=path),
        evidence={"table": table, "reason": reason, "policies": ids},
        fingerprint=(table, "table", *ids))


def _not_checked(item: Compiled, domain: str | None, reason: str, path: str | None) -> Finding:
    message = f"{item.policy.id} was not checked on {item.table}: {reason}"
    return builtin.meta_finding(
        builtin.INPUT, kind="data", severity="error", message=message,
        remediation="Fix the policy (column, rule) or the table so the check can run.",
        subject=_subject(item.table, domain), location=Location(path=path),
        evidence={"table": item.table, "policy": item.policy.id, "rule": item.policy.rule,
                  "column": item.column, "reason": reason},
        fingerprint=(item.table, item.policy.id, item.column or ""))


def _violation(
    item: Compiled,
    result: Mapping[str, Any],
    domain: str | None,
    path: str | None,
    pii: frozenset[str],
    examples: list[Any] | None,
) -> Finding:
    from meshgov.data.gxrun import plain

    policy = item.policy
    column = item.column
    is_pii = bool(column and column.lower() in pii)
    where = f"{item.table}.{column}" if column else item.table
    evidence: dict[str, Any] = {"table": item.table, "column": column, "rule": policy.rule,
                                "expectation": item.type}
    counts = _counts(result, policy.rule) if item.row_level else None
    if counts is not None:
        unexpected, basis = counts
        pct = round(100.0 * unexpected / basis, 2) if basis else 0.0
        evidence.update(unexpected_count=unexpected, unexpected_percent=pct,
                        element_count=int(result.get("element_count") or 0),
                        missing_count=int(result.get("missing_count") or 0))
        if policy.params.get("mostly") is not None:
            evidence["mostly"] = policy.params["mostly"]
        message = f"{unexpected} of {basis} rows ({pct:g}%) in {where} violate {policy.rule}: " \
                  f"{policy.title}"
    else:
        observed = plain(result.get("observed_value"))
        if is_pii:
            evidence["observed_value_withheld"] = "PII column"
            message = f"{where} fails {policy.rule}: {policy.title}"
        else:
            evidence["observed_value"] = observed
            message = f"{where} fails {policy.rule} (observed {observed!r}): {policy.title}"
        if policy.rule == "freshness":
            evidence["max_age"] = policy.params.get("max_age")
    if policy.params.get("where"):
        evidence["where"] = list(policy.params["where"])
    if is_pii or policy.rule == "pii_masked":
        evidence["examples_withheld"] = "PII column"
    elif examples is not None:
        evidence["examples"] = examples
    return Finding(
        policy_id=policy.id,
        kind="data",
        severity=policy.severity,
        message=message,
        remediation=policy.remediation,
        subject=_subject(item.table, domain),
        location=Location(path=path),
        evidence=evidence,
    ).with_fingerprint(item.table, column or "", policy.rule)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
