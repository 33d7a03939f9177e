"""What code rules ask about SQL, computed once per document in one walk per statement.

- the tables a statement touches, each with its *role*: ``create`` (CREATE TABLE/VIEW target),
  ``write`` (INSERT/MERGE/UPDATE/DELETE target), ``rename`` (new name of ALTER ... RENAME TO),
  ``other`` (DROP, ALTER, GRANT, COMMENT, USE... objects) or ``read``; names defined by a CTE
  in scope are not tables and are dropped (a CTE is visible in later CTEs and the main query,
  in its own body only when the WITH is RECURSIVE);
- the catalog and schema a statement runs in (``USE CATALOG``, ``USE SCHEMA``, ``USE a.b``);
- function calls with the names they were written with;
- projection stars (``SELECT *``, ``SELECT t.*``);
- statements sqlglot keeps only as text (``exp.Command``), with their source text and offset;
- names given in other forms than a table name: ``IDENTIFIER('c.s.t')`` (a table ref with
  ``via="identifier"``; ``IDENTIFIER(:param)`` and other run-time names are *unresolved*), the
  table argument of a table-valued function ``f(TABLE(c.s.t))`` (``via="table-arg"``), and
  Unity Catalog volume paths ``/Volumes/<catalog>/<schema>/<volume>/...`` read by
  ``read_files(...)``, ``parquet.`/Volumes/...```, ``COPY INTO ... FROM``, ``LOAD DATA`` (*paths*).

Names keep the case they were written in (naming rules look at the raw tree, never at a
qualified/normalized one); comparisons elsewhere are case-insensitive, as in Unity Catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    from meshgov.code.document import CodeDocument

#: ``delta.`/mnt/path``` and friends: a path, not a Unity Catalog table
PATH_FORMATS = frozenset({"delta", "parquet", "csv", "json", "orc", "avro", "text", "binaryfile"})

_TARGET_OF: dict[type[exp.Expression], str] = {
    exp.Create: "create",
    exp.Insert: "write",
    exp.Merge: "write",
    exp.Update: "write",
    exp.Delete: "write",
    exp.Copy: "write",
    exp.LoadData: "write",
}
#: what a statement does to the tables of role create/write/rename/other (``TableRef.verb``)
_VERBS: dict[type[exp.Expression], str] = {
    exp.Create: "CREATE", exp.Insert: "INSERT INTO", exp.Merge: "MERGE INTO", exp.Update: "UPDATE",
    exp.Delete: "DELETE FROM", exp.Copy: "COPY INTO", exp.LoadData: "LOAD DATA INTO",
    exp.AlterRename: "RENAME TO", exp.Drop: "DROP", exp.TruncateTable: "TRUNCATE", exp.Alter: "ALTER",
    exp.Comment: "COMMENT ON", exp.Cache: "CACHE", exp.Use: "USE", exp.Grant: "GRANT ON",
    exp.Revoke: "REVOKE ON", exp.Describe: "DESCRIBE",
}
#: verbs that change an object (a domain may do these only to its own catalogs)
MODIFYING_VERBS = frozenset({"CREATE", "INSERT INTO", "MERGE INTO", "UPDATE", "DELETE FROM",
                             "COPY INTO", "LOAD DATA INTO", "RENAME TO", "DROP", "TRUNCATE",
                             "ALTER", "COMMENT ON", "GRANT ON", "REVOKE ON"})
#: ``/Volumes/<catalog>/<schema>/<volume>/...`` (also ``dbfs:/Volumes/...``)
_VOLUME_PATH = re.compile(r"^(?:dbfs:)?/Volumes/([^/\s]+)/([^/\s]+)/([^/\s]+)")
#: one part of a name given as a string (``IDENTIFIER('`a`.b.c')``)
_NAME_PART = re.compile(r"\s*(`(?:[^`]|``)*`|[^.`\s]+)\s*(\.|$)")
_OTHER_PARENTS: tuple[type[exp.Expression], ...] = (
    exp.Drop, exp.TruncateTable, exp.Alter, exp.Comment, exp.Cache, exp.Use, exp.Grant,
    exp.Revoke, exp.Describe,
)


@dataclass(frozen=True)
class TableRef:
    #: the Table node (for ``via="table-arg"``: the argument's Column)
    node: exp.Expression
    #: the name parts as written, outermost first: (catalog, schema, name), (schema, name), (name,)
    parts: tuple[str, ...]
    role: str  # create | write | rename | other | read
    statement: int
    create_kind: str = ""  # TABLE, VIEW... for role create
    temporary: bool = False
    #: how the name is given: "" (a table name), "identifier" (IDENTIFIER('...')), "table-arg"
    via: str = ""
    #: what the statement does to it (INSERT INTO, DROP...; ``_VERBS``), "" for reads
    verb: str = ""

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class FunctionCall:
    node: exp.Func
    #: lower-case names the call may be known by: as written, sqlglot's canonical name, and
    #: the qualified ``catalog.schema.fn`` when written so
    names: frozenset[str]
    written: str
    statement: int


@dataclass(frozen=True)
class CommandStmt:
    node: exp.Command
    statement: int
    text: str  # the statement as written
    offset: int | None  # offset of ``text`` in the document text


@dataclass(frozen=True)
class PathRef:
    """A Unity Catalog volume path read or written: it names a catalog and a schema."""

    node: exp.Expression
    path: str
    catalog: str
    schema: str
    volume: str
    role: str  # read | write | create
    statement: int
    verb: str = ""


@dataclass(frozen=True)
class UnresolvedRef:
    """A table whose name is only known at run time (``IDENTIFIER(:param)``, ``IDENTIFIER(x)``)."""

    node: exp.Expression
    written: str  # the IDENTIFIER(...) call as written (sqlglot's rendering)
    role: str
    statement: int
    verb: str = ""


@dataclass(frozen=True)
class StatementFacts:
    index: int
    node: exp.Expression
    tables: tuple[TableRef, ...]
    #: every function call node (names are computed on demand: :func:`function_call`)
    function_nodes: tuple[exp.Func, ...]
    stars: tuple[exp.Expression, ...]
    #: catalog / schema the statement runs in, as set by earlier USE statements (None: default)
    catalog: str | None
    schema: str | None
    paths: tuple[PathRef, ...] = ()
    unresolved: tuple[UnresolvedRef, ...] = ()


@dataclass(frozen=True)
class DocFacts:
    statements: tuple[StatementFacts, ...]
    commands: tuple[CommandStmt, ...]
    #: lower-case names of TEMPORARY views created in the document (session objects, not UC)
    temp_views: frozenset[str] = frozenset()

    def tables(self, *roles: str) -> list[TableRef]:
        return [t for s in self.statements for t in s.tables if not roles or t.role in roles]

    def paths(self, *roles: str) -> list[PathRef]:
        return [p for s in self.statements for p in s.paths if not roles or p.role in roles]

    def unresolved(self, *roles: str) -> list[UnresolvedRef]:
        return [u for s in self.statements for u in s.unresolved if not roles or u.role in roles]

    def context_of(self, statement: int) -> tuple[str | None, str | None]:
        s = self.statements[statement]
        return s.catalog, s.schema


# -- tables ------------------------------------------------------------------------------------

_IDENTIFIER = exp.Identifier


def table_parts(node: exp.Table) -> tuple[str, ...] | None:
    """Name parts as written, or None for table functions, paths and other non-names."""
    args = node.args
    this = args.get("this")
    if type(this) is not _IDENTIFIER:
        return None
    name = this.this
    if not isinstance(name, str) or not name:
        return None
    db = args.get("db")
    if type(db) is not _IDENTIFIER:
        return (name,)
    catalog = args.get("catalog")
    if db.this.lower() in PATH_FORMATS and (name.startswith("/") or ":/" in name):
        return None
    if type(catalog) is not _IDENTIFIER:
        return (db.this, name)
    return (catalog.this, db.this, name)


def _table_role(node: exp.Table) -> tuple[str, exp.Expression | None]:
    parent = node.parent
    key = node.arg_key
    if isinstance(parent, exp.Schema) and key == "this":  # CREATE t (cols) / INSERT t (cols)
        key = parent.arg_key
        parent = parent.parent
    if key == "this":
        role = _TARGET_OF.get(type(parent)) if parent is not None else None
        if role is not None:
            return role, parent
    if isinstance(parent, exp.AlterRename):
        return "rename", parent
    if isinstance(parent, _OTHER_PARENTS) and key in ("this", "tables", "expressions",
                                                      "securable"):
        return "other", parent
    return "read", None


_PART = r"`(?:[^`]|``)*`|[^.`\s]+"
_DOTTED = re.compile(rf"\s*(?:{_PART})(?:\s*\.\s*(?:{_PART})){{0,2}}\s*")


def name_parts(text: str) -> tuple[str, ...] | None:
    """The parts of a name given as a string (``'`hr_prod`.raw.t'``), or None if it is not one."""
    if not _DOTTED.fullmatch(text):
        return None
    return tuple(p[1:-1].replace("``", "`") if p.startswith("`") else p
                 for p in re.findall(_PART, text))


def string_value(node: exp.Expression | None) -> str | None:
    """The value of a string literal or of a concatenation of string literals, else None."""
    if isinstance(node, exp.Literal):
        return str(node.this) if node.is_string else None
    if isinstance(node, exp.DPipe):
        left, right = string_value(node.this), string_value(node.expression)
        return left + right if left is not None and right is not None else None
    if isinstance(node, exp.Concat):
        values = [string_value(e) for e in node.expressions]
        return "".join(v for v in values if v is not None) if None not in values else None
    return None


def volume_of(path: str) -> tuple[str, str, str] | None:
    """(catalog, schema, volume) of a ``/Volumes/...`` path, else None."""
    m = _VOLUME_PATH.match(path.strip())
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _path_ref(node: exp.Expression, path: str | None, role: str, statement: int, verb: str = ""
              ) -> PathRef | None:
    where = volume_of(path) if path else None
    if where is None or path is None:
        return None
    return PathRef(node, path.strip(), *where, role=role, statement=statement, verb=verb)


def other_forms(node: exp.Table, statement: int
                ) -> tuple[list[TableRef], list[PathRef], list[UnresolvedRef]] | None:
    """Refs of a Table node that is not a plain name: IDENTIFIER(...), a table-valued function's
    TABLE(...) and volume-path arguments, a volume path; None when it is none of these."""
    this = node.args.get("this")
    role, parent = _table_role(node)
    verb = _VERBS.get(type(parent), "") if role != "read" else ""
    identifier_arg: exp.Expression | None = None
    if isinstance(this, exp.Anonymous) and str(this.this).upper() == "IDENTIFIER":
        identifier_arg = (this.expressions or [None])[0]
    elif (type(this) is exp.Identifier and not this.quoted and this.this.upper() == "IDENTIFIER"
          and isinstance(node.parent, exp.Schema) and len(node.parent.expressions) == 1
          and not isinstance(node.parent.expressions[0], (exp.Identifier, exp.Column,
                                                           exp.ColumnDef))):
        identifier_arg = node.parent.expressions[0]  # CREATE/INSERT INTO IDENTIFIER('...')
    if identifier_arg is not None:
        value = string_value(identifier_arg)
        parts = name_parts(value) if value is not None else None
        if parts is None:
            written = f"IDENTIFIER({identifier_arg.sql(dialect='databricks')})"
            return [], [], [UnresolvedRef(node, written, role, statement, verb)]
        kind, temporary = _create_info(parent) if role == "create" else ("", False)
        return [TableRef(node, parts, role, statement, kind, temporary, "identifier", verb)], [], []
    if isinstance(this, exp.Func):  # a table-valued function: its TABLE(...) and path arguments
        tables: list[TableRef] = []
        paths: list[PathRef] = []
        for arg in this.expressions if isinstance(this, exp.Anonymous) else this.args.values():
            value = arg.expression if isinstance(arg, exp.Kwarg) else arg
            if (isinstance(value, exp.Anonymous) and str(value.this).upper() == "TABLE"
                    and len(value.expressions) == 1 and isinstance(value.expressions[0], exp.Column)):
                col = value.expressions[0]
                parts = tuple(p.name for p in col.parts)
                if all(parts) and len(parts) <= 3:
                    tables.append(TableRef(col, parts, "read", statement, via="table-arg"))
            elif isinstance(value, exp.Expression):
                ref = _path_ref(value, string_value(value), "read", statement)
                if ref is not None:
                    paths.append(ref)
        return (tables, paths, []) if tables or paths else None
    if type(this) is exp.Identifier:  # parquet.`/Volumes/...`, FROM '/Volumes/...' (COPY)
        ref = _path_ref(node, this.this, role, statement, verb)
        return ([], [ref], []) if ref is not None else None
    return None


def statement_paths(stmt: exp.Expression, statement: int) -> list[PathRef]:
    """Volume paths a COPY INTO (``FROM '<path>'``) or a LOAD DATA (``INPATH '<path>'``) reads."""
    if isinstance(stmt, exp.Copy):
        sources = [f for f in stmt.args.get("files") or [] if isinstance(f, exp.Literal)]
    elif isinstance(stmt, exp.LoadData):
        sources = [stmt.args["inpath"]] if isinstance(stmt.args.get("inpath"), exp.Literal) else []
    else:
        return []
    return [r for r in (_path_ref(f, string_value(f), "read", statement) for f in sources) if r]


def cte_in_scope(node: exp.Expression, name: str) -> exp.CTE | None:
    """The CTE an unqualified table name at ``node`` refers to, innermost first (in a CTE's
    own body only the CTEs before it, and itself if RECURSIVE), or None."""
    lname = name.lower()
    child: exp.Expression = node
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") if parent.args else None
        if isinstance(with_, exp.With):
            ctes = with_.expressions
            if child is with_:  # we are inside one of the CTE bodies
                inner = node
                while inner.parent is not with_:
                    inner = inner.parent  # type: ignore[assignment]
                k = inner.index or 0
                visible = ctes[: k + 1] if with_.args.get("recursive") else ctes[:k]
            else:
                visible = ctes
            for c in visible:
                if c.alias_or_name.lower() == lname:
                    return c  # type: ignore[no-any-return]
        child, parent = parent, parent.parent
    return None


def _create_info(parent: exp.Expression | None) -> tuple[str, bool]:
    if not isinstance(parent, exp.Create):
        return "", False
    kind = str(parent.args.get("kind") or "").upper()
    props = parent.args.get("properties")
    temporary = bool(props and any(isinstance(p, exp.TemporaryProperty)
                                   for p in props.expressions))
    return kind, temporary


# -- functions ---------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def class_names(cls: type[exp.Func]) -> frozenset[str]:
    """Lower-case SQL names of a sqlglot function class (``Upper``: upper, ucase)."""
    try:
        return frozenset(n.lower() for n in cls.sql_names())
    except NotImplementedError:
        return frozenset()


def may_be_called(node: exp.Func, names: frozenset[str] | set[str]) -> bool:
    """Cheap pre-check: could the call match one of ``names`` (lower-case, bare or qualified)?"""
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower() in names
    return not class_names(type(node)).isdisjoint(names)


def function_call(node: exp.Func, text: str, statement: int) -> FunctionCall:
    """The names a call is known by (``text``: the document text its positions refer to)."""
    names: set[str] = set()
    if isinstance(node, exp.Anonymous):
        written = str(node.this)
    else:
        written = node.sql_name()
        meta = node._meta  # noqa: SLF001 - token positions
        if meta and "start" in meta and "end" in meta:
            raw = text[meta["start"]: meta["end"] + 1]
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", raw):
                written = raw
        names.add(node.sql_name().lower())
        names.update(class_names(type(node)))
    names.add(written.lower())
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        qualifier = parent.this.sql(dialect="databricks").replace("`", "")
        qualified = f"{qualifier}.{written}".lower()
        names.add(qualified)
        written = f"{qualifier}.{written}"
    return FunctionCall(node, frozenset(names), written, statement)


# -- USE ---------------------------------------------------------------------------------------


def _apply_use(node: exp.Use, catalog: str | None, schema: str | None
               ) -> tuple[str | None, str | None]:
    target = node.this
    if not isinstance(target, exp.Table) or not isinstance(target.this, exp.Identifier):
        return catalog, schema
    kind = str(node.args.get("kind") or "").upper()
    name = target.this.this
    db = target.args.get("db")
    if kind == "CATALOG":
        return name, None
    if isinstance(db, exp.Identifier):
        return db.this, name
    return catalog, name


_USE_COMMAND = re.compile(r"^\s*SET\s+CATALOG\s+`?([A-Za-z0-9_\-]+)`?\s*$", re.IGNORECASE)


# -- the walk ----------------------------------------------------------------------------------


#: nodes that never hold another expression: the walk does not look inside them
_LEAVES = frozenset({exp.Identifier, exp.Literal})


def interesting_nodes(stmt: exp.Expression) -> tuple[list[exp.Table], list[exp.Func],
                                                      list[exp.Expression], bool]:
    """(tables, function calls, projection stars, whether a WITH occurs) of a statement, in
    the order of sqlglot's depth-first walk (``find_all(..., bfs=False)``).

    Half of a parse tree is identifiers and columns: the walk does not descend into them
    (a column's parts are identifiers; ``t.*`` is a Column whose ``this`` is a Star, found
    here from the Column), which makes it ~2x cheaper than sqlglot's walk of every node.
    """
    tables: list[exp.Table] = []
    functions: list[exp.Func] = []
    stars: list[exp.Expression] = []
    has_with = False
    table_t, with_t, star_t, column_t, select_t = exp.Table, exp.With, exp.Star, exp.Column, \
        exp.Select
    expr_t, func_t, ident_t, leaves = exp.Expr, exp.Func, exp.Identifier, _LEAVES
    stack: list[exp.Expression] = [stmt]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        t = type(node)
        args = node.args
        if t is column_t:
            if type(args.get("this")) is star_t:
                if node.arg_key == "expressions" and type(node.parent) is select_t:
                    stars.append(node)  # t.*
            else:
                for v in args.values():
                    if v is not None and type(v) is not ident_t:
                        break
                else:
                    continue  # a plain column: identifiers only
        elif t is table_t:
            tables.append(node)  # type: ignore[arg-type]
        elif t is star_t:
            if node.arg_key == "expressions" and type(node.parent) is select_t:
                stars.append(node)
        elif t is with_t:
            has_with = True
        elif isinstance(node, func_t):
            functions.append(node)
        for vs in reversed(args.values()):
            if type(vs) is list:
                for v in reversed(vs):
                    if isinstance(v, expr_t) and type(v) not in leaves:
                        push(v)
            elif isinstance(vs, expr_t) and type(vs) not in leaves:
                push(vs)
    return tables, functions, stars, has_with


def analyze(doc: CodeDocument) -> DocFacts:
    statements: list[StatementFacts] = []
    commands: list[CommandStmt] = []
    catalog: str | None = None
    schema: str | None = None
    search_from = 0
    for i, stmt in enumerate(doc.statements):
        tables: list[TableRef] = []
        paths: list[PathRef] = statement_paths(stmt, i)
        unresolved: list[UnresolvedRef] = []
        raw_tables, functions, stars, has_with = interesting_nodes(stmt)
        for node in raw_tables:
            parts = table_parts(node)
            if parts is None or (len(parts) == 1 and _maybe_other_form(parts[0])):
                other = other_forms(node, i)
                if other is not None:
                    tables.extend(other[0])
                    paths.extend(other[1])
                    unresolved.extend(other[2])
                    continue
                if parts is None:
                    continue
            role, parent = _table_role(node)
            if has_with and len(parts) == 1 and role == "read" and cte_in_scope(node, parts[0]) is not None:
                continue
            kind, temporary = _create_info(parent) if role == "create" else ("", False)
            verb = _VERBS.get(type(parent), "") if role != "read" else ""
            tables.append(TableRef(node, parts, role, i, kind, temporary, verb=verb))
        statements.append(StatementFacts(i, stmt, tuple(tables), tuple(functions), tuple(stars),
                                         catalog, schema, tuple(paths), tuple(unresolved)))
        if isinstance(stmt, exp.Command):
            cmd_text, offset = _command_text(doc, i, stmt, search_from)
            if offset is not None:
                search_from = offset + len(cmd_text)
            commands.append(CommandStmt(stmt, i, cmd_text, offset))
            m = _USE_COMMAND.match(cmd_text)
            if m:
                catalog, schema = m.group(1), None
        elif isinstance(stmt, exp.Use):
            catalog, schema = _apply_use(stmt, catalog, schema)
    temp = frozenset(t.name.lower() for s in statements for t in s.tables
                     if t.role == "create" and t.temporary)
    return DocFacts(tuple(statements), tuple(commands), temp)


def _maybe_other_form(name: str) -> bool:
    """A one-part name that may be IDENTIFIER('...') misparsed, or a quoted volume path."""
    return name.upper() == "IDENTIFIER" or "/Volumes/" in name


def resolve_name(ref: TableRef, facts: DocFacts, default_catalog: str | None
                 ) -> tuple[str | None, str | None, str]:
    """(catalog, schema, name) a reference resolves to; None where the session decides.

    Two-level names are schema.table in the current catalog: the one set by an earlier
    ``USE CATALOG`` in the file, else the domain's default catalog.
    """
    catalog, schema = facts.context_of(ref.statement)
    catalog = catalog or default_catalog
    if len(ref.parts) >= 3:
        return ref.parts[-3], ref.parts[-2], ref.parts[-1]
    if len(ref.parts) == 2:
        return catalog, ref.parts[0], ref.parts[1]
    return catalog, schema, ref.parts[0]


def is_temp_view_ref(ref: TableRef, facts: DocFacts) -> bool:
    return len(ref.parts) == 1 and ref.role != "create" and ref.name.lower() in facts.temp_views


def _command_text(doc: CodeDocument, index: int, node: exp.Command, search_from: int
                  ) -> tuple[str, int | None]:
    written = f"{node.this}{node.expression.name if isinstance(node.expression, exp.Literal) else node.expression or ''}"  # noqa: E501
    span = doc.statement_span(index)
    if span is not None:
        return doc.text[span[0]: span[1] + 1], span[0]
    # no span (a document built from statements only): find the text as written
    m = re.compile(re.escape(written), re.IGNORECASE).search(doc.text, search_from)
    return written, (m.start() if m else None)
