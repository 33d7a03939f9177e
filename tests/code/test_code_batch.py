"""Documents checked together (check_documents: the walks first, then each rule over all)
give each document exactly the findings it gets checked alone, failures included."""

from __future__ import annotations

import dataclasses

import pytest
from sqlglot.errors import SqlglotError

from code_rule_harness import ROOT, _context
from meshgov.code import sqlutil
from meshgov.code.document import CodeDocument
from meshgov.code.evaluator import check_document, check_documents, parse_document
from meshgov.code.registry import Violation, get_rule
from meshgov.core.context import EvalContext
from meshgov.core.discovery import InputFile
from meshgov.core.model import Finding

SQL_FILES = sorted((ROOT / "fixtures" / "domains").glob("*/sql/**/*.sql"))


def _setup() -> tuple[EvalContext, list]:
    cfg, catalog = _context('{"catalogs": ["sales_prod"], "domain": "sales", '
                            '"owner": "o@x", "products": []}')
    ctx = EvalContext(config=cfg, catalog=catalog)
    return ctx, [(p, get_rule(p.rule)) for p in catalog.by_kind("code")]


def _docs(ctx: EvalContext) -> list[CodeDocument]:
    docs = []
    for path in SQL_FILES:
        rel = str(path.relative_to(ROOT))
        inp = InputFile(path=path, rel=rel, type="sql", kind="code")
        doc = parse_document(inp, path.read_text(encoding="utf-8"), ctx.config.domain)
        if isinstance(doc, CodeDocument):
            docs.append(doc)
    return docs


def test_together_equals_alone() -> None:
    ctx, rules = _setup()
    docs = _docs(ctx)
    assert len(docs) >= 5
    together = check_documents(docs, rules, ctx)
    alone = [check_document(doc, rules, ctx) for doc in _docs(ctx)]  # fresh documents
    assert together == alone
    assert sum(map(len, together)) > 5  # the fixtures violate: not empty lists compared


def test_a_rule_failing_on_one_document_fails_closed_there_only() -> None:
    ctx, rules = _setup()
    docs = _docs(ctx)[:3]
    policy, _ = rules[0]

    def check(doc, policy, ctx):  # noqa: ANN001, ANN202 - a rule's signature
        yield Violation("first", 1, 1, "first")
        if doc is docs[1]:
            raise SqlglotError("boom")

    rule = dataclasses.replace(get_rule(policy.rule), check=check)
    got = check_documents(docs, [(policy, rule)], ctx)
    assert [[f.message for f in fs if f.policy_id != "MG-SUPPRESS"] for fs in got] == [
        ["first"], ["first", f"cannot check {policy.id} ({rule.key}): SqlglotError: boom"],
        ["first"]]


def test_a_walk_that_fails_is_reported_by_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, rules = _setup()
    docs = _docs(ctx)[:2]
    real = sqlutil.analyze

    def analyze(doc: CodeDocument) -> sqlutil.DocFacts:
        if doc is docs[0]:
            raise RecursionError("too deep")
        return real(doc)

    monkeypatch.setattr(sqlutil, "analyze", analyze)
    got = check_documents(docs, rules, ctx)
    broken = [f for f in got[0] if f.policy_id == "MG-INPUT"]
    assert broken and all("cannot check" in f.message and "RecursionError" in f.message
                          for f in broken)
    assert not any(f.policy_id == "MG-INPUT" for f in got[1])
    assert isinstance(got[1], list) and all(isinstance(f, Finding) for f in got[1])


def test_no_document() -> None:
    ctx, rules = _setup()
    assert check_documents([], rules, ctx) == []


def test_a_batch_stops_at_its_share_of_sql_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshgov.code import evaluator  # noqa: PLC0415

    ctx, rules = _setup()
    inputs = [InputFile(path=p, rel=str(p.relative_to(ROOT)), type="sql", kind="code")
              for p in SQL_FILES]
    whole = evaluator.check_batch(inputs, rules, ctx)
    assert len(whole) == len(inputs)  # the fixture files are far below BATCH_CHARS
    monkeypatch.setattr(evaluator, "BATCH_CHARS", 1)
    first = evaluator.check_batch(inputs, rules, ctx)
    assert len(first) == 1  # one input at least, then it stops
    pieces: list[list[Finding]] = []
    rest = list(inputs)
    while rest:
        got = evaluator.check_batch(rest, rules, ctx)
        pieces.extend(got)
        rest = rest[len(got):]
    assert pieces == whole
