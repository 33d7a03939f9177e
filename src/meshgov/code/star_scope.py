"""Which projection stars put columns nobody named into a statement's result.

``with source as (select * from raw) , renamed as (select id, name from source) select * from
renamed`` names every column of its result: the first ``*`` is read only through ``renamed``'s
explicit list and the last expands a CTE whose columns are known. dbt's own style guide writes
every model this way. A star matters when (1) it reaches the result: it is in the statement's
query (or an INSERT's, a view's, a MERGE source, a subquery outside FROM), or in a CTE or a
derived table that a star reaching the result expands; and (2) it expands a table whose columns
the statement does not name (a physical table, a table function, anything not a CTE, a derived
table or VALUES).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlglot import exp

from meshgov.code.sqlutil import cte_in_scope

_SETOPS = (exp.SetOperation, exp.Paren)


def holder(select: exp.Expression) -> exp.Expression | None:
    """The CTE or the derived table (a Subquery in FROM/JOIN) whose query ``select`` is; None
    when its columns are the result of the statement (or of a subquery outside FROM)."""
    node, parent = select, select.parent
    while parent is not None and (isinstance(parent, _SETOPS)
                                  or (isinstance(parent, exp.Subquery)
                                      and isinstance(parent.parent, _SETOPS))):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.CTE):
        return parent
    if isinstance(parent, exp.Subquery) and isinstance(parent.parent, (exp.From, exp.Join)):
        return parent
    return None


def sources(select: exp.Expression) -> list[exp.Expression]:
    """The FROM and JOIN sources of a SELECT."""
    out: list[exp.Expression] = []
    f = select.args.get("from_")
    if isinstance(f, exp.From) and f.this is not None:
        out.append(f.this)
    for j in select.args.get("joins") or ():
        if isinstance(j, exp.Join) and j.this is not None:
            out.append(j.this)
    return out


def expanded(star: exp.Expression) -> list[exp.Expression]:
    """The sources a star expands: all of its SELECT's for ``*``, the one named for ``t.*``
    (the name alone when no source has it: an unknown table)."""
    select = star.parent
    if select is None:
        return []
    srcs = sources(select)
    if isinstance(star, exp.Column):
        name = star.table.lower()
        named = [s for s in srcs if s.alias_or_name.lower() == name]
        return named or [exp.to_table(star.table)]
    return srcs


def resolve(source: exp.Expression) -> exp.Expression | None:
    """The CTE or derived table ``source`` stands for, or None for a table whose columns the
    statement does not name. VALUES names its columns: it resolves to itself."""
    if isinstance(source, (exp.Subquery, exp.Values)):
        return source
    if isinstance(source, exp.Table) and not source.args.get("db") and not source.args.get("catalog") \
            and isinstance(source.this, exp.Identifier):
        return cte_in_scope(source, source.name)
    return None


def unnamed_stars(stars: Sequence[exp.Expression]) -> Iterable[tuple[exp.Expression, list[str]]]:
    """The stars of one statement that put unnamed columns into its result, each with the CTEs
    and derived tables its columns go through (outermost last), in the order given."""
    expands: dict[int, list[tuple[exp.Expression, exp.Expression]]] = {}
    for s in stars:  # holder id -> (star, its select) expanding it
        for src in expanded(s):
            target = resolve(src)
            if target is not None:
                expands.setdefault(id(target), []).append((s, s.parent))
    memo: dict[int, list[str] | None] = {}

    def path(select: exp.Expression, seen: frozenset[int]) -> list[str] | None:
        """None if ``select``'s columns do not reach the result, else the names they pass."""
        h = holder(select)
        if h is None:
            return []
        key = id(h)
        if key in memo:
            return memo[key]
        if key in seen:
            return None
        found: list[str] | None = None
        for _star, outer in expands.get(key, ()):
            rest = path(outer, seen | {key})
            if rest is not None:
                found = [h.alias_or_name or "(subquery)", *rest]
                break
        memo[key] = found
        return found

    for s in stars:
        select = s.parent
        if select is None or not any(resolve(src) is None for src in expanded(s)):
            continue
        via = path(select, frozenset())
        if via is not None:
            yield s, via
