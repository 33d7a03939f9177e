"""Evaluate code policies: read each code input, run every applicable rule, apply suppressions."""

from __future__ import annotations

from collections.abc import Sequence
import re
from fnmatch import fnmatchcase
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError

from meshgov.code.document import CodeDocument, SqlParser, Staged
from meshgov.code.registry import Rule, Violation, get_rule
from meshgov.code.suppress import apply_suppressions
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core import builtin
from meshgov.core.collect import InputBoundaries
from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile
from meshgov.core.forkjoin import fork_map, in_item_order, plan_jobs, stripes
from meshgov.core.model import SEVERITY_RANK, Finding, Location, Policy, Subject

SQL_TYPES = frozenset({"sql", "dbt_model"})


def input_finding(
    inp: InputFile, message: str, line: int | None, column: int | None, domain: str | None
) -> Finding:
    """The MG-INPUT finding for an input that cannot be read or parsed."""
    return builtin.meta_finding(builtin.INPUT, kind=inp.kind, severity="error", message=message,
                                subject=Subject(subject_type(inp), inp.rel, domain),
                                location=Location(inp.rel, line, column))


def not_checkable_finding(inp: InputFile, message: str, domain: str | None) -> Finding:
    """MG-SKIPPED as a warning: an input meshgov reads but cannot check (never a silent pass)."""
    return builtin.meta_finding(builtin.SKIPPED, kind=inp.kind, severity="warning", message=message,
                                subject=Subject(subject_type(inp), inp.rel, domain),
                                location=Location(inp.rel, 1, None))


def subject_type(inp: InputFile) -> str:
    return "dbt_model" if inp.type.startswith("dbt_") else "sql"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")
_OPENERS = {"'": "string literal", '"': "string literal", "`": "quoted identifier",
            "/*": "block comment"}


_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
#: sqlglot's argument names, as SQL says them
_ARG_NAMES = {("Case", "ifs"): "CASE without any WHEN"}


def _clean(message: str) -> str:
    """sqlglot quotes tokens as their repr and names its classes; show SQL instead."""
    message = _MISSING.sub(
        lambda m: _ARG_NAMES.get((m.group(2), m.group(1)), f"{m.group(2).upper()} without its "
                                 f"{m.group(1)}"), message)
    return _TOKEN_REPR.sub(
        lambda m: "the end of the input" if m.group(1) == "SENTINEL" else f"'{m.group(2)}'",
        message)


def unclosed_delimiter(text: str) -> tuple[str, int] | None:
    """(what, offset) of the first quote or comment that is never closed, if any."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return _OPENERS["/*"], i
            i = j + 2
            continue
        if c in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                return _OPENERS[c], i
            i = j + 1
            continue
        i += 1
    return None


def parse_error_position(exc: Exception, text: str) -> tuple[str, int | None, int | None]:
    """(message, line, column in ``text``) of a sqlglot error; the column is where the
    offending token starts."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, ParseError) and exc.errors:
        err = exc.errors[0]
        line, col = err.get("line"), err.get("col")
        highlight = err.get("highlight")
        if isinstance(col, int) and isinstance(highlight, str) and highlight \
                and "\n" not in highlight and len(highlight) <= col:
            col = col - len(highlight) + 1  # sqlglot gives the column of its last character
        return _clean(err.get("description") or msg), line, col
    if isinstance(exc, TokenError):
        found = unclosed_delimiter(text)
        if found is not None:
            what, offset = found
            line, col = _line_col(text, offset)
            return f"unterminated {what}", line, col
        start, end = getattr(exc, "start", None), getattr(exc, "end", None)
        if start is not None and end is not None:
            # the context quoted is text[current-50 : current+50]
            current = start + 50 if start > 0 else (end - 50 if end < len(text) - 1 else end)
            line, col = _line_col(text, max(current, 0))
            return f"cannot tokenize: {msg}", line, col
    return _clean(msg), None, None


def parse_error_finding(inp: InputFile, exc: Exception, domain: str | None,
                        line_map=None, text: str = "") -> Finding:  # type: ignore[no-untyped-def]
    msg, line, col = parse_error_position(exc, text)
    if line is not None and line_map is not None:
        line = line_map(line)
    return input_finding(inp, f"cannot parse SQL: {msg}", line, col, domain)


def parse_staged(staged: Staged, parser: SqlParser | None = None) -> CodeDocument | Finding:
    """Parse a staged input into a document, or the one MG-INPUT finding saying why not."""
    inp, domain = staged.input, staged.domain
    try:
        doc = CodeDocument.from_sql(inp, staged.source, text=staged.text, domain=domain,
                                    line_map=staged.line_map, dbt=staged.dbt, parser=parser)
    except (ParseError, TokenError) as exc:
        return parse_error_finding(inp, exc, domain, staged.line_map, text=staged.text)
    except RecursionError:
        return input_finding(inp, "cannot parse SQL: nesting too deep", 1, 1, domain)
    except Exception as exc:  # noqa: BLE001 - a parser bug on odd input must not stop the run
        return input_finding(inp, f"cannot parse SQL: {type(exc).__name__}: {exc}"[:300], 1, 1,
                             domain)
    if not doc.statements or (staged.dbt is not None and all(
            isinstance(st, (exp.Column, exp.Identifier, exp.Dot)) for st in doc.statements)):
        # nothing, or only what a macro call rendered to (a package placeholder): no query
        generated = _generating_macros(staged)
        if generated:  # the whole model is a macro's output meshgov cannot produce without dbt
            return not_checkable_finding(
                inp, f"dbt model {(staged.dbt or {}).get('name')}: its SQL is generated by "
                f"{', '.join(generated)}, which meshgov does not run (a package macro, or one that "
                "queries the database): not checked; give meshgov the target/manifest.json of dbt "
                "compile to check the compiled SQL", domain)
        if staged.empty:
            return input_finding(inp, staged.empty, 1, 1, domain)
    return doc


_MACRO_CALL = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)\s*\(")


def _generating_macros(staged: Staged) -> list[str]:
    """Macros a dbt model that renders to no SQL calls (package placeholders first): its SQL
    comes from them, at dbt's run time."""
    if staged.dbt is None:
        return []
    called = [m for m in _MACRO_CALL.findall(staged.source) if m not in ("config", "ref", "source")]
    return list(dict.fromkeys([*staged.dbt.get("placeholders", ()), *called]))


def parse_document(inp: InputFile, source: str, domain: str | None,
                   parser: SqlParser | None = None) -> CodeDocument | Finding:
    """Parse SQL text into a document, or the one MG-INPUT finding saying why not."""
    return parse_staged(staged_sql(inp, source, domain), parser)


def stage_sql(inp: InputFile, ctx: EvalContext) -> Staged | Finding:
    domain = ctx.config.domain
    try:
        source = read_text(inp.path, max_file_bytes(ctx))
    except UnreadableText as exc:
        return input_finding(inp, exc.message, exc.line, exc.column, domain)
    return staged_sql(inp, source, domain)


def max_file_bytes(ctx: EvalContext) -> int | None:
    """The size above which a SQL file or dbt model is not read (``code.max_file_bytes``)."""
    value = ctx.param("code.max_file_bytes")
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def staged_sql(inp: InputFile, source: str, domain: str | None) -> Staged:
    """A SQL file's text ready to parse (a Databricks SQL notebook: its cells split)."""
    if source.startswith(NOTEBOOK_HEADER):  # each cell runs alone
        return Staged(inp, source, notebook_cells(source), domain, empty="")
    return Staged(inp, source, source, domain)


#: the first line of a Databricks notebook exported as source (.sql)
NOTEBOOK_HEADER = "-- Databricks notebook source"
_CELL = re.compile(r"^-- COMMAND -{10}[ \t]*$", re.MULTILINE)


def notebook_cells(source: str) -> str:
    """A SQL notebook's text with each ``-- COMMAND ----------`` cell separator as a ``;`` (the
    rest of its line blank): a cell ends its statement, whether or not it has a semicolon.
    Offsets and lines are kept; markdown and other-language cells are ``-- MAGIC`` comments."""
    return _CELL.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), source)


#: dbt inputs are read by a per-run meshgov.code.dbt.session.DbtSession (jinja2 imported lazily)
DBT_TYPES = frozenset({"dbt_model", "dbt_schema", "dbt_manifest", "dbt_project"})


def dbt_session(inputs: Sequence[InputFile], ctx: EvalContext) -> Any:
    """A DbtSession for this run when any input is a dbt file, else None."""
    if not any(i.type in DBT_TYPES for i in inputs):
        return None
    from meshgov.code.dbt.session import DbtSession  # noqa: PLC0415 - imports jinja2

    return DbtSession(ctx, [i.path for i in inputs if i.type == "dbt_model"])


def stage_input(inp: InputFile, ctx: EvalContext, dbt: Any = None
                ) -> list[Staged | CodeDocument | Finding]:
    """What an input yields before parsing: a staged SQL file or dbt model, documents a dbt
    property file yields (parsed already), MG-INPUT findings; nothing for other inputs."""
    if inp.type in DBT_TYPES:
        dbt = dbt if dbt is not None else dbt_session([inp], ctx)
        if inp.type == "dbt_model":
            staged = dbt.stage_model(inp)
            return [staged] if staged is not None else []
        return dbt.load(inp)  # type: ignore[no-any-return]
    if inp.type in SQL_TYPES:
        return [stage_sql(inp, ctx)]
    return []


def load_documents(inp: InputFile, ctx: EvalContext, dbt: Any = None,
                   parser: SqlParser | None = None) -> list[CodeDocument | Finding]:
    """The documents an input yields: one for SQL, one per model for dbt, none for others."""
    parser = parser or run_parser(dbt)
    return [parse_staged(s, parser) if isinstance(s, Staged) else s
            for s in stage_input(inp, ctx, dbt)]


def run_parser(dbt: Any) -> SqlParser:
    """The run's SqlParser: the dbt session's when there is one, else a new one."""
    return dbt.sql_parser if dbt is not None else SqlParser()  # type: ignore[no-any-return]


def in_scope(policy: Policy, doc: CodeDocument) -> bool:
    paths = policy.scope.get("paths")
    if paths and not any(fnmatchcase(doc.ref, p) for p in paths):
        return False
    exclude = policy.scope.get("exclude")
    if exclude and any(fnmatchcase(doc.ref, p) for p in exclude):
        return False
    domains = policy.scope.get("domains")
    if domains and doc.domain not in domains:
        return False
    return True


def to_finding(v: Violation, doc: CodeDocument, policy: Policy) -> Finding:
    severity = policy.severity
    if v.severity_cap is not None and SEVERITY_RANK[v.severity_cap] < SEVERITY_RANK[severity]:
        severity = v.severity_cap  # type: ignore[assignment]
    return Finding(
        policy_id=policy.id,
        kind="code",
        severity=severity,
        message=v.message,
        remediation=policy.remediation,
        subject=Subject(subject_type(doc.input), v.subject_ref or doc.ref, doc.domain),
        location=Location(doc.ref, v.line, v.column),
        evidence=dict(v.evidence),
    ).with_fingerprint(v.content or v.message)


def check_document(
    doc: CodeDocument, rules: Sequence[tuple[Policy, Rule]], ctx: EvalContext
) -> list[Finding]:
    return check_documents([doc], rules, ctx)[0]


def check_documents(
    docs: Sequence[CodeDocument], rules: Sequence[tuple[Policy, Rule]], ctx: EvalContext
) -> list[list[Finding]]:
    """The findings of each document, in rule order, suppressions applied. Phase by phase
    over the documents: the statement walk of each (``doc.facts``), then each rule over all."""
    walked = {t for _, rule in rules if "sql" in rule.applies_to for t in rule.applies_to}
    for doc in docs:
        if doc.type in walked:
            try:
                doc.facts  # noqa: B018 - computed now, cached for the rules
            except Exception:  # noqa: BLE001 - the rules meet it again and report it
                pass
    found: list[list[Finding]] = [[] for _ in docs]
    for policy, rule in rules:
        for doc, out in zip(docs, found):
            if doc.type not in rule.applies_to or (policy.scope and not in_scope(policy, doc)):
                continue
            try:
                out.extend(to_finding(v, doc, policy) for v in rule.check(doc, policy, ctx))
            except (RecursionError, SqlglotError) as exc:  # a pathological tree: fail closed
                out.append(input_finding(doc.input, f"cannot check {policy.id} ({rule.key}): "
                                         f"{type(exc).__name__}: {exc}"[:300], None, None,
                                         doc.domain))
    known = ctx.catalog.policies.keys()
    return [apply_suppressions(out, doc.source, doc.ref,
                               Subject(subject_type(doc.input), doc.ref, doc.domain),
                               known_ids=known) for doc, out in zip(docs, found)]


def check_batch(inputs: Sequence[InputFile], rules: Sequence[tuple[Policy, Rule]],
                ctx: EvalContext, dbt: Any = None, parser: SqlParser | None = None
                ) -> list[list[Finding]]:
    """The findings of the first inputs, read, parsed and checked phase by phase
    (:class:`Staged`): all of them, or as many as hold :data:`BATCH_CHARS` of SQL (at least
    one), so that large files are parsed alone; the caller checks the rest in another call.
    Their documents (parse trees with parent links, so cyclic) are unreferenced when this
    returns, before the next batch is read: the collector then frees them young instead of
    promoting them to older generations."""
    parser = parser or run_parser(dbt)
    staged: list[list[Staged | CodeDocument | Finding]] = []
    chars = 0
    for inp in inputs:
        per = stage_input(inp, ctx, dbt)
        staged.append(per)
        chars += sum(len(s.text) for s in per if isinstance(s, Staged))
        if chars >= BATCH_CHARS:
            break
    loaded = [[parse_staged(s, parser) if isinstance(s, Staged) else s for s in per]
              for per in staged]
    del staged
    docs = [doc for per in loaded for doc in per if not isinstance(doc, Finding)]
    checked = iter(check_documents(docs, rules, ctx))
    out: list[list[Finding]] = []
    for per in loaded:
        found: list[Finding] = []
        for doc in per:
            if isinstance(doc, Finding):
                found.append(doc)
            else:
                found.extend(next(checked))
        out.append(found)
    return out


#: inputs read, parsed and checked together (consecutive SQL files or dbt models), at most
BATCH = 32
#: and at most about this much SQL text (parse trees and tokens take ~120x their text in memory)
BATCH_CHARS = 256 * 1024


def batches(indexes: Sequence[int], inputs: Sequence[InputFile]) -> list[list[int]]:
    """``indexes`` in order, consecutive SQL files and dbt models grouped by up to
    :data:`BATCH`; any other input alone (a property file's documents depend on what was
    checked before it)."""
    out: list[list[int]] = []
    current: list[int] = []
    for i in indexes:
        if inputs[i].type in PARALLEL_TYPES:
            current.append(i)
            if len(current) == BATCH:
                out.append(current)
                current = []
            continue
        if current:
            out.append(current)
            current = []
        out.append([i])
    if current:
        out.append(current)
    return out


#: fewer inputs than this per process are checked in the calling process (a fork and sending
#: findings back cost more than checking a hundred files, ~1.5 ms each)
MIN_INPUTS_PER_JOB = 100
#: input types checked on their own, file by file, and so spread over forked processes; the
#: others (dbt property files, manifests, projects) are checked in the calling process, in
#: input order, since the models a property file yields depend on what was checked before
PARALLEL_TYPES = frozenset({"sql", "dbt_model"})


def plan_parts(inputs: Sequence[InputFile], jobs: int) -> list[list[int]]:
    """Indexes of the inputs each part checks: sql and dbt models striped over ``jobs`` parts,
    every other input in part 0 (the calling process)."""
    spread = [i for i, inp in enumerate(inputs) if inp.type in PARALLEL_TYPES]
    parts = [[spread[k] for k in stripe] for stripe in stripes(len(spread), max(1, jobs))]
    parts[0].extend(i for i, inp in enumerate(inputs) if inp.type not in PARALLEL_TYPES)
    parts[0].sort()
    return parts


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    """Findings of every code input, in input order, then the dbt support files' findings.

    Many inputs are split over forked processes (``ctx.options.jobs``; see
    :mod:`meshgov.core.forkjoin`): same findings, same order, whatever the split.
    """
    rules = [(p, get_rule(p.rule)) for p in ctx.policies("code")]
    dbt = dbt_session(inputs, ctx)
    jobs = plan_jobs(ctx.options.jobs, sum(i.type in PARALLEL_TYPES for i in inputs),
                     MIN_INPUTS_PER_JOB)
    parts = plan_parts(inputs, jobs)
    if len(parts) > 1:
        if dbt is not None:
            dbt.prepare()  # project files read once, before the fork: every part shares them
        ctx.progress(f"code: checking {len(inputs)} files in {len(parts)} processes")

    def check_part(n: int) -> tuple[list[list[Finding]], list[Finding]]:
        found: list[list[Finding]] = []
        parser = run_parser(dbt)
        with InputBoundaries() as boundaries:
            for batch in batches(parts[n], inputs):
                rest = [inputs[i] for i in batch]
                while rest:
                    got = check_batch(rest, rules, ctx, dbt, parser)
                    found.extend(got)
                    rest = rest[len(got):]
                    boundaries.done(len(got))
        return found, (dbt.support_findings() if dbt is not None else [])

    per_part = fork_map(check_part, len(parts))
    findings = [f for fs in in_item_order(parts, [found for found, _ in per_part]) for f in fs]
    support: dict[str, Finding] = {}
    for _, problems in per_part:  # the same support file's problem may be met in several parts
        for f in problems:
            support.setdefault(f.location.path, f)
    findings.extend(support[k] for k in sorted(support))
    return EvalResult(findings=tuple(findings), inputs=len(inputs))


def check_sql_text(
    text: str, ref: str, ctx: EvalContext, *, subject_type: str = "sql", path: str | None = None
) -> list[Finding]:
    """Run the code policies on SQL that is not a file (a view definition crawled by the audit).

    ``ref`` names the subject (e.g. the view's three-level name); ``path`` the location shown.
    """
    from pathlib import Path

    inp = InputFile(path=Path(path or ref), rel=path or ref, type="sql", kind="code")
    loaded = parse_document(inp, text, ctx.config.domain)
    if isinstance(loaded, Finding):
        return [loaded]
    doc = loaded
    rules = [(p, get_rule(p.rule)) for p in ctx.policies("code")]
    findings = check_document(doc, rules, ctx)
    if subject_type != "sql":
        from dataclasses import replace

        findings = [replace(f, subject=Subject(subject_type, ref, f.subject.domain)) for f in findings]
    return findings
