"""The per-run dbt loader: projects, property files, manifests and macros, each read once.

The code evaluator makes one :class:`DbtSession` per run. Given a model file (or a property
file, or a manifest) it finds the model's project (the nearest ``dbt_project.yml``) and reads
only what that project needs: its ``dbt_project.yml``, the ``*.yml`` files under its model
paths whose text mentions the model (or a source it reads), its macros (compiled only when a
model needs jinja2) and its ``target/manifest.json`` when there is one. Everything is cached on
the session (never in a module global), so 2,000 models of one project cost one read of each.

Documents:
- a ``.sql`` under a model path -> a ``dbt_model`` CodeDocument (SQL rules and dbt rules);
- a property file given alone -> for each model it describes whose ``.sql`` is not itself an
  input, a ``dbt_node`` CodeDocument (dbt rules only): a model is checked once per run;
- ``.sql`` files outside the model paths (macros, tests, analyses, ``target/``) are not models.

A support file that cannot be read (``dbt_project.yml``, a property file, the manifest) is one
MG-INPUT finding, reported once per run, and every model is still evaluated with what is left.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshgov.code.classify import dbt_project_root
from meshgov.code.dbt.errors import DbtReadError
from meshgov.code.dbt.lines import tags
from meshgov.code.dbt.project import DbtProject, load_project, merge_config, walk_model_paths
from meshgov.code.dbt.properties import ModelProps, PropertyFile, SourceTable, load_properties
from meshgov.code.dbt.budget import RenderLimits
from meshgov.code.dbt.render import Relation, Rendered, Renderer, RenderError
from meshgov.code.document import CodeDocument, SqlParser, Staged
from meshgov.core.context import EvalContext
from meshgov.core.discovery import InputFile, display_path
from meshgov.core.model import Finding
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads

if TYPE_CHECKING:  # manifest reading (json, hashlib, difflib) is imported when a manifest exists
    from meshgov.code.dbt.manifest import Manifest, ManifestModel

FALLBACK_CATALOG = "main"  # Databricks' default catalog when meshgov.yaml names none
FALLBACK_SCHEMA = "default"
#: up to this many model inputs (pre-commit), only the property files naming them are parsed
FEW_MODELS = 8
_LITERAL_CFG = re.compile(r"\b(schema|alias|database|catalog)\s*=\s*['\"]([^'\"]+)['\"]")
#: a whole tag that is a config() call (matched against each tag :func:`lines.tags` finds:
#: scanning the text for it from every ``{{`` took quadratic time on hostile files)
_CONFIG_CALL = re.compile(r"\{\{-?\s*config\s*\((.*)\)\s*-?\}\}", re.S)


@dataclass
class _Project:
    """What the session knows about one dbt project (mutable cache, lives for one run)."""

    project: DbtProject
    models: dict[str, Path] | None = None  # name -> .sql
    props: dict[str, ModelProps] | None = None  # model name -> its properties
    sources: dict[tuple[str, str], SourceTable] = field(default_factory=dict)
    manifest: Manifest | None = None
    manifest_loaded: bool = False
    prop_files: list[Path] = field(default_factory=list)  # property files under the model paths
    folder_configs: dict[Path, dict[str, Any]] = field(default_factory=dict)  # by model file
    default_schema: str | None = None
    parsed: set[Path] = field(default_factory=set)
    renderer: Renderer | None = None
    literal_config: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (model name, its .sql) -> what ref()/this render to: computed once per model and run
    relations: dict[tuple[str, Path | None], Relation] = field(default_factory=dict)


class DbtSession:
    def __init__(self, ctx: EvalContext, model_inputs: Iterable[Path] = ()) -> None:
        self.ctx = ctx
        self.domain = ctx.config.domain
        self.root = ctx.config.root
        self.catalog = ctx.config.default_catalog or FALLBACK_CATALOG
        self.model_inputs = {p.absolute() for p in model_inputs}  # discovery paths are resolved
        self._projects: dict[Path, _Project] = {}
        self._props_files: dict[Path, PropertyFile | None] = {}
        self._problems: dict[str, Finding] = {}  # support file -> its MG-INPUT finding
        self._done: set[Path] = set()
        self._roots: dict[Path, Path | None] = {}  # directory -> its dbt project root
        self._dbt_ids: frozenset[str] | None = None
        self._shown_paths: dict[Path, str] = {}
        self._model_dirs: dict[str, _Project | None] = {}  # directory -> project when models live there
        self.sql_parser = SqlParser()  # reused for every model (and the run's plain SQL)

    # -- public ----------------------------------------------------------------------------
    def load(self, inp: InputFile) -> list[CodeDocument | Finding]:
        """The documents (or MG-INPUT findings) an input yields; support files yield none."""
        if inp.type == "dbt_model":
            out = self.model_document(inp)
            return [out] if out is not None else []
        state = self._state_for(inp.path.parent if inp.type != "dbt_manifest" else inp.path.parent.parent)
        if state is None:
            return []
        if inp.type == "dbt_manifest":
            self._manifest(state)
        elif inp.type == "dbt_schema":
            return self._documents_for_properties(inp.path, state)
        return []

    def prepare(self) -> None:
        """Read now what every model of the run will need from its project (dbt_project.yml,
        the model index, the manifest, the property files, the renderer) — what would
        otherwise be read lazily by the first model — so that processes forked afterwards
        share it instead of each reading it again."""
        directories = {p.parent for p in self.model_inputs}
        states = {id(s): s for s in (self._state_for(d) for d in directories) if s is not None}
        for state in states.values():
            self._index(state)
            self._manifest(state)
            self._renderer(state)
            if len(self.model_inputs) > FEW_MODELS:  # else each model reads only its own
                self._parse_mentioning(state, "")
        self._dbt_policy_ids()

    def support_findings(self) -> list[Finding]:
        return [self._problems[k] for k in sorted(self._problems)]

    def model_document(self, inp: InputFile) -> CodeDocument | Finding | None:
        """The model's document (parsed), an MG-INPUT finding, or None (not a model here,
        disabled, or checked already)."""
        from meshgov.code.evaluator import parse_staged  # noqa: PLC0415

        staged = self.stage_model(inp)
        return parse_staged(staged, self.sql_parser) if isinstance(staged, Staged) else staged

    def stage_model(self, inp: InputFile) -> Staged | Finding | None:
        """The model read and rendered, ready to be parsed (see :meth:`model_document`)."""
        from meshgov.code.evaluator import input_finding, max_file_bytes  # noqa: PLC0415

        path = inp.path.absolute()
        state = self._model_dir_state(path)
        if state is None or path in self._done:
            return None
        self._done.add(path)
        project = state.project
        try:
            source = read_text(path, max_file_bytes(self.ctx))
        except UnreadableText as exc:
            return input_finding(inp, exc.message, exc.line, exc.column, self.domain)
        rel = "/".join(project._rel_parts(path))  # noqa: SLF001 - path.relative_to(root), no new Path
        name = path.stem
        manifest = self._manifest(state)
        node = manifest.model_for_file(rel) if manifest else None
        fresh = node is not None and (node.checksum is None or node.checksum == _sha256(source))
        props = self._model_props(state, name)
        this = self._relation(state, name, path, source)
        rendered: Rendered | None = None
        error: RenderError | None = None
        try:
            rendered = self._renderer(state).render(source, this=this, model_name=name)
        except RenderError as exc:
            error = exc
        if fresh and node is not None and node.compiled_code:
            text = node.compiled_code
            lines = align_lines(text, rendered, source)
            origin = "manifest"
        elif rendered is not None:
            text, lines, origin = rendered.text, rendered.lines, "jinja"
        else:
            assert error is not None
            return input_finding(inp, error.message, error.line, None, self.domain)

        def line_map(n: int, _lines: tuple[int, ...] = lines) -> int:
            return _lines[n - 1] if 1 <= n <= len(_lines) else (_lines[-1] if _lines else n)

        meta = self._metadata(state, name, rel, path, this, node, props, rendered, origin)
        if meta["config"].get("enabled") is False:
            return None  # a disabled model does not exist for dbt
        if meta["materialized"] == "metric_view" and origin == "jinja":
            # dbt-databricks wraps the YAML body: CREATE VIEW ... WITH METRICS LANGUAGE YAML AS
            # (the prefix has no newline: lines are kept)
            text = f"CREATE VIEW {this} WITH METRICS LANGUAGE YAML AS $${text}$$"
        if inp.type == "dbt_node":  # only dbt rules run: SQL-rule suppressions are not stale
            source = keep_suppressions(source, self._dbt_policy_ids())
        return Staged(inp, source, text, self.domain, line_map, meta,
                      empty="no SQL statement in the model once rendered")

    def _shown(self, path: Path) -> str:
        """display_path of a property file (one per many models), computed once."""
        shown = self._shown_paths.get(path)
        if shown is None:
            shown = self._shown_paths[path] = display_path(path, self.root)
        return shown

    def _dbt_policy_ids(self) -> frozenset[str]:
        if self._dbt_ids is None:
            from meshgov.code.registry import get_rule  # noqa: PLC0415

            self._dbt_ids = frozenset(p.id for p in self.ctx.policies("code")
                                      if "dbt_node" in get_rule(p.rule).applies_to)
        return self._dbt_ids

    # -- projects --------------------------------------------------------------------------
    def _model_dir_state(self, path: Path) -> _Project | None:
        """The project of a model file when ``path`` (absolute) is one, else None: computed
        once per directory (whether a file is under a model path depends on its folder only)."""
        directory = os.path.dirname(str(path))
        if directory not in self._model_dirs:
            state = self._state_for(path.parent)
            ok = state is not None and state.project.is_model_file(path)
            self._model_dirs[directory] = state if ok else None
        return self._model_dirs[directory]

    def _state_for(self, directory: Path) -> _Project | None:
        if directory not in self._roots:
            self._roots[directory] = dbt_project_root(directory.resolve())
        root = self._roots[directory]
        if root is None:
            return None
        state = self._projects.get(root)
        if state is None:
            try:
                project = load_project(root)
            except DbtReadError as exc:
                self._problem(exc)
                project = DbtProject(root=root)
            state = _Project(project=project)
            self._projects[root] = state
        return state

    def _problem(self, exc: DbtReadError) -> None:
        from meshgov.code.evaluator import input_finding  # noqa: PLC0415

        rel = display_path(exc.path, self.root)
        if rel in self._problems:
            return
        inp = InputFile(path=exc.path, rel=rel, type=_support_type(exc.path), kind="code")
        self._problems[rel] = input_finding(inp, exc.message, exc.line, exc.column, self.domain)

    def _index(self, state: _Project) -> dict[str, Path]:
        """Model name -> .sql, from one walk of the model paths (property files listed too)."""
        if state.models is None:
            models, prop_files = walk_model_paths(state.project)
            state.models = models
            state.prop_files = prop_files
            state.props = {}
        return state.models

    def _parse_mentioning(self, state: _Project, word: str) -> None:
        """Parse the project's property files whose text mentions ``word`` (a model or source
        name) and were not parsed yet: one model's context never costs every file's parse."""
        self._index(state)
        if len(state.parsed) == len(state.prop_files):
            return
        if len(self.model_inputs) > FEW_MODELS:  # many models: every file will be needed
            for f in state.prop_files:
                if f not in state.parsed:
                    self._register(state, f)
            return
        pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        for f in state.prop_files:
            if f in state.parsed:
                continue
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = word  # unreadable: let the parser report it
            if pattern.search(text):
                self._register(state, f)

    def _register(self, state: _Project, path: Path) -> PropertyFile | None:
        state.parsed.add(path)
        pf = self._props_file(path)
        if pf is not None and state.props is not None:
            for m in pf.models:
                state.props.setdefault(m.name, m)
            for s in pf.sources:
                state.sources.setdefault((s.source, s.name), s)
        return pf

    def _model_props(self, state: _Project, name: str) -> ModelProps | None:
        self._parse_mentioning(state, name)
        return (state.props or {}).get(name)

    def _props_file(self, path: Path) -> PropertyFile | None:
        path = path.absolute()
        if path not in self._props_files:
            try:
                self._props_files[path] = load_properties(path)
            except DbtReadError as exc:
                self._problem(exc)
                self._props_files[path] = None
        return self._props_files[path]

    def _manifest(self, state: _Project) -> Manifest | None:
        if not state.manifest_loaded:
            state.manifest_loaded = True
            path = state.project.manifest_path
            if path.is_file():
                from meshgov.code.dbt.manifest import load_manifest  # noqa: PLC0415

                try:
                    state.manifest = load_manifest(path)
                except DbtReadError as exc:
                    self._problem(exc)
        return state.manifest

    def _renderer(self, state: _Project) -> Renderer:
        if state.renderer is None:
            project = state.project
            renderer = Renderer(project, self._default_schema(state), self.catalog,
                                ref=lambda pkg, n: self._ref(state, pkg, n),
                                src=lambda s, t: self._source(state, s, t),
                                packages=_package_names(project.root),
                                limits=render_limits(self.ctx), run_vars=run_vars(self.ctx))
            macro_files: list[Path] = []
            for mp in project.macro_paths:
                d = project.root / mp
                if d.is_dir():
                    macro_files.extend(sorted(d.rglob("*.sql")))
            renderer.set_macro_files(macro_files)
            state.renderer = renderer
        return state.renderer

    def _default_schema(self, state: _Project) -> str:
        if state.default_schema is None:
            schema = state.project.folder_config(state.project.root / "x.sql").get("schema")
            state.default_schema = schema if isinstance(schema, str) and schema else FALLBACK_SCHEMA
        return state.default_schema

    def _folder_config(self, state: _Project, path: Path) -> dict[str, Any]:
        """dbt_project.yml configs of a model file (a shallow copy of a per-file cache; merges
        never mutate nested values)."""
        if path not in state.folder_configs:
            state.folder_configs[path] = state.project.folder_config(path)
        return dict(state.folder_configs[path])

    # -- names -----------------------------------------------------------------------------
    def _literal_config(self, state: _Project, path: Path, source: str | None = None) -> dict[str, str]:
        key = str(path)
        if key not in state.literal_config:
            if source is None:
                try:
                    source = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    source = ""
            found: dict[str, str] = {}
            for start, end in tags(source) if "config" in source else ():
                call = _CONFIG_CALL.fullmatch(source, start, end)
                if call is not None:
                    for k, v in _LITERAL_CFG.findall(call.group(1)):
                        found[k] = v
            state.literal_config[key] = found
        return state.literal_config[key]

    def _relation(self, state: _Project, name: str, path: Path | None, source: str | None = None) -> Relation:
        """What ``ref(name)`` (and the model's ``this``) renders to; ``source``: the model's
        text when the caller has read it already."""
        key = (name, path)
        found = state.relations.get(key)
        if found is None:
            found = state.relations[key] = self._new_relation(state, name, path, source)
        return found

    def _new_relation(self, state: _Project, name: str, path: Path | None, source: str | None) -> Relation:
        cfg: dict[str, Any] = {}
        if path is not None:
            cfg.update(self._folder_config(state, path))
            props = self._model_props(state, name)
            if props is not None:
                cfg.update({k: v for k, v in props.config.items() if k in ("schema", "alias", "database", "catalog")})
            cfg.update(self._literal_config(state, path, source))
        catalog = cfg.get("catalog") or cfg.get("database") or self.catalog
        schema = cfg.get("schema") or self._default_schema(state)
        return Relation(self._text(state, catalog, self.catalog),
                        self._text(state, schema, self._default_schema(state)),
                        self._text(state, cfg.get("alias") or name, name))

    def _ref(self, state: _Project, package: str | None, name: str) -> Relation:
        manifest = self._manifest(state)
        node = manifest.model_named(name) if manifest else None
        if node is not None and node.relation:
            db, schema, ident = node.relation.split(".")
            return Relation(db, schema, ident)
        path = self._index(state).get(name) if package in (None, state.project.name) else None
        return self._relation(state, name, path)

    def _source(self, state: _Project, source: str, table: str) -> Relation:
        self._parse_mentioning(state, source)
        st = state.sources.get((source, table))
        if st is not None:
            return Relation(self._text(state, st.database or self.catalog, self.catalog),
                            self._text(state, st.schema, source), self._text(state, st.identifier, table))
        manifest = self._manifest(state)
        if manifest and (source, table) in manifest.sources:
            db, schema, ident = manifest.sources[(source, table)].split(".", 2)
            return Relation(db, schema, ident)
        return Relation(self.catalog, source, table)

    def _text(self, state: _Project, value: Any, fallback: str) -> str:
        """A name from a property or project file, rendered when it holds Jinja
        (``database: "{{ env_var('CATALOG', 'hr_prod') }}"``); the fallback when it cannot be."""
        text = str(value)
        if "{{" not in text and "{%" not in text:
            return text
        rendered = self._renderer(state).render_text(text)
        return rendered.strip() if rendered is not None and rendered.strip() else fallback

    # -- property files given as inputs ----------------------------------------------------
    def _documents_for_properties(self, path: Path, state: _Project) -> list[CodeDocument | Finding]:
        index = self._index(state)
        path = path.absolute()
        pf = self._register(state, path) if path in state.prop_files else self._props_file(path)
        if pf is None:
            return []
        out: list[CodeDocument | Finding] = []
        for m in pf.models:
            model_path = index.get(m.name)
            if model_path is None or model_path in self.model_inputs or model_path in self._done:
                continue
            inp = InputFile(path=model_path, rel=display_path(model_path, self.root),
                            type="dbt_node", kind="code")
            doc = self.model_document(inp)
            if doc is not None:
                out.append(doc)
        return out

    # -- metadata --------------------------------------------------------------------------
    def _metadata(self, state: _Project, name: str, rel: str, path: Path, this: Relation,
                  node: ManifestModel | None, props: ModelProps | None,
                  rendered: Rendered | None, origin: str) -> dict[str, Any]:
        """``path``: the model file (``project.root / rel``)."""
        project = state.project
        config: dict[str, Any] = dict(node.config) if node else self._folder_config(state, path)
        if props is not None:
            for k, v in props.config.items():
                merge_config(config, k, v)
        if rendered is not None:
            for k, v in rendered.config.items():
                merge_config(config, k, v)
        description = None
        if props is not None and props.description is not None:
            description = props.description
        elif node is not None:
            description = node.description
        if props is not None and props.columns:
            columns = [
                {"name": c.name, "description": c.description, "meta": dict(c.meta),
                 "tags": list(c.tags), "data_type": c.data_type, "line": c.line}
                for c in props.columns
            ]
        elif node is not None:
            columns = [_manifest_column(k, v) for k, v in node.columns.items()]
        else:
            columns = []
        contract = config.get("contract")
        refs = [f"{p}.{n}" if p else n for p, n in rendered.refs] if rendered else list(node.refs if node else ())
        sources = [list(s) for s in rendered.sources] if rendered else [list(s) for s in (node.sources if node else ())]
        props_path = self._shown(props.path) if props is not None else None
        return {
            "name": name,
            "unique_id": node.unique_id if node else f"model.{project.name}.{name}",
            "package": project.name,
            "path": rel,
            "relation": str(this) if node is None or not node.relation else node.relation,
            "refs": _unique(refs),
            "sources": _unique_lists(sources),
            "depends_on": list(node.depends_on) if node else _unique(
                [f"model.{p or project.name}.{n}" for p, n in (rendered.refs if rendered else ())]
                + [f"source.{project.name}.{a}.{b}" for a, b in (rendered.sources if rendered else ())]),
            "config": config,
            "materialized": config.get("materialized", "view"),
            "compiled_from": origin,
            "placeholders": list(rendered.placeholders) if rendered else [],
            "properties": {
                "description": description,
                "meta": dict(config.get("meta") or {}) if isinstance(config.get("meta"), Mapping) else {},
                "tags": list(config.get("tags") or []),
                "access": str(config.get("access") or "protected"),
                "group": config.get("group"),
                "contract": dict(contract) if isinstance(contract, Mapping) else {},
                "columns": columns,
                "path": props_path,
                "line": props.line if props is not None else None,
            },
        }


_SUPPRESSION = re.compile(r"--\s*meshgov:ignore\b[ \t]*([A-Za-z0-9_,\-]*)")


def keep_suppressions(source: str, policy_ids: frozenset[str]) -> str:
    """The source with the inline suppressions that name none of ``policy_ids`` neutralized
    (same length, same lines): for a model checked by the dbt rules only."""
    if "meshgov:ignore" not in source:
        return source

    def neutral(m: re.Match[str]) -> str:
        ids = {i for i in m.group(1).split(",") if i}
        if ids and not ids & policy_ids:
            return m.group(0).replace("meshgov:ignore", "meshgov-other")
        return m.group(0)

    return _SUPPRESSION.sub(neutral, source)


def _manifest_column(name: str, col: Mapping[str, Any]) -> dict[str, Any]:
    meta = col.get("meta") if isinstance(col.get("meta"), Mapping) else {}
    cfg = col.get("config") if isinstance(col.get("config"), Mapping) else {}
    cmeta = cfg.get("meta") if isinstance(cfg, Mapping) and isinstance(cfg.get("meta"), Mapping) else {}
    tags = [str(t) for t in (col.get("tags") or []) if t is not None] if isinstance(col.get("tags"), list) else []
    return {"name": str(col.get("name") or name), "description": str(col.get("description") or ""),
            "meta": {**meta, **cmeta}, "tags": tags, "data_type": col.get("data_type"), "line": None}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_lists(items: Iterable[list[str]]) -> list[list[str]]:
    seen: dict[tuple[str, ...], list[str]] = {}
    for i in items:
        seen.setdefault(tuple(i), i)
    return list(seen.values())


def _support_type(path: Path) -> str:
    if path.name == "dbt_project.yml":
        return "dbt_project"
    if path.name == "manifest.json":
        return "dbt_manifest"
    return "dbt_schema"


def _sha256(text: str) -> str:
    import hashlib  # noqa: PLC0415 - only with a manifest

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _norm(line: str) -> str:
    return " ".join(line.replace("`", "").split()).lower()


def align_lines(compiled: str, rendered: Rendered | None, source: str) -> tuple[int, ...]:
    """Source line of each line of dbt's compiled code, by aligning it with our rendering
    (or, when our rendering failed, with the raw source); unmatched lines take the line of the
    previous matched one."""
    if rendered is not None:
        ref_lines, ref_map = rendered.text.split("\n"), rendered.lines
    else:
        ref_lines = source.split("\n")
        ref_map = tuple(range(1, len(ref_lines) + 1))
    comp = compiled.split("\n")
    import difflib  # noqa: PLC0415 - only with a manifest's compiled code

    matcher = difflib.SequenceMatcher(None, [_norm(x) for x in comp], [_norm(x) for x in ref_lines],
                                      autojunk=False)
    mapped: list[int | None] = [None] * len(comp)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            j = block.b + k
            mapped[block.a + k] = ref_map[j] if j < len(ref_map) else None
    out: list[int] = []
    last = 1
    for m in mapped:
        last = m if m is not None else last
        out.append(last)
    return tuple(out)


def _package_names(root: Path) -> list[str]:
    """Namespaces of the packages in packages.yml / dependencies.yml (never installed)."""
    names: list[str] = []
    for fname in ("packages.yml", "dependencies.yml"):
        f = root / fname
        if not f.is_file():
            continue
        try:
            raw = loads(f.read_text(encoding="utf-8"), str(f))
        except (YamlError, OSError, UnicodeDecodeError):
            continue
        if not isinstance(raw, Mapping):
            continue
        for key in ("packages", "projects"):
            for item in raw.get(key) or []:
                if not isinstance(item, Mapping):
                    continue
                ref = item.get("package") or item.get("git") or item.get("local") or item.get("name")
                if isinstance(ref, str) and ref:
                    base = ref.rstrip("/").split("/")[-1]
                    base = base[:-4] if base.endswith(".git") else base
                    names.append(base.replace("-", "_"))
    return names


def run_vars(ctx: EvalContext) -> dict[str, Any]:
    """``code.dbt.vars``: the vars dbt would be given with ``--vars`` (a mapping)."""
    value = ctx.param("code.dbt.vars")
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def render_limits(ctx: EvalContext) -> RenderLimits:
    """The Jinja budget of the run's parameters (``code.dbt.max_rendered_bytes``, ``code.dbt.
    render_timeout_seconds``), the defaults where a pack does not declare them."""
    size = ctx.param("code.dbt.max_rendered_bytes")
    seconds = ctx.param("code.dbt.render_timeout_seconds")
    default = RenderLimits()
    return RenderLimits(
        max_output=int(size) if isinstance(size, (int, float)) and size > 0 else default.max_output,
        timeout=float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else default.timeout)
