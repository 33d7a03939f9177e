"""A bundle's ``include:``d files, read and merged into its root configuration like the CLI does.

What the Databricks CLI does (``bundle/config/loader``), and meshgov with it:

- ``include`` is a list of glob patterns relative to the directory of ``databricks.yml``
  (syntax: :mod:`meshgov.infra.normalize.globs`, Go's ``filepath.Glob``; ``**`` is not
  recursive). Patterns are expanded in order; the matches of one pattern are sorted; a file
  matched again (by a later pattern, or ``databricks.yml``/``databricks.yaml``/``bundle.yml``/
  ``bundle.yaml`` at the bundle root) is read once, the first time.
- An absolute pattern is an error ("includes must be relative paths"). A pattern without
  ``*``, ``?`` or ``[`` that matches nothing is an error; a wildcard pattern that matches
  nothing is not (the CLI deploys such a bundle, e.g. ``targets/*.yml`` with no targets dir).
- A match that is not ``*.yml``, ``*.yaml`` or ``*.json`` is an error.
- Each file is one YAML document whose mapping is merged into the root configuration in that
  order: mappings merge key by key, sequences are concatenated, any other value of the included
  file replaces the root's, ``null`` changes nothing; a mapping or sequence meeting a value of
  another kind is an error. So ``resources``, ``targets`` (and their overrides), ``run_as``,
  ``bundle`` ... of included files all count; targets are applied afterwards, on the merged
  configuration.
- An ``include`` inside an included file is ignored (the CLI warns "Include section is
  defined outside root file" and applies only the root file's).
- A resource key defined in two files (in any resource group: ``jobs.x`` in one file and
  ``schemas.x`` in another too) is an error naming both files, as the CLI's
  ``validate:unique_resource_keys`` does; overrides under ``targets`` are not definitions and
  may repeat.

A pattern may go up from the bundle's directory (``../common/vars/*.yml``: a monorepo's shared
configuration, as in databricks/bundle-examples), within the checked tree. Where meshgov is
stricter than the CLI: a pattern that points above the directory the inputs are shown from (the
domain root, after cleaning; or a symbolic link resolving outside it) is an error instead of
being read, so a hook never reads files outside the repository it checks. An empty included
file is an empty configuration; an included file whose document is not a mapping, malformed
YAML or undecodable bytes are errors located in that file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads
from meshgov.infra.classify import ROOT_FILE_NAMES
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.globs import GLOB_CHARS, BadPattern, clean, compile_pattern, glob
from meshgov.infra.positions import FileLines, yaml_lines

#: what an included file may be (the CLI's check, case-sensitive like Go's filepath.Ext)
INCLUDE_SUFFIXES = (".yml", ".yaml", ".json")

Lines = Mapping[tuple[Any, ...], int]


def include_patterns(data: Mapping[str, Any], path: str, lines: Lines) -> list[str]:
    """The root configuration's ``include`` list (empty when absent)."""
    raw = data.get("include")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise NormalizeError("bundle: include must be a list of glob patterns (strings)",
                             lines.get(("include",)), path=path)
    return raw


def expand(patterns: list[str], directory: Path, path: str, lines: Lines, ups: int = 0) -> list[str]:
    """The included files, relative to ``directory`` (posix), in the CLI's order, each once.

    ``ups``: how many directories above ``directory`` a pattern may reach (the depth of the
    bundle below the domain root)."""
    seen = set(ROOT_FILE_NAMES)
    out: list[str] = []
    root = directory.joinpath(*[".."] * ups).resolve()
    for i, entry in enumerate(patterns):
        line = lines.get(("include", i))
        if entry.startswith("/"):
            raise NormalizeError(f"bundle: include {entry!r}: includes must be relative paths",
                                 line, path=path)
        segments = clean(entry)
        if not segments:
            raise NormalizeError(f"bundle: include {entry!r} does not name a file", line, path=path)
        up = 0
        while up < len(segments) and segments[up] == "..":
            up += 1
        if up > ups or up == len(segments):
            raise NormalizeError(f"bundle: include {entry!r} points outside the checked tree"
                                 if up else f"bundle: include {entry!r} does not name a file",
                                 line, path=path)
        try:
            compiled = compile_pattern(segments[up:])
        except BadPattern:
            raise NormalizeError(f"bundle: include {entry!r} is not a valid glob pattern",
                                 line, path=path) from None
        found = ["../" * up + r for r in glob(directory.joinpath(*[".."] * up), compiled)]
        if not found and not any(c in GLOB_CHARS for c in entry):
            raise NormalizeError(f"bundle: include {entry!r} does not match any file", line, path=path)
        new: list[str] = []
        for rel in found:
            if rel in seen:
                continue
            seen.add(rel)
            if not rel.endswith(INCLUDE_SUFFIXES):
                raise NormalizeError(f"bundle: include {entry!r} matches {rel}, which is not a "
                                     "YAML or JSON file", line, path=path)
            if not (directory / rel).resolve().is_relative_to(root):
                raise NormalizeError(f"bundle: include {entry!r} matches {rel}, which resolves "
                                     "outside the checked tree", line, path=path)
            new.append(rel)
        out.extend(sorted(new))
    return out


def _read(file: Path, shown: str) -> tuple[Mapping[str, Any], Lines]:
    try:
        text = read_text(file)
    except UnreadableText as exc:
        raise NormalizeError(f"included file {shown}: {exc.message}", exc.line, exc.column,
                             path=shown) from None
    try:
        data = loads(text, shown)
    except YamlError as exc:
        raise NormalizeError(f"invalid YAML in included file {shown}: {exc.message}", exc.line,
                             exc.column, path=shown) from None
    if data is None:
        return {}, {}
    if not isinstance(data, Mapping):
        raise NormalizeError(f"included file {shown} is not a bundle configuration: expected a "
                             f"mapping, found {_kind(data)}", 1, path=shown)
    return data, yaml_lines(text)


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "sequence"
    return "string" if isinstance(value, str) else type(value).__name__


def merge_config(base: Any, other: Any, at: tuple[Any, ...], shown: str, lines: Lines) -> Any:
    """The CLI's merge of an included file into the configuration (``libs/dyn/merge``)."""
    if base is None:
        return other
    if other is None:
        return base
    structured = isinstance(base, (Mapping, list)) or isinstance(other, (Mapping, list))
    if structured and _kind(base) != _kind(other):
        raise NormalizeError(
            f"bundle: included file {shown} sets {'.'.join(map(str, at))} to a {_kind(other)} "
            f"where the configuration has a {_kind(base)}", lines.get(at), path=shown)
    if isinstance(base, Mapping):
        out = dict(base)
        for k, v in other.items():
            out[k] = merge_config(out[k], v, (*at, k), shown, lines) if k in out else v
        return out
    if isinstance(base, list):
        return [*base, *other]
    return other


def _definitions(data: Mapping[str, Any], shown: str, lines: Lines) -> list[tuple[str, str, int | None]]:
    """(key, "resources.group.key", line) of every resource the file defines."""
    resources = data.get("resources")
    if resources is None:
        return []
    if not isinstance(resources, Mapping):
        raise NormalizeError("bundle: resources must be a mapping", lines.get(("resources",)), path=shown)
    out = []
    for group, items in resources.items():
        if items is None:
            continue
        if not isinstance(items, Mapping):
            raise NormalizeError(f"bundle: resources.{group} must be a mapping",
                                 lines.get(("resources", group)), path=shown)
        out.extend((str(k), f"resources.{group}.{k}", lines.get(("resources", group, k))) for k in items)
    return out


def with_includes(data: Mapping[str, Any], path: str, lines: Lines,
                  directory: Path | None) -> tuple[Mapping[str, Any], FileLines]:
    """The root configuration with its included files merged in, and where each path is defined.

    ``path`` is the bundle's display path: an included file is shown as ``path``'s directory
    joined with its path relative to the bundle (``infra/databricks.yml`` ->
    ``infra/resources/jobs.yml``), the way inputs are shown.
    """
    patterns = include_patterns(data, path, lines)
    if not patterns:
        return data, FileLines(((path, lines),))
    if directory is None:
        raise NormalizeError("bundle: include cannot be followed without the bundle's directory",
                             lines.get(("include",)), path=path)
    defined: dict[str, tuple[str, str, int | None]] = {}
    for key, where, line in _definitions(data, path, lines):
        defined.setdefault(key, (path, where, line))
    merged: Mapping[str, Any] = data
    layers: list[tuple[str, Lines]] = [(path, lines)]
    base = posixpath.dirname(path)
    ups = 0 if base.startswith("..") or posixpath.isabs(base) else len([p for p in base.split("/") if p])
    for rel in expand(patterns, directory, path, lines, ups):
        shown = posixpath.normpath(posixpath.join(base, rel)) if base else rel
        inc, inc_lines = _read(directory / rel, shown)
        for key, where, line in _definitions(inc, shown, inc_lines):
            first = defined.get(key)
            if first is not None and first[0] != shown:
                raise NormalizeError(
                    f"bundle: resource key {key!r} is defined in two files: {first[1]} in "
                    f"{first[0]}{_at(first[2])} and {where} in {shown}{_at(line)} (the Databricks "
                    "CLI rejects it)", line, path=shown)
            defined.setdefault(key, (shown, where, line))
        body = {k: v for k, v in inc.items() if k != "include"}
        merged = merge_config(merged, body, (), shown, inc_lines)
        layers.append((shown, inc_lines))
    return merged, FileLines(tuple(layers))


def _at(line: int | None) -> str:
    return f":{line}" if line else ""
