"""Evaluate code policies on SQL files and dbt models, in four stages per batch of inputs:

1. **read** (:func:`read_input`): a file's text, a notebook's cells, a dbt model rendered, a dbt
   property file's documents; MG-INPUT findings for what cannot be read;
2. **parse** (:func:`parse_staged`): the SQL into a :class:`CodeDocument`, or the MG-INPUT
   finding saying where and why not;
3. **walk** (:func:`walk`): each document's statements walked once (``doc.facts``), for every rule;
4. **rules** (:func:`apply_rules`): each applicable rule over the documents, then suppressions.

:func:`evaluate` describes the inputs as :class:`meshgov.core.executor.Work`; the executor
decides batches, processes and the garbage collector's part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError

from meshgov.code.document import CodeDocument, SqlParser, Staged
from meshgov.code.registry import Rule, Violation, get_rule
from meshgov.code.sqlerrors import parse_error_position
from meshgov.code.suppress import apply_suppressions
from meshgov.core import builtin
from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile
from meshgov.core.executor import Work, execute, plan
from meshgov.core.model import SEVERITY_RANK, Finding, Location, Policy, Subject
from meshgov.core.textio import UnreadableText, read_text

#: dbt inputs are read by a per-run meshgov.code.dbt.session.DbtSession (jinja2 imported lazily)
DBT_TYPES = frozenset({"dbt_model", "dbt_schema", "dbt_manifest", "dbt_project"})
#: input types checked on their own, file by file, and so spread over forked processes; the
#: others (dbt property files, manifests, projects) are checked in the calling process, in
#: input order, since the models a property file yields depend on what was checked before
PARALLEL_TYPES = frozenset({"sql", "dbt_model"})
#: inputs read, parsed and checked together (consecutive SQL files or dbt models), at most
BATCH = 32
#: and at most about this much SQL text (parse trees and tokens take ~120x their text in memory)
BATCH_CHARS = 256 * 1024
#: fewer inputs than this per process are checked in the calling process (a fork and sending
#: findings back cost more than checking a hundred files, ~1.5 ms each)
MIN_INPUTS_PER_JOB = 100


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    """Findings of every code input, in input order, then the dbt support files' findings:
    the same whatever batches and processes the executor runs them in."""
    rules = [(p, get_rule(p.rule)) for p in ctx.policies("code")]
    dbt = dbt_session(inputs, ctx)
    parser = run_parser(dbt)
    work: Work[list[Finding], list[Finding]] = Work(
        items=len(inputs),
        run=lambda indexes: check_batch([inputs[i] for i in indexes], rules, ctx, dbt, parser),
        alone=lambda i: not runs_anywhere(inputs[i]),
        batch=BATCH, min_per_job=MIN_INPUTS_PER_JOB, collect=True,
        # the project files are read once, before a fork: every part shares them
        before_fork=dbt.prepare if dbt is not None else None,
        finish=dbt.support_findings if dbt is not None else None)
    planned = plan(work, ctx.options.jobs)
    if planned.processes > 1:
        ctx.progress(f"code: checking {len(inputs)} files in {planned.processes} processes")
    done = execute(work, planned)
    findings = [f for found in done.results for f in found]
    support: dict[str, Finding] = {}
    for problems in done.finished:  # the same support file's problem may be met in several parts
        for f in problems:
            support.setdefault(f.location.path, f)
    findings.extend(support[k] for k in sorted(support))
    return EvalResult(findings=tuple(findings), inputs=len(inputs))


def runs_anywhere(inp: InputFile) -> bool:
    """An input checked on its own (SQL file, dbt model): batched with others and spread over
    processes. Any other depends on the inputs before it."""
    return inp.type in PARALLEL_TYPES


def check_batch(inputs: Sequence[InputFile], rules: Sequence[tuple[Policy, Rule]],
                ctx: EvalContext, dbt: Any = None, parser: SqlParser | None = None
                ) -> list[list[Finding]]:
    """The findings of the first inputs, taken through the four stages together: all of them,
    or as many as hold :data:`BATCH_CHARS` of SQL (at least one), so that large files are parsed
    alone; the caller checks the rest in another call. Their documents (parse trees with parent
    links, so cyclic) are unreferenced when this returns, before the next batch is read."""
    parser = parser or run_parser(dbt)
    read: list[list[Staged | CodeDocument | Finding]] = []
    chars = 0
    for inp in inputs:
        per = read_input(inp, ctx, dbt)
        read.append(per)
        chars += sum(len(s.text) for s in per if isinstance(s, Staged))
        if chars >= BATCH_CHARS:
            break
    loaded = [[parse_staged(s, parser) if isinstance(s, Staged) else s for s in per]
              for per in read]
    del read
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


# ---------------------------------------------------------------------------- 1. read / render

def read_input(inp: InputFile, ctx: EvalContext, dbt: Any = None
               ) -> list[Staged | CodeDocument | Finding]:
    """What an input yields before parsing: a staged SQL file or dbt model, documents a dbt
    property file yields (parsed already), MG-INPUT findings; nothing for other inputs."""
    if inp.type in DBT_TYPES:
        dbt = dbt if dbt is not None else dbt_session([inp], ctx)
        if inp.type == "dbt_model":
            staged = dbt.stage_model(inp)
            return [staged] if staged is not None else []
        return dbt.load(inp)  # type: ignore[no-any-return]
    if inp.type == "sql":
        return [stage_sql(inp, ctx)]
    return []


def dbt_session(inputs: Sequence[InputFile], ctx: EvalContext) -> Any:
    """A DbtSession for this run when any input is a dbt file, else None."""
    if not any(i.type in DBT_TYPES for i in inputs):
        return None
    from meshgov.code.dbt.session import DbtSession  # noqa: PLC0415 - imports jinja2

    return DbtSession(ctx, [i.path for i in inputs if i.type == "dbt_model"])


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


# ------------------------------------------------------------------------------------- 2. parse

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


def load_documents(inp: InputFile, ctx: EvalContext, dbt: Any = None,
                   parser: SqlParser | None = None) -> list[CodeDocument | Finding]:
    """The documents an input yields: one for SQL, one per model for dbt, none for others."""
    parser = parser or run_parser(dbt)
    return [parse_staged(s, parser) if isinstance(s, Staged) else s
            for s in read_input(inp, ctx, dbt)]


def run_parser(dbt: Any) -> SqlParser:
    """The run's SqlParser: the dbt session's when there is one, else a new one."""
    return dbt.sql_parser if dbt is not None else SqlParser()  # type: ignore[no-any-return]


def parse_error_finding(inp: InputFile, exc: Exception, domain: str | None,
                        line_map=None, text: str = "") -> Finding:  # type: ignore[no-untyped-def]
    msg, line, col = parse_error_position(exc, text)
    if line is not None and line_map is not None:
        line = line_map(line)
    return input_finding(inp, f"cannot parse SQL: {msg}", line, col, domain)


# -------------------------------------------------------------------------------------- 3. walk

def walk(docs: Sequence[CodeDocument], rules: Sequence[tuple[Policy, Rule]]) -> None:
    """Walk the statements of each document some rule reads them of (``doc.facts``, cached
    for the rules); a walk that fails is left for the rules to meet and report."""
    walked = {t for _, rule in rules if "sql" in rule.applies_to for t in rule.applies_to}
    for doc in docs:
        if doc.type in walked:
            try:
                doc.facts  # noqa: B018 - computed now, cached for the rules
            except Exception:  # noqa: BLE001 - the rules meet it again and report it
                pass


# ------------------------------------------------------------------------------------- 4. rules

def apply_rules(docs: Sequence[CodeDocument], rules: Sequence[tuple[Policy, Rule]],
                ctx: EvalContext) -> list[list[Finding]]:
    """The findings of each document, in rule order (each rule over all the documents), with
    the documents' suppressions applied."""
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


def check_documents(
    docs: Sequence[CodeDocument], rules: Sequence[tuple[Policy, Rule]], ctx: EvalContext
) -> list[list[Finding]]:
    """Stages 3 and 4 over parsed documents: the findings of each."""
    walk(docs, rules)
    return apply_rules(docs, rules, ctx)


def check_document(
    doc: CodeDocument, rules: Sequence[tuple[Policy, Rule]], ctx: EvalContext
) -> list[Finding]:
    return check_documents([doc], rules, ctx)[0]


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


# ----------------------------------------------------------------------- findings about inputs

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


# ------------------------------------------------------------------------- SQL that is no file

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
