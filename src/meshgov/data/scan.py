"""One streaming pass over Arrow record batches that computes what GX computes for a suite.

GX's pandas engine needs the whole table as one DataFrame, hashes it per batch and copies it
per null-filtered domain (bench/RESULTS.md, ``## data``): on a 1M-row file that is 3-6x one
hand-written pass and twice its memory. For files, :func:`scan` instead reads the table once,
in batches, and evaluates the compiled expectations itself, with GX's pandas semantics:

- the domain of a column-map expectation is the ``row_condition``'s rows (``DataFrame.query``
  semantics: a comparison with a missing value is false, except ``!=`` and ``not in``, which
  are true), then its non-missing values (NULL or NaN), except for ``not_be_null``;
- ``element_count`` / ``missing_count`` / ``unexpected_count`` and ``partial_unexpected_list``
  (the first unexpected values in row order) as GX reports them, values rendered as
  ``Table.to_pandas()`` would hold them (an integer column with a missing value is float);
- regexes run with Python's ``re.search`` (``str.contains``), or with RE2 where both agree
  (an ASCII batch without newlines and a pattern of the syntax they share, see
  :func:`re2_safe`).

Only the expectation types, kwargs and column types listed in :func:`supported` are scanned;
everything else goes to GX unchanged (:func:`split`). The compiled suites stay the contract:
tests/data/test_data_scan.py runs plain GX on the same data and demands the same results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meshgov.data.compile import policy_of

#: expectation type -> the kwargs the scanner understands (others: GX runs it)
KWARGS: Mapping[str, frozenset[str]] = {
    "expect_column_values_to_not_be_null": frozenset({"column"}),
    "expect_column_values_to_be_unique": frozenset({"column"}),
    "expect_column_values_to_be_between": frozenset(
        {"column", "min_value", "max_value", "strict_min", "strict_max"}),
    "expect_column_values_to_be_in_set": frozenset({"column", "value_set"}),
    "expect_column_values_to_match_regex": frozenset({"column", "regex"}),
    "expect_column_value_lengths_to_be_between": frozenset(
        {"column", "min_value", "max_value", "strict_min", "strict_max"}),
    "expect_table_row_count_to_be_between": frozenset({"min_value", "max_value"}),
}
_COMMON = frozenset({"mostly", "row_condition"})
_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "IN", "NOT_IN"})


# -- what can be scanned ---------------------------------------------------------------------


def family(typ: Any) -> str | None:
    """'number' / 'string' / 'bool' for the Arrow types the scanner handles, else None."""
    import pyarrow as pa

    if pa.types.is_integer(typ) or pa.types.is_floating(typ):
        return "number"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    if pa.types.is_boolean(typ):
        return "bool"
    return None


def _value_family(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _condition_ok(cond: Any, families: Mapping[str, str | None]) -> bool:
    if not isinstance(cond, Mapping):
        return False
    kind = cond.get("type")
    if kind == "and":
        parts = cond.get("conditions")
        return isinstance(parts, list) and bool(parts) and \
            all(_condition_ok(c, families) for c in parts)
    column = (cond.get("column") or {}).get("name") if isinstance(cond.get("column"),
                                                                    Mapping) else None
    if column not in families or families[column] is None:
        return False
    if kind == "nullity":
        return isinstance(cond.get("is_null"), bool)
    if kind != "comparison" or cond.get("operator") not in _OPS:
        return False
    fam = families[column]
    value = cond.get("parameter")
    if cond["operator"] in ("IN", "NOT_IN"):
        # GX accepts int, float and str members only
        return isinstance(value, list) and fam != "bool" and \
            all(_value_family(v) == fam for v in value)
    if fam == "bool":
        return cond["operator"] in ("==", "!=") and isinstance(value, bool)
    return _value_family(value) == fam


def supported(config: Mapping[str, Any], families: Mapping[str, str | None]) -> bool:
    """The scanner computes this expectation exactly as GX's pandas engine does."""
    etype = config.get("type")
    kwargs = config.get("kwargs")
    if etype not in KWARGS or not isinstance(kwargs, Mapping):
        return False
    if set(kwargs) - KWARGS[str(etype)] - _COMMON:
        return False
    if "row_condition" in kwargs and not _condition_ok(kwargs["row_condition"], families):
        return False
    if etype == "expect_table_row_count_to_be_between":
        return all(isinstance(kwargs.get(k), (int, type(None))) and not isinstance(
            kwargs.get(k), bool) for k in ("min_value", "max_value"))
    column = kwargs.get("column")
    if not isinstance(column, str) or column not in families:
        return False
    fam = families[column]
    if etype == "expect_column_values_to_not_be_null":
        return True
    if fam is None:
        return False
    if etype == "expect_column_values_to_be_unique":
        return fam in ("number", "string")
    if etype == "expect_column_values_to_be_between":
        bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
        return fam == "number" and any(b is not None for b in bounds) and all(
            b is None or _value_family(b) == "number" for b in bounds) and not (
            None not in bounds and bounds[0] > bounds[1])
    if etype == "expect_column_values_to_be_in_set":
        values = kwargs.get("value_set")
        return isinstance(values, list) and all(_value_family(v) == fam for v in values)
    if etype == "expect_column_values_to_match_regex":
        regex = kwargs.get("regex")
        if fam != "string" or not isinstance(regex, str):
            return False
        try:
            re.compile(regex)
        except re.error:
            return False  # GX reports the error
        return True
    # value lengths: strings only (GX measures str(value) otherwise)
    bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
    return fam == "string" and any(b is not None for b in bounds) and all(
        b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds)


def split(configs: Sequence[Mapping[str, Any]], schema: Any
          ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(configs the scanner computes, configs left for GX)."""
    families = {str(f.name): family(f.type) for f in schema}
    mine: list[Mapping[str, Any]] = []
    rest: list[Mapping[str, Any]] = []
    for cfg in configs:
        (mine if supported(cfg, families) else rest).append(cfg)
    return mine, rest


def columns_of(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The columns these expectations read (their column and their row conditions')."""
    out: dict[str, None] = {}

    def walk(cond: Any) -> None:
        if isinstance(cond, Mapping):
            if isinstance(cond.get("column"), Mapping):
                out[str(cond["column"].get("name"))] = None
            for c in cond.get("conditions") or ():
                walk(c)

    for cfg in configs:
        if isinstance(cfg["kwargs"].get("column"), str):
            out[cfg["kwargs"]["column"]] = None
        walk(cfg["kwargs"].get("row_condition"))
    return list(out)


# -- regexes ---------------------------------------------------------------------------------

_RE2_ESCAPES = frozenset("dDwW")  # agree with Python's on ASCII text
_RE2_BANNED = ("[:", "{,", "(?")


def re2_safe(regex: str) -> bool:
    """RE2 (Arrow's regex engine) and Python's ``re`` agree on this pattern for ASCII values
    without newlines: ASCII only, no flags/lookarounds/backreferences (``(?`` other than
    ``(?:``), no POSIX classes, no ``{,n}``, escapes of punctuation, ``\\d \\w`` and their
    negations only (``\\s`` differs on ``\\v`` and ``\\x1c-\\x1f``, ``\\b`` inside a class)."""
    if not regex.isascii():
        return False
    if any(b in regex.replace("(?:", "") for b in _RE2_BANNED):
        return False
    i = 0
    while i < len(regex):
        if regex[i] == "\\":
            if i + 1 >= len(regex):
                return False
            nxt = regex[i + 1]
            if nxt.isalnum() and nxt not in _RE2_ESCAPES:
                return False
            i += 2
            continue
        i += 1
    return True


@dataclass
class _Regex:
    pattern: str
    compiled: re.Pattern[str]
    fast: bool
    cache: dict[str, bool] = field(default_factory=dict)

    def matches(self, values: Any) -> Any:
        """A boolean array: ``re.search`` matches, for non-null string values."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.fast and len(values) and _all(pc.string_is_ascii(values)) and \
                not _any(pc.match_substring(values, "\n")):
            try:
                return pc.match_substring_regex(values, self.pattern)
            except pa.ArrowInvalid:
                self.fast = False
        uniq = pc.unique(values).to_pylist()
        hits = []
        for u in uniq:
            hit = self.cache.get(u)
            if hit is None:
                hit = self.compiled.search(u) is not None
                if len(self.cache) < 200_000:
                    self.cache[u] = hit
            if hit:
                hits.append(u)
        return pc.is_in(values, value_set=pa.array(hits, type=values.type))


def _all(mask: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(mask).as_py() is not False)


def _any(mask: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(mask).as_py())


# -- the pass --------------------------------------------------------------------------------


@dataclass
class Check:
    pid: str
    etype: str
    kwargs: Mapping[str, Any]
    condition: str  # key of the row condition ("" = all rows)
    element: int = 0
    missing: int = 0
    unexpected: int = 0
    examples: list[Any] = field(default_factory=list)
    regex: _Regex | None = None
    kept: list[Any] = field(default_factory=list)  # unique: the column's values, kept


def _mask(cond: Mapping[str, Any], batch: Any) -> Any:
    """The row condition as a boolean array with ``DataFrame.query`` semantics on missing
    values (NaN and NULL alike)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if cond["type"] == "and":
        out = None
        for c in cond["conditions"]:
            m = _mask(c, batch)
            out = m if out is None else pc.and_(out, m)
        return out
    col = batch.column(cond["column"]["name"])
    missing = pc.is_null(col, nan_is_null=True)
    if cond["type"] == "nullity":
        return missing if cond["is_null"] else pc.invert(missing)
    op, value = cond["operator"], cond["parameter"]
    if op in ("IN", "NOT_IN"):
        hit = _isin(col, value)
        hit = pc.and_(hit, pc.invert(missing))
        return hit if op == "IN" else pc.invert(hit)
    scalar = pa.scalar(value, type=col.type if family(col.type) != "number" else None)
    fn = {"==": pc.equal, "!=": pc.not_equal, "<": pc.less, "<=": pc.less_equal,
          ">": pc.greater, ">=": pc.greater_equal}[op]
    return pc.fill_null(fn(col, scalar), op == "!=")


def _isin(values: Any, value_set: Sequence[Any]) -> Any:
    """``Series.isin``: equal numbers match across int and float; missing never matches."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = list(value_set)
    if pa.types.is_integer(values.type):  # pa.array would truncate 1.5 to 1
        lo, hi = -(2 ** 63), 2 ** 63 - 1
        wanted = [int(v) for v in wanted if (not isinstance(v, float) or v.is_integer())
                  and lo <= v <= hi]
    if pa.types.is_floating(values.type):  # -0.0 is 0.0 (Arrow hashes them apart)
        values = pc.add(values, 0.0)
        wanted = [v + 0.0 for v in wanted]
    return pc.fill_null(pc.is_in(values, value_set=pa.array(wanted, type=values.type)), False)


def _between(values: Any, kw: Mapping[str, Any]) -> Any:
    """The in-bounds mask (``False`` = unexpected) of a between / lengths expectation."""
    import pyarrow.compute as pc

    ok = None
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None:
        ok = (pc.greater if kw.get("strict_min") else pc.greater_equal)(values, lo)
    if hi is not None:
        m = (pc.less if kw.get("strict_max") else pc.less_equal)(values, hi)
        ok = m if ok is None else pc.and_(ok, m)
    return ok


def scan(
    batches: Iterable[Any],
    configs: Sequence[Mapping[str, Any]],
    *,
    examples: int = 0,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Validate ``configs`` (all :func:`supported`, parameters resolved) over the batches in
    one pass -> policy id -> :class:`meshgov.data.gxrun.RawResult`, shaped as GX's BASIC
    result format with ``partial_unexpected_count = examples``."""
    import json

    import pyarrow as pa
    import pyarrow.compute as pc

    conditions: dict[str, Mapping[str, Any]] = {}
    checks: list[Check] = []
    for cfg in configs:
        kw = cfg["kwargs"]
        cond = kw.get("row_condition")
        key = json.dumps(cond, sort_keys=True) if cond else ""
        if cond:
            conditions[key] = cond
        check = Check(policy_of(cfg), str(cfg["type"]), kw, key)
        if check.etype == "expect_column_values_to_match_regex":
            regex = str(kw["regex"])
            check.regex = _Regex(regex, re.compile(regex), re2_safe(regex))
        checks.append(check)
    int_missing: dict[str, int] = {}  # integer columns -> missing values in the whole table
    columns = sorted({str(c.kwargs["column"]) for c in checks if c.kwargs.get("column")})
    rows = 0
    for batch in batches:
        rows += batch.num_rows
        masks = {k: _mask(c, batch) for k, c in conditions.items()}
        for name in columns:
            typ = batch.schema.field(name).type
            if pa.types.is_integer(typ):
                int_missing[name] = int_missing.get(name, 0) + batch.column(name).null_count
        for c in checks:
            mask = masks.get(c.condition)
            if c.etype == "expect_table_row_count_to_be_between":
                c.element += batch.num_rows if mask is None else int(pc.sum(mask).as_py() or 0)
                continue
            col = batch.column(c.kwargs["column"])
            if mask is not None:
                col = col.filter(mask)
            _step(c, col, examples)
        if on_batch is not None:
            on_batch(rows)
    from meshgov.data.gxrun import RawResult

    out: dict[str, Any] = {}
    for c in checks:
        if c.etype == "expect_column_values_to_be_unique":
            _finish_unique(c, examples)
        out[c.pid] = RawResult(policy_id=c.pid, success=check_success(c),
                               result=check_result(c, examples, int_missing))
    return out


def _step(c: Check, col: Any, examples: int) -> None:
    import pyarrow.compute as pc

    c.element += len(col)
    missing = pc.is_null(col, nan_is_null=True)
    n_missing = int(pc.sum(missing).as_py() or 0)
    if c.etype == "expect_column_values_to_not_be_null":
        c.unexpected += n_missing
        if n_missing and len(c.examples) < examples:
            c.examples.extend([None] * min(n_missing, examples - len(c.examples)))
        return
    c.missing += n_missing
    values = col.filter(pc.invert(missing)) if n_missing else col
    if c.etype == "expect_column_values_to_be_unique":
        c.kept.append(values)
        return
    ok = _ok(c, values)
    bad = pc.invert(ok)
    n_bad = int(pc.sum(bad).as_py() or 0)
    c.unexpected += n_bad
    if n_bad and len(c.examples) < examples:
        c.examples.extend(values.filter(bad).slice(0, examples - len(c.examples)).to_pylist())


def _ok(c: Check, values: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    kw = c.kwargs
    if c.etype == "expect_column_values_to_be_between":
        return _between(values, kw)
    if c.etype == "expect_column_values_to_be_in_set":
        return _isin(values, kw["value_set"])
    if c.etype == "expect_column_values_to_match_regex":
        assert c.regex is not None
        return c.regex.matches(values)
    return _between(pc.utf8_length(values), kw)  # value lengths


def _finish_unique(c: Check, examples: int) -> None:
    """Every occurrence of a value that occurs more than once is unexpected (pandas
    ``duplicated(keep=False)``); -0.0 and 0.0 are one value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not c.kept:
        return
    values = pa.chunked_array(c.kept)
    c.kept = []
    keys = pc.add(values, 0.0) if pa.types.is_floating(values.type) else values
    if pa.types.is_integer(keys.type) or pa.types.is_floating(keys.type):
        # numbers: sort a copy and compare neighbours - one more copy of the column, where a
        # hash of 40M distinct values takes several (the 1 GB CSV slow test)
        import numpy as np

        ordered = keys.to_numpy()  # a copy when chunked; a read-only view of one chunk
        if not ordered.flags.writeable:
            ordered = ordered.copy()
        ordered.sort()
        same = ordered[1:] == ordered[:-1]
        dup = pa.array(np.unique(ordered[1:][same]), type=keys.type)
        del ordered, same
    else:
        counts = pc.value_counts(keys)
        dup = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(dup) == 0:
        return
    bad = pc.is_in(keys, value_set=dup)
    c.unexpected = int(pc.sum(bad).as_py() or 0)
    if examples > 0:
        c.examples = values.filter(bad).slice(0, examples).to_pylist()


def check_success(c: Check) -> bool:
    kw = c.kwargs
    if c.etype == "expect_table_row_count_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        return (lo is None or c.element >= lo) and (hi is None or c.element <= hi)
    basis = c.element if c.etype == "expect_column_values_to_not_be_null" else \
        c.element - c.missing
    mostly = kw.get("mostly")
    if mostly is None or basis == 0:
        return c.unexpected == 0
    return (1 - c.unexpected / basis) >= float(mostly)


def check_result(c: Check, examples: int, int_missing: Mapping[str, int]) -> dict[str, Any]:
    if c.etype == "expect_table_row_count_to_be_between":
        return {"observed_value": c.element}
    shown = c.examples[:examples]
    column = c.kwargs.get("column")
    if int_missing.get(column or "", 0):  # to_pandas holds such a column as float64
        shown = [float(v) if isinstance(v, int) else v for v in shown]
    n, u = c.element, c.unexpected
    out: dict[str, Any] = {"element_count": n, "unexpected_count": u,
                           "partial_unexpected_list": shown}
    if c.etype == "expect_column_values_to_not_be_null":
        out["unexpected_percent"] = u / n * 100 if n else None
        return out
    basis = n - c.missing
    out.update(unexpected_percent=u / basis * 100 if basis else None, missing_count=c.missing,
               missing_percent=c.missing / n * 100 if n else None,
               unexpected_percent_total=u / n * 100 if n else None,
               unexpected_percent_nonmissing=u / basis * 100 if basis else None)
    return out
