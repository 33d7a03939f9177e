"""Evaluate code policies: read each code input, run every applicable rule, apply suppressions."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from sqlglot.errors import ParseError, TokenError

from meshgov.code.document import CodeDocument, parse_sql
from meshgov.code.registry import Rule, Violation, get_rule
from meshgov.code.suppress import apply_suppressions
from meshgov.core import builtin
from meshgov.core.context import EvalContext, EvalResult
from meshgov.core.discovery import InputFile
from meshgov.core.model import Finding, Location, Policy, Subject

SQL_TYPES = frozenset({"sql", "dbt_model"})


def input_finding(
    inp: InputFile, message: str, line: int | None, column: int | None, domain: str | None
) -> Finding:
    """The MG-INPUT finding for an input that cannot be read or parsed."""
    meta = builtin.META_POLICIES[builtin.INPUT]
    return Finding(
        policy_id=builtin.INPUT,
        kind=inp.kind,
        severity="error",
        message=message,
        remediation=meta.remediation,
        subject=Subject(subject_type(inp), inp.rel, domain),
        location=Location(inp.rel, line, column),
    ).with_fingerprint(message)


def subject_type(inp: InputFile) -> str:
    return "dbt_model" if inp.type == "dbt_model" else "sql"


def read_text(inp: InputFile) -> str:
    """Read a file as UTF-8 (raises UnicodeDecodeError / OSError for the caller to report)."""
    return inp.path.read_text(encoding="utf-8")


def parse_error_finding(inp: InputFile, exc: Exception, domain: str | None,
                        line_map=None) -> Finding:  # type: ignore[no-untyped-def]
    line = col = None
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, ParseError) and exc.errors:
        err = exc.errors[0]
        line, col = err.get("line"), err.get("col")
        msg = err.get("description") or msg
    if line is not None and line_map is not None:
        line = line_map(line)
    return input_finding(inp, f"cannot parse SQL: {msg}", line, col, domain)


def load_sql(inp: InputFile, ctx: EvalContext) -> CodeDocument | Finding:
    domain = ctx.config.domain
    try:
        source = read_text(inp)
    except UnicodeDecodeError as exc:
        return input_finding(inp, f"not UTF-8 text ({exc.reason} at byte {exc.start})", None, None, domain)
    except OSError as exc:
        return input_finding(inp, f"cannot read: {exc.strerror or exc}", None, None, domain)
    try:
        statements = parse_sql(source)
    except (ParseError, TokenError) as exc:
        return parse_error_finding(inp, exc, domain)
    except RecursionError:
        return input_finding(inp, "cannot parse SQL: nesting too deep", None, None, domain)
    return CodeDocument(input=inp, source=source, text=source, statements=statements, domain=domain)


def load_document(inp: InputFile, ctx: EvalContext) -> CodeDocument | Finding | None:
    if inp.type in SQL_TYPES:
        return load_sql(inp, ctx)
    return None


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
    return Finding(
        policy_id=policy.id,
        kind="code",
        severity=policy.severity,
        message=v.message,
        remediation=policy.remediation,
        subject=Subject(subject_type(doc.input), v.subject_ref or doc.ref, doc.domain),
        location=Location(doc.ref, v.line, v.column),
        evidence=dict(v.evidence),
    ).with_fingerprint(v.content or v.message)


def check_document(
    doc: CodeDocument, rules: Sequence[tuple[Policy, Rule]], ctx: EvalContext
) -> list[Finding]:
    out: list[Finding] = []
    for policy, rule in rules:
        if doc.type not in rule.applies_to or not in_scope(policy, doc):
            continue
        out.extend(to_finding(v, doc, policy) for v in rule.check(doc, policy, ctx))
    return apply_suppressions(out, doc.source, doc.ref, Subject(subject_type(doc.input), doc.ref, doc.domain))


def evaluate(inputs: Sequence[InputFile], ctx: EvalContext) -> EvalResult:
    rules = [(p, get_rule(p.rule)) for p in ctx.policies("code")]
    findings: list[Finding] = []
    for inp in inputs:
        loaded = load_document(inp, ctx)
        if loaded is None:
            continue
        if isinstance(loaded, Finding):
            findings.append(loaded)
            continue
        findings.extend(check_document(loaded, rules, ctx))
    return EvalResult(findings=tuple(findings), inputs=len(inputs))


def check_sql_text(
    text: str, ref: str, ctx: EvalContext, *, subject_type: str = "sql", path: str | None = None
) -> list[Finding]:
    """Run the code policies on SQL that is not a file (a view definition crawled by the audit).

    ``ref`` names the subject (e.g. the view's three-level name); ``path`` the location shown.
    """
    from pathlib import Path

    inp = InputFile(path=Path(path or ref), rel=path or ref, type="sql", kind="code")
    try:
        statements = parse_sql(text)
    except (ParseError, TokenError) as exc:
        return [parse_error_finding(inp, exc, ctx.config.domain)]
    doc = CodeDocument(input=inp, source=text, text=text, statements=statements, domain=ctx.config.domain)
    rules = [(p, get_rule(p.rule)) for p in ctx.policies("code")]
    findings = check_document(doc, rules, ctx)
    if subject_type != "sql":
        from dataclasses import replace

        findings = [replace(f, subject=Subject(subject_type, ref, f.subject.domain)) for f in findings]
    return findings
