"""Render a raw dbt model with jinja2, dbt's context stubbed, and map rendered lines back.

No dbt and no warehouse: ``ref``/``source``/``this`` render to three-level names given by the
caller's resolver, ``config()`` records its arguments, ``var()`` reads the project's vars,
``is_incremental()`` is False and ``execute`` is False (dbt's parse-time view, so
``run_query`` blocks are skipped). Project macros (``macro-paths``) are loaded and callable.
Macros of installed packages (``dbt_utils.star(...)``, ``adapter.dispatch(...)``) render to a
placeholder identifier ``__pkg__macro__`` because packages are never installed. Any other
unknown name that is called is an error: the model is unrenderable (as it would be for dbt).

Line map (:mod:`meshgov.code.dbt.lines`): markers carrying source lines are put before the
content of every line of template data, in places jinja2's whitespace control never strips,
so ``{% if %}`` blocks, loops and multi-line ``config(...)`` calls keep findings on the line
(and column) the developer edits. Simple models skip jinja2 altogether (:mod:`fastpath`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshgov.code.dbt import cross_db
from meshgov.code.dbt.budget import Budget, BudgetExceeded, RenderLimits, bounded_environment
from meshgov.code.dbt.fastpath import fast_render
from meshgov.code.dbt.lines import mark_lines, normalize_newlines, unmark
from meshgov.code.dbt.project import DbtProject, merge_config

_MACRO_DEF = re.compile(r"\{%-?\s*macro\s+(\w+)")
_FIXED_TIME = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)  # deterministic run_started_at
#: package namespaces recognised even without a packages.yml
KNOWN_PACKAGES = frozenset({"dbt_utils", "dbt_expectations", "dbt_date", "codegen",
                            "audit_helper", "dbt_external_tables", "dbt"})


class RenderError(Exception):
    """The model cannot be rendered; ``line`` is the 1-based source line when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


class _Return(Exception):  # noqa: N818 - control flow of dbt's return()
    def __init__(self, value: Any) -> None:
        self.value = value


class _CompilerError(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    text: str
    #: source line (1-based) of each rendered line
    lines: tuple[int, ...]
    refs: tuple[tuple[str | None, str], ...] = ()  # (package, name)
    sources: tuple[tuple[str, str], ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict, hash=False)
    placeholders: tuple[str, ...] = ()  # package macros rendered as placeholders

    def line_of(self, rendered_line: int) -> int:
        if 1 <= rendered_line <= len(self.lines):
            return self.lines[rendered_line - 1]
        return self.lines[-1] if self.lines else rendered_line


class Relation:
    """What ``ref()``, ``source()`` and ``this`` return: renders as ``catalog.schema.name``."""

    def __init__(self, database: str, schema: str, identifier: str) -> None:
        self.database = database
        self.catalog = database
        self.schema = schema
        self.identifier = identifier
        self.name = identifier
        self.table = identifier

    def include(self, **_: Any) -> Relation:
        return self

    def render(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.database}.{self.schema}.{self.identifier}"

    def __html__(self) -> str:  # pragma: no cover - autoescape is off
        return str(self)


#: ref(package, name, version) -> Relation ; source(source_name, table) -> Relation
RefResolver = Callable[[str | None, str], Relation]
SourceResolver = Callable[[str, str], Relation]


class _Recorder:
    """Per-render state: what the model referenced and configured."""

    def __init__(self) -> None:
        self.refs: list[tuple[str | None, str]] = []
        self.sources: list[tuple[str, str]] = []
        self.config: dict[str, Any] = {}
        self.placeholders: list[str] = []


class _Placeholder:
    """A package macro: calling it renders ``__pkg_name__`` (and records it)."""

    def __init__(self, qualname: str, box: _Box) -> None:
        self._qualname = qualname
        self._box = box

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if self._qualname not in self._box.rec.placeholders:
            self._box.rec.placeholders.append(self._qualname)
        return "__" + re.sub(r"\W", "_", self._qualname) + "__"


class _Namespace:
    def __init__(self, name: str, box: _Box) -> None:
        self._name = name
        self._box = box

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        known = cross_db.PACKAGES.get(self._name, {}).get(attr)
        if known is not None:  # rendered as the Databricks adapter does (type names, clauses)
            return _guarded(known, f"{self._name}.{attr}")
        return _Placeholder(f"{self._name}.{attr}", self._box)


def _guarded(fn: Callable[..., str], name: str) -> Callable[..., str]:
    """A cross-database macro; wrong arguments are a compile error, as in dbt."""
    def call(*args: Any, **kwargs: Any) -> str:
        try:
            return fn(*args, **kwargs)
        except TypeError as exc:
            raise _CompilerError(f"{name}(): {exc}") from None
    return call


class _Adapter:
    def __init__(self, box: _Box) -> None:
        self._box = box

    def dispatch(self, macro_name: str, macro_namespace: str | None = None, **_: Any) -> _Placeholder:
        return _Placeholder(f"{macro_namespace or 'adapter'}.{macro_name}", self._box)

    def quote(self, identifier: str) -> str:
        return f"`{identifier}`"

    def get_relation(self, *_: Any, **__: Any) -> None:
        return None

    def get_columns_in_relation(self, *_: Any, **__: Any) -> list[Any]:
        return []


class _Config:
    def __init__(self, box: _Box) -> None:
        self._box = box

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        for arg in args:  # config({'materialized': 'table'}) is accepted by dbt too
            if isinstance(arg, Mapping):
                kwargs = {**arg, **kwargs}
        for key, value in kwargs.items():
            merge_config(self._box.rec.config, str(key), value)
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        return self._box.rec.config.get(key, default)

    def require(self, key: str) -> Any:
        if key not in self._box.rec.config:
            raise _CompilerError(f"config '{key}' is required")
        return self._box.rec.config[key]


class _Var:
    """``var()``: the run's vars (``dbt --vars``; meshgov's ``code.dbt.vars``) first, then the
    project's (``dbt_project.yml`` ``vars:``), then the default the model gives."""

    def __init__(self, project: DbtProject, run_vars: Mapping[str, Any]) -> None:
        self._project = project
        self._run_vars = run_vars

    def _lookup(self, name: str) -> tuple[bool, Any]:
        if name in self._run_vars:
            return True, self._run_vars[name]
        return self._project.var(name)

    def __call__(self, name: str, default: Any = ...) -> Any:
        found, value = self._lookup(name)
        if found:
            return value
        if default is ...:
            raise _CompilerError(
                f"required var '{name}' not found in dbt_project.yml vars (a var dbt is given "
                "with --vars at run time: give meshgov a value in meshgov.yaml, policies.params "
                f"code.dbt.vars: {{{name}: ...}})")
        return default

    def has_var(self, name: str) -> bool:
        return self._lookup(name)[0]


class _Exceptions:
    def raise_compiler_error(self, msg: str = "") -> None:
        raise _CompilerError(str(msg))

    def warn(self, *_: Any, **__: Any) -> str:
        return ""


class _Modules:
    datetime = _dt
    re = re


def _return(value: Any = "") -> None:
    raise _Return(value)


def _wrap_macro(macro: Any) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return macro(*args, **kwargs)
        except _Return as r:
            return r.value

    return call


class _MacroRef:
    """A project macro as other macro files see it, looked up when it is called: jinja2 copies
    a module's globals when the module is made, so a macro calling one of a file made later
    (``marts/x.sql`` calling ``utils/simple_cte.sql``) would find nothing. dbt resolves macros
    at call time too."""

    def __init__(self, loaded: Mapping[str, Callable[..., Any]], name: str,
                 builtin: Callable[..., Any] | None) -> None:
        self._loaded = loaded
        self._name = name
        self._builtin = builtin

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = self._loaded.get(self._name, self._builtin)
        if fn is None:
            raise _CompilerError(f"macro '{self._name}' is defined in a macro file meshgov "
                                 "could not load")
        return fn(*args, **kwargs)


class _OwnMacros:
    """``{{ my_project.my_macro() }}``: dbt lets a project call its own macros through its
    name, as it calls a package's."""

    def __init__(self, project: str, ns: Mapping[str, Any], declared: set[str]) -> None:
        self._project = project
        self._ns = ns
        self._declared = declared

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._declared:
            raise _CompilerError(f"'{self._project}.{name}': the project has no macro {name}")
        return self._ns[name]


class _This:
    """``this`` for the model being rendered (macros see the same object)."""

    def __init__(self, box: _Box) -> None:
        self._box = box

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._box.this, attr)

    def __str__(self) -> str:
        return str(self._box.this)


class _Box:
    """The render in progress: its recorder and its model (one render at a time)."""

    def __init__(self) -> None:
        self.rec = _Recorder()
        self.this = Relation("", "", "")
        self.model_name = ""


class Renderer:
    """One per dbt project per run: a sandboxed environment, dbt's stubs, the project's macros.

    jinja2 copies a template's globals when its module is made, so the stubs are created once
    and read the render in progress from a small per-renderer box.
    """

    def __init__(self, project: DbtProject, default_schema: str, default_catalog: str, *,
                 ref: RefResolver, src: SourceResolver, packages: Iterable[str] = (),
                 limits: RenderLimits = RenderLimits(),
                 run_vars: Mapping[str, Any] | None = None) -> None:
        self.project = project
        self.run_vars: Mapping[str, Any] = dict(run_vars or {})
        self._budget = Budget(limits)
        self.default_schema = default_schema
        self.default_catalog = default_catalog
        self.packages = frozenset(packages) | KNOWN_PACKAGES
        self._env: Any = None  # jinja2 is imported only when a model needs it
        self._macro_files: list[Path] = []
        self.declared_macros: set[str] = set()  # names the macro files define (by a cheap scan)
        self._box = _Box()
        self._ref = ref
        self._src = src
        self.ns: dict[str, Any] = self._stubs()
        self.macro_names: set[str] = set()
        self.macro_errors: dict[str, str] = {}  # macro file -> why it could not be loaded
        self._parsed_exprs: dict[str, tuple[Any, ...]] = {}  # fast path: {{ body }} -> its parse

    def _stubs(self) -> dict[str, Any]:
        box = self._box

        def ref_stub(*args: Any, **kwargs: Any) -> Relation:
            names = [a for a in args if isinstance(a, str)]
            if not names or len(names) > 2 or len(names) != len(args):
                raise _CompilerError(f"ref() takes a model name (and a package): got {args!r}")
            package, name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            box.rec.refs.append((package, name))
            return self._ref(package, name)

        def source_stub(source_name: Any = None, table_name: Any = None) -> Relation:
            if not isinstance(source_name, str) or not isinstance(table_name, str):
                raise _CompilerError("source() takes a source name and a table name")
            box.rec.sources.append((source_name, table_name))
            return self._src(source_name, table_name)

        def env_var(name: str, default: Any = None) -> Any:
            return default if default is not None else f"__env_{name}__"

        stubs: dict[str, Any] = {
            "ref": ref_stub,
            "source": source_stub,
            "config": _Config(box),
            "var": _Var(self.project, self.run_vars),
            "env_var": env_var,
            "is_incremental": lambda: False,
            "should_full_refresh": lambda: False,
            "this": _This(box),
            "execute": False,
            "target": {"name": "dev", "schema": self.default_schema, "database": self.default_catalog,
                       "catalog": self.default_catalog, "type": "databricks", "threads": 1,
                       "profile_name": self.project.name},
            "project_name": self.project.name,
            "database": self.default_catalog,
            "schema": self.default_schema,
            "adapter": _Adapter(box),
            "exceptions": _Exceptions(),
            "modules": _Modules(),
            "log": lambda *a, **k: "",
            "print": lambda *a, **k: "",
            "run_query": lambda *a, **k: None,
            "load_result": lambda *a, **k: None,
            "statement": lambda *a, **k: "",
            "return": _return,
            "tojson": _tojson,
            "fromjson": lambda s, default=None: _safe_json(s, default),
            "range": _small_range,
            "zip": zip,
            "set": set,
            "run_started_at": _FIXED_TIME,
            "invocation_id": "meshgov",
            "flags": {"FULL_REFRESH": False, "WHICH": "compile"},
            "graph": {"nodes": {}, "sources": {}},
        }
        for pkg in self.packages:
            stubs[pkg] = _Namespace(pkg, box)
        for name, fn in cross_db.GLOBAL.items():  # dbt's global macros, callable bare
            stubs.setdefault(name, _guarded(fn, name))
        return stubs

    # -- macros ----------------------------------------------------------------------------
    def set_macro_files(self, files: Iterable[Path]) -> None:
        """The project's macro files: scanned now for names, compiled when jinja2 is needed."""
        self._macro_files = list(files)
        for path in self._macro_files:
            try:
                self.declared_macros.update(_MACRO_DEF.findall(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue

    @property
    def env(self) -> Any:
        if self._env is None:
            self._env = bounded_environment(
                self._budget,
                extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
                keep_trailing_newline=True,
                autoescape=False,
            )
            self.load_macros(self._macro_files)
        return self._env

    def load_macros(self, files: Iterable[Path]) -> None:
        """Load the project's macros; a macro file jinja2 cannot read is skipped (and noted)."""
        import jinja2  # noqa: PLC0415

        modules = []
        for path in files:
            try:
                source = path.read_text(encoding="utf-8")
                code = self.env.compile(source, name=path.name, filename=str(path))
                template = self.env.template_class.from_code(
                    self.env, code, self.env.make_globals(self.ns), None
                )
                modules.append(template)
            except Exception as exc:  # noqa: BLE001 - {% materialization %}, {% test %}, bad files
                self.macro_errors[str(path)] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        # every declared macro is in ``ns`` before any module is made, as a reference resolved
        # when it is called: macros call each other freely, whatever file they are in
        loaded: dict[str, Callable[..., Any]] = {}
        for name in self.declared_macros:
            self.ns[name] = _MacroRef(loaded, name, self.ns.get(name))
        if self.project.name and self.project.name not in self.ns:
            self.ns[self.project.name] = _OwnMacros(self.project.name, self.ns, self.declared_macros)
        for template in modules:
            self._budget.start()
            try:
                module = template.make_module()
            except Exception as exc:  # noqa: BLE001 - top-level code of a macro file may fail
                self.macro_errors[str(template.filename)] = str(exc)[:200]
                continue
            finally:
                self._budget.stop()
            for name, value in vars(module).items():
                if isinstance(value, jinja2.runtime.Macro):
                    loaded[name] = self.ns[name] = _wrap_macro(value)
                    self.macro_names.add(name)

    # -- models ----------------------------------------------------------------------------
    def render(self, source: str, *, this: Relation, model_name: str) -> Rendered:
        rec = _Recorder()
        self._box.rec, self._box.this, self._box.model_name = rec, this, model_name
        source = separate_relations(normalize_newlines(source))  # jinja2 counts \r, \r\n too
        fast = fast_render(source, self.ns, self._overridden, self._parsed_exprs)
        if fast is not None:
            return self._result(*fast, rec)
        rec = _Recorder()  # the fast path may have recorded before giving up
        self._box.rec = rec
        import jinja2  # noqa: PLC0415

        try:
            template = self.env.from_string(mark_lines(source), globals=self.ns)
            self._budget.start()
            out = self._budget.output(template.generate(
                model={"name": model_name, "unique_id": f"model.{self.project.name}.{model_name}"}))
        except BudgetExceeded as exc:
            raise RenderError(f"unrenderable Jinja: {exc}", _template_line(exc)) from None
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"unrenderable Jinja: {exc.message}", exc.lineno) from None
        except _CompilerError as exc:
            raise RenderError(f"unrenderable Jinja: {exc}", _template_line(exc)) from None
        except _Return as exc:
            raise RenderError("unrenderable Jinja: return() outside a macro", _template_line(exc)) from None
        except jinja2.UndefinedError as exc:
            hint = ""
            if "is undefined" in str(exc):
                hint = (" (not a dbt builtin, a project macro, or a macro of a package listed in"
                        " packages.yml)")
            raise RenderError(f"unrenderable Jinja: {exc}{hint}", _template_line(exc)) from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"unrenderable Jinja: {exc}", _template_line(exc)) from None
        except RecursionError:
            raise RenderError("unrenderable Jinja: recursion too deep") from None
        except Exception as exc:  # noqa: BLE001 - a model's Jinja may raise anything (1/0, [][1])
            raise RenderError(f"unrenderable Jinja: {type(exc).__name__}: {exc}", _template_line(exc)) from None
        finally:
            self._budget.stop()
        return self._rendered(out, rec)

    def render_text(self, text: str) -> str | None:
        """Render a short Jinja string of a property file (a source's database...); None when
        it cannot be rendered. What it references is not recorded for the model."""
        box_rec = self._box.rec
        self._box.rec = _Recorder()
        try:
            return self.render(text, this=self._box.this, model_name=self._box.model_name).text
        except RenderError:
            return None
        finally:
            self._box.rec = box_rec

    def _overridden(self, name: str) -> bool:
        return name in self.declared_macros

    @staticmethod
    def _rendered(marked: str, rec: _Recorder) -> Rendered:
        return Renderer._result(*unmark(marked), rec)

    @staticmethod
    def _result(text: str, lines: tuple[int, ...], rec: _Recorder) -> Rendered:
        return Rendered(
            text=text,
            lines=lines,
            refs=tuple(rec.refs),
            sources=tuple(rec.sources),
            config=dict(rec.config),
            placeholders=tuple(rec.placeholders),
        )


#: a ref()/source()/this expression, with its own whitespace control
_RELATION = re.compile(r"\{\{(-?)(\s*(?:(?:ref|source)\s*\([^{}]*?\)|this)\s*)(-?)\}\}")
_SPACE = " \t\n\r\f\v"


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def separate_relations(source: str) -> str:
    """A relation written against a word (``join{{ ref('x') }}``, ``from\n{{- ref('x') }}``,
    ``{{ ref('x') -}}\nwhere``) stays a token of its own. dbt-databricks renders it quoted
    (`` `cat`.`sch`.`x` ``), so the SQL is valid; meshgov renders names unquoted, and the
    words would merge (``joincat.sch.x``): a space is kept (or put) there instead. One scan
    for the relation tags; the text is copied only when one is glued."""
    if "{{" not in source:
        return source
    out: list[str] = []
    pos = 0
    for m in _RELATION.finditer(source):
        strip_before, body, strip_after = m.group(1, 2, 3)
        start, end = m.span()
        k = start
        while k > 0 and source[k - 1] in _SPACE:
            k -= 1
        n = end
        while n < len(source) and source[n] in _SPACE:
            n += 1
        glued_before = k > 0 and _word(source[k - 1]) and (bool(strip_before) or k == start)
        glued_after = n < len(source) and _word(source[n]) and (bool(strip_after) or n == end)
        if not (glued_before or glued_after):
            continue
        out.append(source[pos:start])
        out.append(" " if glued_before and k == start else "")
        out.append(f"{{{{{'' if glued_before else strip_before}{body}"
                   f"{'' if glued_after else strip_after}}}}}")
        out.append(" " if glued_after and n == end else "")
        pos = end
    if not out:
        return source
    out.append(source[pos:])
    return "".join(out)


MAX_RANGE = 10_000  # a model's loops stay small; nested big ranges would stall a pre-commit


def _small_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise _CompilerError(f"range() of {len(rng)} items is longer than {MAX_RANGE}")
    return rng


def _tojson(obj: Any, *_: Any, **__: Any) -> str:
    import json  # noqa: PLC0415 - rarely used by a model

    return json.dumps(obj, default=str)


def _safe_json(s: Any, default: Any) -> Any:
    import json  # noqa: PLC0415

    try:
        return json.loads(s)
    except (TypeError, ValueError):
        return default


def _template_line(exc: BaseException) -> int | None:
    """The model template's line in the (jinja-rewritten) traceback, deepest frame first."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
