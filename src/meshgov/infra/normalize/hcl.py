"""Terraform as written (``*.tf``, ``*.tfvars``, local modules) -> the resources a plan would give.

A pre-commit hook or a gate has no plan (no credentials, no state), so a module directory is
read with python-hcl2 and evaluated as far as it can be known without a provider:

- ``variable`` defaults, then ``terraform.tfvars``, then ``*.auto.tfvars`` in lexical order
  (Terraform's precedence; a later file wins), for the root module; a local module's
  variables come from its ``module`` block's arguments, then its defaults;
- ``locals`` (in any order, a local may use another), ``${...}`` interpolation in strings;
- ``count`` and ``for_each`` over known values (addresses ``x.y[0]``, ``x.y["k"]``; ``count.index``,
  ``each.key``, ``each.value``);
- local modules (``source = "./..."``), addresses ``module.<name>.<type>.<name>``.

``jsonencode(...)`` of a value known so (the usual way to write a cluster policy definition) is
evaluated to its JSON text. Anything else (data sources, other resources' attributes, other
function calls, operators,
conditionals, remote modules, ``dynamic`` blocks) is **unknown**: the attribute is left out of
the resource and listed in its ``unknown`` paths, exactly like ``after_unknown`` in a plan, so
a rule does not fail on it. The resource documents are built by the plan normalizer's own
:func:`~meshgov.infra.normalize.terraform.resources_of`: every Rego policy applies unchanged.

Positions: a resource points at its block in its ``.tf`` file; a finding naming an attribute
points at that attribute's line, or at the ``.tfvars`` line its value came from.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from meshgov.core.discovery import InputFile
from meshgov.core.textio import UnreadableText, read_text
from meshgov.infra.classify import module_dir_of
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.terraform import TF_TYPES, resources_of
from meshgov.infra.normalize.defaults import with_defaults
from meshgov.infra.resource import Resource, SourceRef

#: meta-arguments and blocks of a resource that are not its attributes
META_ARGS = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner",
                       "connection", "dynamic"})
_META_KEYS = ("__start_line__", "__end_line__")
#: how deep local modules may nest (a module calling itself stops here)
MAX_MODULE_DEPTH = 8
#: module instances evaluated from one root module at most (count/for_each over modules multiply)
MAX_MODULE_INSTANCES = 1000
#: a larger ``count`` is evaluated as one instance of unknown index (as a count not known)
MAX_COUNT = 10_000
_REF = re.compile(r"^(var|local|count|each)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[\d+\]|\[\"[^\"]*\"\])*)$")
_ACCESS = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]")
_INTERP = re.compile(r"\$\{([^{}]*)\}")
_JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.DOTALL)


class _Unknown:
    """A value only known after apply (or to a provider)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class ModuleFile:
    path: Path
    shown: str  # display path, as the report shows it
    data: Mapping[str, Any]
    text: str


@dataclass
class Scope:
    """What expressions of one module (instance) can see."""

    variables: dict[str, Any]
    #: variable name -> (display path, line) of the .tfvars assignment that set it
    var_origin: dict[str, tuple[str, int]]
    locals_raw: dict[str, Any]
    locals_done: dict[str, Any] = field(default_factory=dict)
    count_index: Any = None
    each: tuple[Any, Any] | None = None
    _resolving: set[str] = field(default_factory=set)

    def local(self, name: str) -> Any:
        if name in self.locals_done:
            return self.locals_done[name]
        if name not in self.locals_raw or name in self._resolving:
            return UNKNOWN
        self._resolving.add(name)
        value = evaluate(self.locals_raw[name], self)
        self._resolving.discard(name)
        self.locals_done[name] = value
        return value


def _EMPTY() -> Scope:  # noqa: N802 - a scope that knows nothing (variable defaults, tfvars)
    return Scope({}, {}, {})


def _access(value: Any, path: str) -> Any:
    for m in _ACCESS.finditer(path):
        key: Any = m.group(1) if m.group(1) is not None else (
            int(m.group(2)) if m.group(2) is not None else m.group(3))
        if isinstance(value, Mapping) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return UNKNOWN
    return value


def _reference(expr: str, scope: Scope) -> Any:
    m = _REF.match(expr.strip())
    if m is None:
        return _literal(expr.strip())
    root, name, rest = m.groups()
    if root == "var":
        value = scope.variables.get(name, UNKNOWN)
    elif root == "local":
        value = scope.local(name)
    elif root == "count":
        value = scope.count_index if name == "index" and scope.count_index is not None else UNKNOWN
    else:  # each
        if scope.each is None or name not in ("key", "value"):
            return UNKNOWN
        value = scope.each[0] if name == "key" else scope.each[1]
    return UNKNOWN if value is UNKNOWN else _access(value, rest)


def _literal(expr: str) -> Any:
    """A literal written inside ``${...}`` (python-hcl2 wraps every expression so)."""
    if re.fullmatch(r"-?\d+", expr):
        return int(expr)
    if re.fullmatch(r"-?\d+\.\d+", expr):
        return float(expr)
    if expr in ("true", "false"):
        return expr == "true"
    if expr == "null":
        return None
    if len(expr) >= 2 and expr[0] == expr[-1] == '"' and '"' not in expr[1:-1] and "${" not in expr:
        return expr[1:-1]
    return UNKNOWN


def _jsonencode(argument: str, scope: Scope) -> Any:
    """``jsonencode(<argument>)``: python-hcl2 gives the argument back as HCL text; parse it
    again as an attribute value, evaluate it, and encode it if every part is known."""
    import hcl2  # noqa: PLC0415 - only when Terraform sources are checked

    try:
        parsed = hcl2.load(io.StringIO(f"v = {argument}\n")).get("v", UNKNOWN)
    except Exception:  # noqa: BLE001 - any parse failure: the value is not known
        return UNKNOWN
    value = evaluate(parsed, scope)
    unknown: list[str] = []
    _known(value, "", unknown)
    if unknown:
        return UNKNOWN
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def evaluate(value: Any, scope: Scope) -> Any:
    """The value of an expression as python-hcl2 gives it; UNKNOWN where it cannot be known."""
    if isinstance(value, str):
        call = _JSONENCODE.match(value)
        if call is not None:
            return _jsonencode(call.group(1), scope)
        whole = _INTERP.fullmatch(value)
        if whole is not None:
            return _reference(whole.group(1), scope)
        if "${" not in value:
            return value
        out = []
        pos = 0
        for m in _INTERP.finditer(value):
            out.append(value[pos:m.start()])
            part = _reference(m.group(1), scope)
            if part is UNKNOWN or isinstance(part, (Mapping, list)):
                return UNKNOWN
            out.append("true" if part is True else "false" if part is False else str(part))
            pos = m.end()
        out.append(value[pos:])
        text = "".join(out)
        return UNKNOWN if "${" in text or "%{" in text else text
    if isinstance(value, Mapping):
        return {str(k): evaluate(v, scope) for k, v in value.items() if k not in _META_KEYS}
    if isinstance(value, list):
        return [evaluate(v, scope) for v in value]
    return value


def _known(value: Any, prefix: str, unknown: list[str]) -> Any:
    """``value`` without its UNKNOWN parts, whose paths go to ``unknown`` (after_unknown style)."""
    if value is UNKNOWN:
        unknown.append(prefix)
        return UNKNOWN
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            kept = _known(v, f"{prefix}.{k}" if prefix else str(k), unknown)
            if kept is not UNKNOWN:
                out[k] = kept
        return out
    if isinstance(value, list):
        items = [_known(v, f"{prefix}.{i}" if prefix else str(i), unknown) for i, v in enumerate(value)]
        return [v for v in items if v is not UNKNOWN]
    return value


# -- reading a module directory ----------------------------------------------------------------


def _parse(path: Path, shown: str) -> ModuleFile:
    try:
        text = read_text(path)
    except UnreadableText as exc:
        raise NormalizeError(exc.message, exc.line, exc.column, path=shown) from None
    try:
        # an unchanged sibling of the changed file comes from the cache (python-hcl2's lark
        # parser is most of the HCL path's time)
        data = _load_cached(text, path if path.suffix == ".tf" else None)
    except Exception as exc:  # noqa: BLE001 - lark raises many error types for bad HCL
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NormalizeError(f"invalid HCL: {first}", line if isinstance(line, int) and line > 0 else None,
                             column if isinstance(column, int) and column > 0 else None,
                             path=shown) from None
    return ModuleFile(path, shown, data if isinstance(data, Mapping) else {}, text)


def _load_cached(text: str, tf: Path | None) -> Any:
    """python-hcl2's parse of the file: an unchanged file from the cache; a changed ``.tf``
    file (``tf``) block by block, its unchanged blocks from the cache."""
    from meshgov.core.parsecache import cached, parser_identity  # noqa: PLC0415

    identity = parser_identity("hcl2")
    return cached("hcl2", identity, text,  # an unchanged file: one entry
                  lambda: (_by_blocks(text, tf, identity) if tf else None) or _hcl2_load(text))


def _by_blocks(text: str, path: Path, identity: str) -> Any:
    """A changed ``.tf`` file's parse from its top-level blocks (meshgov.infra.normalize.
    hclblocks): the blocks the file's last parse had come from it (one entry per file: block
    text hash -> parse), the others are parsed; None when the file does not split, or a block
    alone does not parse (the whole file decides then)."""
    import hashlib  # noqa: PLC0415

    from meshgov.core import parsecache  # noqa: PLC0415
    from meshgov.infra.normalize import hclblocks  # noqa: PLC0415

    chunks = hclblocks.split_blocks(text)
    if not chunks:
        return None
    key = str(path.resolve())
    known = parsecache.load("hcl2-blocks", identity, key)
    known = known if isinstance(known, dict) else {}
    parts, now = [], {}
    try:
        for first, chunk in chunks:
            digest = hashlib.sha256(chunk.encode("utf-8", "surrogatepass")).hexdigest()
            data = known[digest] if digest in known else _hcl2_load(chunk)
            now[digest] = data
            parts.append((first, data))
    except Exception:  # noqa: BLE001 - a block alone does not parse: the file decides
        return None
    merged = hclblocks.merge(parts)
    if merged is not None:
        parsecache.store("hcl2-blocks", identity, key, now)
    return merged


def _hcl2_load(text: str) -> Any:
    import hcl2  # noqa: PLC0415 - only when Terraform sources are checked

    return hcl2.load(io.StringIO(text), with_meta=True)


def module_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """(the ``.tf`` files, the auto-loaded ``.tfvars`` files in precedence order) of a directory."""
    tf = sorted(p for p in directory.glob("*.tf") if p.is_file())
    tfvars = [directory / "terraform.tfvars"] if (directory / "terraform.tfvars").is_file() else []
    tfvars += sorted(p for p in directory.glob("*.auto.tfvars") if p.is_file())
    return tf, tfvars


def _blocks(data: Mapping[str, Any], kind: str) -> Iterator[Mapping[str, Any]]:
    for item in data.get(kind) or []:
        if isinstance(item, Mapping):
            yield item


def _assignment_lines(text: str) -> dict[str, int]:
    """Top-level ``name = ...`` lines of a .tfvars file."""
    out: dict[str, int] = {}
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        if depth == 0:
            m = re.match(r"\s*([A-Za-z_][\w-]*)\s*=", line)
            if m:
                out.setdefault(m.group(1), n)
        depth += line.count("{") + line.count("[") - line.count("}") - line.count("]")
        depth = max(depth, 0)
    return out


def attribute_lines(text: str, start: int, end: int) -> dict[str, int]:
    """Lines of the direct attributes and nested blocks of the block on lines start..end."""
    lines = text.splitlines()
    out: dict[str, int] = {}
    depth = 0
    for n in range(start, min(end, len(lines)) + 1):
        line = lines[n - 1]
        if depth == 1:
            m = re.match(r"\s*([A-Za-z_][\w-]*)\s*(=|\{)", line)
            if m:
                out.setdefault(m.group(1), n)
        depth += line.count("{") - line.count("}")
    return out


def _instances(block: Mapping[str, Any], scope: Scope) -> list[tuple[str, Any, tuple[Any, Any] | None]]:
    """(address suffix, count.index, each) of each instance of a resource or module block."""
    if "count" in block:
        n = evaluate(block["count"], scope)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > MAX_COUNT:
            return [("", UNKNOWN, None)]  # one instance whose index is unknown
        return [(f"[{i}]", i, None) for i in range(n)]
    if "for_each" in block:
        each = evaluate(block["for_each"], scope)
        if isinstance(each, Mapping):
            return [(f'["{k}"]', None, (k, v)) for k, v in each.items()]
        if isinstance(each, list) and all(isinstance(v, str) for v in each):
            return [(f'["{v}"]', None, (v, v)) for v in dict.fromkeys(each)]
        return [("", None, (UNKNOWN, UNKNOWN))]
    return [("", None, None)]


@dataclass
class ModuleResult:
    resources: list[Resource] = field(default_factory=list)
    #: for each resource, the display path of the root module directory it was evaluated from
    roots: list[str] = field(default_factory=list)
    errors: list[NormalizeError] = field(default_factory=list)
    unknown: int = 0
    notes: list[str] = field(default_factory=list)
    #: local module instances evaluated so far (bounded by MAX_MODULE_INSTANCES)
    module_instances: int = 0


def var_files(directory: Path) -> list[Path]:
    """The module's ``-var-file`` candidates: ``*.tfvars`` Terraform does not load itself, beside
    the ``.tf`` files or in a sub-directory without any (``envs/prod.tfvars``)."""
    auto = set(module_files(directory)[1])
    out = [p for p in sorted(directory.glob("*.tfvars")) if p.is_file() and p not in auto]
    for sub in sorted(d for d in directory.iterdir() if d.is_dir() and not d.name.startswith(".")):
        if not any(sub.glob("*.tf")):
            out += [p for p in sorted(sub.glob("*.tfvars"))
                    if p.is_file() and not p.name.endswith(".auto.tfvars")
                    and p.name != "terraform.tfvars"]
    return out


def load_module(directory: Path, shown: str, *, inputs: Mapping[str, Any] | None = None,
                prefix: str = "", depth: int = 0, result: ModuleResult | None = None,
                chain: tuple[Path, ...] = (), var_file: Path | None = None) -> ModuleResult:
    """Evaluate the module in ``directory`` (``shown``: its display path) into resources.

    ``inputs``: a local module's arguments (None for a root module, which reads its tfvars).
    Syntax errors are collected per file (MG-INPUT); the other files are still evaluated.
    """
    result = result if result is not None else ModuleResult()
    tf_paths, tfvars_paths = module_files(directory)
    files: list[ModuleFile] = []
    for p in tf_paths:
        try:
            files.append(_parse(p, _join(shown, p.name)))
        except NormalizeError as err:
            result.errors.append(err)
    variables: dict[str, Any] = {}
    origin: dict[str, tuple[str, int]] = {}
    for f in files:
        for block in _blocks(f.data, "variable"):
            for name, body in block.items():
                if name in _META_KEYS or not isinstance(body, Mapping):
                    continue
                variables[name] = evaluate(body.get("default", UNKNOWN), _EMPTY())
    if inputs is None:
        for p in [*tfvars_paths, *([var_file] if var_file is not None else [])]:
            try:
                vf = _parse(p, _join(shown, p.relative_to(directory).as_posix()))
            except NormalizeError as err:
                result.errors.append(err)
                continue
            lines = _assignment_lines(vf.text)
            for name, value in vf.data.items():
                if name in _META_KEYS:
                    continue
                variables[name] = evaluate(value, _EMPTY())
                if name in lines:
                    origin[name] = (vf.shown, lines[name])
    else:
        variables.update(inputs)
    scope = Scope(variables, origin, {})
    for f in files:
        for block in _blocks(f.data, "locals"):
            scope.locals_raw.update({k: v for k, v in block.items() if k not in _META_KEYS})
    chain = (*chain, directory.resolve())
    for f in files:
        _resources_of_file(f, scope, prefix, result)
        _modules_of_file(f, scope, directory, shown, prefix, depth, result, chain)
    return result


def _join(shown: str, name: str) -> str:
    """The display path of ``name`` under ``shown``: ``examples/a`` + ``../../modules/m`` is
    ``modules/m``, as the file is shown when checked on its own."""
    return posixpath.normpath(f"{shown.rstrip('/')}/{name}" if shown not in ("", ".") else name)


def _resources_of_file(f: ModuleFile, scope: Scope, prefix: str, result: ModuleResult) -> None:
    for block in _blocks(f.data, "resource"):
        for tf_type, named in block.items():
            if tf_type not in TF_TYPES or not isinstance(named, Mapping):
                continue
            for name, body in named.items():
                if not isinstance(body, Mapping):
                    continue
                start, end = body.get("__start_line__"), body.get("__end_line__")
                lines = attribute_lines(f.text, start, end) if isinstance(start, int) and isinstance(end, int) else {}
                for suffix, index, each in _instances(body, scope):
                    inst = Scope(scope.variables, scope.var_origin, scope.locals_raw, scope.locals_done,
                                 index, each)
                    unknown: list[str] = []
                    after = {}
                    for key, raw in body.items():
                        if key in META_ARGS or key in _META_KEYS:
                            if key == "dynamic":
                                unknown.extend(_dynamic_paths(raw))
                            continue
                        kept = _known(evaluate(raw, inst), key, unknown)
                        if kept is not UNKNOWN:
                            after[key] = kept
                    address = f"{prefix}{tf_type}.{name}{suffix}"
                    where = {k: (f.shown, line, "") for k, line in lines.items()}
                    for key in body:
                        ref = _var_of(body[key])
                        if ref is not None and ref in scope.var_origin:
                            own = f"{f.shown}:{lines[key]}" if key in lines else f.shown
                            where[key] = (*scope.var_origin[ref], own)
                    result.unknown += len(unknown)
                    after = with_defaults(tf_type, after, blocks_as_lists=True,
                                          unknown=frozenset(unknown))
                    result.resources.extend(resources_of(
                        tf_type, address, after, tuple(sorted(unknown)),
                        source=SourceRef("terraform_hcl", f.shown, start if isinstance(start, int) else None),
                        context={"terraform_type": tf_type, "actions": ["create"], "hcl": True},
                        field_locations=where))


def _dynamic_paths(raw: Any) -> list[str]:
    names = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, Mapping):
            names.extend(k for k in item if k not in _META_KEYS)
    return names


def _var_of(raw: Any) -> str | None:
    """The variable an attribute is exactly (``var.x``), for the .tfvars position."""
    if isinstance(raw, str):
        m = re.fullmatch(r"\$\{var\.([A-Za-z_][\w-]*)\}", raw)
        if m:
            return m.group(1)
    return None


def _modules_of_file(f: ModuleFile, scope: Scope, directory: Path, shown: str, prefix: str,
                     depth: int, result: ModuleResult, chain: tuple[Path, ...]) -> None:
    for block in _blocks(f.data, "module"):
        for name, body in block.items():
            if name in _META_KEYS or not isinstance(body, Mapping):
                continue
            source = evaluate(body.get("source"), scope)
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                result.notes.append(f"{f.shown}: module {name!r} (source {body.get('source')!r}) is not "
                                    "a local module: its resources are not evaluated")
                continue
            child = (directory / source).resolve()
            if child in chain:  # Terraform refuses a module cycle; expanding it never ends
                result.notes.append(f"{f.shown}: module {name!r}: {source} calls a module that calls "
                                    "it (a cycle): not evaluated")
                continue
            if result.module_instances >= MAX_MODULE_INSTANCES:
                result.notes.append(f"{f.shown}: module {name!r}: more than {MAX_MODULE_INSTANCES} "
                                    "module instances: the rest are not evaluated")
                continue
            if not child.is_dir() or depth >= MAX_MODULE_DEPTH:
                result.notes.append(f"{f.shown}: module {name!r}: {source} is not a directory here"
                                    if not child.is_dir() else
                                    f"{f.shown}: module {name!r}: modules nest deeper than {MAX_MODULE_DEPTH}")
                continue
            for suffix, index, each in _instances(body, scope):
                inst = Scope(scope.variables, scope.var_origin, scope.locals_raw, scope.locals_done,
                             index, each)
                args = {k: evaluate(v, inst) for k, v in body.items()
                        if k not in META_ARGS and k not in _META_KEYS and k not in ("source", "version")}
                result.module_instances += 1
                load_module(child, _join(shown, source.removeprefix("./")), inputs=args,
                            prefix=f"{prefix}module.{name}{suffix}.", depth=depth + 1, result=result,
                            chain=chain)


def called_modules(directory: Path) -> set[Path]:
    """Local module directories the ``.tf`` files of ``directory`` call (cheap: a regex scan)."""
    out: set[Path] = set()
    for p in sorted(directory.glob("*.tf")):
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in re.finditer(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', text, re.MULTILINE):
            out.add((directory / m.group(1)).resolve())
    return out


def module_dirs(paths: Sequence[Path]) -> list[Path]:
    """The module directories to evaluate for these ``.tf``/``.tfvars`` files: each file's
    directory, once, without the ones another of them calls as a local module (those are
    evaluated through their caller, with its arguments)."""
    dirs = list(dict.fromkeys(_module_dir_of(p.resolve()) for p in paths))
    called = set().union(*(called_modules(d) for d in dirs)) if dirs else set()
    return [d for d in dirs if d not in called]


def _module_dir_of(path: Path) -> Path:
    """A file's module directory (classify.module_dir_of), else its own directory."""
    return module_dir_of(path) or path.parent


def load_sources(inputs: Sequence[InputFile]
                 ) -> tuple[ModuleResult, list[tuple[InputFile, NormalizeError]]]:
    """Evaluate the module directories of these ``.tf``/``.tfvars`` inputs (see module_dirs);
    the errors come back with the input of their module directory."""
    by_dir: dict[Path, InputFile] = {}
    for inp in inputs:
        by_dir.setdefault(_module_dir_of(inp.path.resolve()), inp)
    result = ModuleResult()
    errors: list[tuple[InputFile, NormalizeError]] = []
    for directory in module_dirs([i.path for i in inputs]):
        first = by_dir[directory]
        rel = PurePosixPath(first.rel).parent
        if directory != first.path.resolve().parent:  # a var file in envs/: the module above
            rel = rel.parent
        shown = str(rel)
        part = load_module(directory, shown)
        _add(result, part, shown)
        errors.extend((first, err) for err in part.errors)
        base = {r.address: r.to_input() for r in part.resources}
        for vf in var_files(directory):
            # one more plan per -var-file: the resources it changes (the others are the base's)
            named = _join(shown, vf.relative_to(directory).as_posix())
            env = load_module(directory, shown, var_file=vf)
            errors.extend((first, err) for err in env.errors if err.path == named)
            changed = [replace(r, context={**r.context, "var_file": named})
                       for r in env.resources if base.get(r.address) != r.to_input()]
            env.resources[:] = changed
            env.notes[:] = [f"Terraform sources: {named} evaluated as a -var-file of {shown}: "
                            f"{len(changed)} resource(s) differ from the defaults"]
            env.unknown = 0
            _add(result, env, shown)
    return result, errors


def _add(result: ModuleResult, part: ModuleResult, shown: str) -> None:
    result.resources.extend(part.resources)
    result.roots.extend([shown] * len(part.resources))
    result.unknown += part.unknown
    result.notes.extend(part.notes)
