"""Governance statements: who may be granted what, who owns objects, masks, row filters, tags.

sqlglot parses ``GRANT``/``REVOKE ... ON TABLE|SCHEMA`` as ``exp.Grant``; ``GRANT ... ON
CATALOG``, ``GRANT USE CATALOG``, ``ALTER ... OWNER TO``, ``SET/DROP MASK``, ``SET/DROP ROW
FILTER`` and ``SET/UNSET TAGS`` on columns come back as ``exp.Command`` (text only). Those are
read from the statement's tokens (sqlglot's own tokenizer: comments, backticks and strings are
handled), so every check below works whichever form the parser picked:

1. no privilege of ``forbidden_privileges`` (ALL PRIVILEGES, MANAGE, MODIFY) is granted to a
   principal of ``broad_principals`` (account users, users, all users); ``ALL`` is ALL PRIVILEGES;
2. ``OWNER TO`` names a group: not a broad principal, and (``owner_must_be_group``) not a
   user (a principal with ``@``) whose departure orphans the object;
3. ``SET MASK f`` / ``SET ROW FILTER f`` name the function catalog.schema.fn
   (``qualified_mask_functions``), so the policy cannot silently resolve to another function;
4. ``DROP MASK`` / ``DROP ROW FILTER`` remove a protection: reported unless ``allow_drop_mask``;
5. ``UNSET TAGS`` does not remove a ``protected_tags`` tag (classification, pii), and
   ``SET TAGS`` gives a tag of ``tag_values`` only one of its allowed values.

REVOKE never violates anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from meshgov.code.document import DIALECT, CodeDocument, node_start
from meshgov.code.registry import Param, Rule, Violation
from meshgov.core.context import EvalContext
from meshgov.core.model import Policy

_QUOTED = (TokenType.IDENTIFIER, TokenType.STRING)


@dataclass(frozen=True)
class _Settings:
    broad: frozenset[str]
    forbidden: frozenset[str]
    owner_group: bool
    qualified_fn: bool
    allow_drop: bool
    protected: frozenset[str]
    tag_values: Mapping[str, frozenset[str]]


def norm_principal(name: str) -> str:
    return " ".join(name.strip().strip("`\"'").lower().split())


def norm_privilege(name: str) -> str:
    p = " ".join(name.replace("_", " ").upper().split())
    return "ALL PRIVILEGES" if p == "ALL" else p


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _settings(policy: Policy, ctx: EvalContext) -> _Settings:
    raw_values = RULE.param(policy, "tag_values", ctx)
    if not isinstance(raw_values, dict):
        raw_values = {}
    return _Settings(
        broad=frozenset(norm_principal(str(p))
                        for p in _as_list(RULE.param(policy, "broad_principals", ctx))),
        forbidden=frozenset(norm_privilege(str(p))
                            for p in _as_list(RULE.param(policy, "forbidden_privileges", ctx))),
        owner_group=bool(RULE.param(policy, "owner_must_be_group", ctx)),
        qualified_fn=bool(RULE.param(policy, "qualified_mask_functions", ctx)),
        allow_drop=bool(RULE.param(policy, "allow_drop_mask", ctx)),
        protected=frozenset(str(t).lower()
                            for t in _as_list(RULE.param(policy, "protected_tags", ctx))),
        tag_values={str(k).lower(): frozenset(str(v).lower() for v in _as_list(vals))
                    for k, vals in raw_values.items()},
    )


# -- the shared check of a grant -----------------------------------------------------------------


def _grant_violations(privileges: Sequence[str], securable: str,
                      principals: Iterable[tuple[str, int | None, int | None]],
                      s: _Settings) -> Iterator[Violation]:
    privs = [norm_privilege(p) for p in privileges]
    bad = [p for p in privs if p in s.forbidden]
    if not bad:
        return
    for name, line, col in principals:
        if norm_principal(name) in s.broad:
            yield Violation(
                message=f"GRANT {', '.join(bad)} ON {securable} to '{name}': a broad principal "
                        f"may not hold {', '.join(bad)}",
                line=line, column=col,
                content=f"grant {' '.join(bad)} {securable.lower()} {norm_principal(name)}",
                evidence={"privileges": bad, "securable": securable, "principal": name},
            )


def _grant_node(doc: CodeDocument, node: exp.Grant, s: _Settings) -> Iterator[Violation]:
    privileges = [p.this.name if isinstance(p.this, exp.Expression) else str(p.this)
                  for p in node.args.get("privileges") or ()]
    securable_node = node.args.get("securable")
    kind = str(node.args.get("kind") or "TABLE").upper()
    securable = f"{kind} {securable_node.sql(dialect=DIALECT) if securable_node else '?'}"
    principals = []
    for p in node.args.get("principals") or ():
        ident = p.this
        name = ident.this if isinstance(ident, exp.Identifier) else p.sql(dialect=DIALECT)
        line, col = doc.position(p)
        principals.append((str(name), line, col))
    yield from _grant_violations(privileges, securable, principals, s)


# -- statements kept as text ---------------------------------------------------------------------


class _Tokens:
    """The tokens of one statement, with helpers to match keyword sequences."""

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = [t for t in tokens if t.token_type != TokenType.SEMICOLON]
        self.words = [t.text if t.token_type in _QUOTED else t.text.upper() for t in self.toks]

    def find(self, *seq: str, start: int = 0) -> int:
        n = len(seq)
        for i in range(start, len(self.words) - n + 1):
            if tuple(self.words[i:i + n]) == seq and not any(
                    self.toks[i + k].token_type in _QUOTED for k in range(n)):
                return i
        return -1

    def name(self, i: int) -> tuple[list[str], int]:
        """A dotted name starting at token i: (parts, index after it)."""
        parts: list[str] = []
        while i < len(self.toks):
            parts.append(self.toks[i].text)
            if i + 1 < len(self.toks) and self.toks[i + 1].token_type == TokenType.DOT:
                i += 2
                continue
            return parts, i + 1
        return parts, i

    def split(self, lo: int, hi: int) -> list[list[Token]]:
        groups: list[list[Token]] = [[]]
        for t in self.toks[lo:hi]:
            if t.token_type == TokenType.COMMA:
                groups.append([])
            else:
                groups[-1].append(t)
        return [g for g in groups if g]


def _text_violations(doc: CodeDocument, text: str, offset: int | None, s: _Settings
                     ) -> Iterator[Violation]:
    try:
        tk = _Tokens(Dialect.get_or_raise(DIALECT).tokenize(text))
    except SqlglotError:
        return
    if not tk.words:
        return

    def pos(tok: Token | None) -> tuple[int | None, int | None]:
        if offset is None:
            return None, None
        return doc.offset_position(offset + (tok.start if tok is not None else 0))

    head = tk.words[0]
    if head == "GRANT":
        on = tk.find("ON")
        to = tk.find("TO", start=on + 1) if on > 0 else -1
        if on < 0 or to < 0:
            return
        privileges = [" ".join(t.text for t in g) for g in tk.split(1, on)]
        securable = " ".join(t.text for t in tk.toks[on + 1:to])
        principals = []
        for g in tk.split(to + 1, len(tk.toks)):
            if g[0].text.upper() == "WITH":
                break
            principals.append((" ".join(t.text for t in g), *pos(g[0])))
        yield from _grant_violations(privileges, securable, principals, s)
        return
    if head != "ALTER":
        return
    obj_parts, _ = tk.name(2) if len(tk.toks) > 2 else ([], 0)
    obj = f"{tk.words[1] if len(tk.words) > 1 else ''} {'.'.join(obj_parts)}".strip()

    i = tk.find("OWNER", "TO")
    if i >= 0 and i + 2 < len(tk.toks):
        tok = tk.toks[i + 2]
        owner = " ".join(t.text for t in tk.toks[i + 2:])
        problem = ""
        if norm_principal(owner) in s.broad:
            problem = "a broad principal may not own objects"
        elif s.owner_group and "@" in owner:
            problem = "the owner is a user: make a group the owner"
        if problem:
            yield Violation(
                message=f"ALTER {obj} OWNER TO '{owner}': {problem}",
                line=pos(tok)[0], column=pos(tok)[1],
                content=f"owner {obj.lower()} {norm_principal(owner)}",
                evidence={"object": obj, "owner": owner},
            )

    for what, seq in (("MASK", ("SET", "MASK")), ("ROW FILTER", ("SET", "ROW", "FILTER"))):
        i = tk.find(*seq)
        if i >= 0 and s.qualified_fn:
            start = i + len(seq)
            parts, _ = tk.name(start)
            if parts and len(parts) < 3:
                tok = tk.toks[start]
                fn = ".".join(parts)
                yield Violation(
                    message=f"{what} function '{fn}' on {obj} is not a three-level name "
                            "catalog.schema.function",
                    line=pos(tok)[0], column=pos(tok)[1],
                    content=f"{what.lower()} {obj.lower()} {fn.lower()}",
                    evidence={"object": obj, "function": fn},
                )
    for what, seq in (("MASK", ("DROP", "MASK")), ("ROW FILTER", ("DROP", "ROW", "FILTER"))):
        i = tk.find(*seq)
        if i >= 0 and not s.allow_drop:
            tok = tk.toks[i]
            yield Violation(
                message=f"DROP {what} on {obj} removes a data protection",
                line=pos(tok)[0], column=pos(tok)[1],
                content=f"drop {what.lower()} {obj.lower()} {text.lower()}",
                evidence={"object": obj},
            )

    for unset in (False, True):
        seq = ("UNSET", "TAGS") if unset else ("SET", "TAGS")
        i = tk.find(*seq)
        if i < 0:
            continue
        for g in tk.split(i + 2, len(tk.toks)):
            strings = [t for t in g if t.token_type in _QUOTED]
            if not strings:
                continue
            key_tok = strings[0]
            key = key_tok.text.lower()
            value = strings[1].text.lower() if len(strings) > 1 else None
            yield from _tag_violation(obj, key, value, unset, s, pos(key_tok))


def _tag_violation(obj: str, key: str, value: str | None, unset: bool, s: _Settings,
                   where: tuple[int | None, int | None]) -> Iterator[Violation]:
    if unset:
        if key in s.protected:
            yield Violation(
                message=f"UNSET TAGS removes the protected tag '{key}' from {obj}",
                line=where[0], column=where[1],
                content=f"unset {obj.lower()} {key}",
                evidence={"object": obj, "tag": key},
            )
        return
    allowed = s.tag_values.get(key)
    if allowed and (value or "") not in allowed:
        yield Violation(
            message=f"tag '{key}' = '{value}' on {obj}: allowed values are "
                    f"{', '.join(sorted(allowed))}",
            line=where[0], column=where[1],
            content=f"tag {obj.lower()} {key} {value}",
            evidence={"object": obj, "tag": key, "value": value, "allowed": sorted(allowed)},
        )


def _statement_text(doc: CodeDocument, index: int, node: exp.Expression
                    ) -> tuple[str, int | None]:
    span = doc.statement_span(index)
    if span is not None:
        return doc.text[span[0]: span[1] + 1], span[0]
    return node.sql(dialect=DIALECT), None


def _needs_tokens(node: exp.Expression) -> bool:
    if not isinstance(node, exp.Alter):
        return False
    return any(isinstance(a, exp.Command) or (isinstance(a, exp.AlterSet) and a.args.get("tag"))
               for a in node.args.get("actions") or ())


def check(doc: CodeDocument, policy: Policy, ctx: EvalContext) -> Iterable[Violation]:
    facts = doc.facts
    s: _Settings | None = None
    for cmd in facts.commands:
        if cmd.text.lstrip()[:5].upper() not in ("GRANT", "ALTER"):
            continue
        s = s or _settings(policy, ctx)
        yield from _text_violations(doc, cmd.text, cmd.offset, s)
    for st in facts.statements:
        node = st.node
        if isinstance(node, exp.Grant):
            s = s or _settings(policy, ctx)
            yield from _grant_node(doc, node, s)
        elif _needs_tokens(node):
            s = s or _settings(policy, ctx)
            text, offset = _statement_text(doc, st.index, node)
            found = list(_text_violations(doc, text, offset, s))
            if offset is None:  # regenerated text: report at the statement
                line, col = doc.position(node) if node_start(node) is not None else (None, None)
                found = [Violation(v.message, line, col, v.content, v.evidence) for v in found]
            yield from found


RULE = Rule(
    key="grants",
    summary="GRANT, ownership, masks, row filters and tags follow the access rules",
    check=check,
    params={
        "broad_principals": Param((list,), ["account users", "users", "all users"],
                                  "principals too broad to receive forbidden privileges or own "
                                  "objects", global_param="code.grants.broad_principals"),
        "forbidden_privileges": Param((list,), ["ALL PRIVILEGES", "MANAGE", "MODIFY"],
                                      "privileges never granted to a broad principal",
                                      global_param="code.grants.forbidden_privileges"),
        "owner_must_be_group": Param((bool,), True, "OWNER TO must not name a user (an email)"),
        "qualified_mask_functions": Param((bool,), True,
                                          "SET MASK / SET ROW FILTER functions are "
                                          "catalog.schema.function"),
        "allow_drop_mask": Param((bool,), False, "allow DROP MASK / DROP ROW FILTER"),
        "protected_tags": Param((list,), ["classification", "pii"],
                                "tags UNSET TAGS may not remove"),
        "tag_values": Param((dict,),
                            {"classification": ["public", "internal", "confidential",
                                                "restricted"]},
                            "tag -> allowed values for SET TAGS"),
    },
    example="GRANT ALL PRIVILEGES ON CATALOG hr_prod TO `account users`",
)
