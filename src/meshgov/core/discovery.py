"""Find the inputs under the given paths and classify each one.

Each policy kind brings a classifier (``classify(path) -> type | None``) listed in
:data:`CLASSIFIERS` (its module may define ``reset()``, called at the start of every discovery to
drop what it cached about the file system); the first that recognises a file wins. Classifiers must stay cheap
(no heavy imports): discovery is on the pre-commit path.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from meshgov.core.model import Kind

#: (kind, "module:function") in priority order
CLASSIFIERS: tuple[tuple[Kind, str], ...] = (
    ("code", "meshgov.code.classify:classify"),
    ("infra", "meshgov.infra.classify:classify"),
)

#: directory names never walked into
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "dbt_packages",
     ".terraform", ".tox", ".mypy_cache", ".pytest_cache", ".hypothesis", "logs"}
)


@dataclass(frozen=True)
class InputFile:
    path: Path  # absolute
    rel: str  # posix path shown in reports (relative to the domain root when inside it)
    type: str  # sql, dbt_model, dbt_schema, dbt_project, dbt_manifest, terraform_plan, ...
    kind: Kind


Classifier = Callable[[Path], "str | None"]


def _load_classifiers(kinds: Sequence[str]) -> list[tuple[Kind, Classifier]]:
    out = []
    for kind, ref in CLASSIFIERS:
        if kind not in kinds:
            continue
        module, _, attr = ref.partition(":")
        mod = importlib.import_module(module)
        # what a classifier cached about the file system (project roots, bundle files) is only
        # trusted within one discovery: a long-lived process (a notebook) sees new files
        reset = getattr(mod, "reset", None)
        if callable(reset):
            reset()
        out.append((kind, getattr(mod, attr)))
    return out


def display_path(path: Path, root: Path) -> str:
    """Path relative to root when inside it, else relative to the cwd, else absolute."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:  # the cwd only when the path is outside root (a syscall and a Path per call)
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


class _Excluder:
    def __init__(self, patterns: Sequence[str], root: Path) -> None:
        self.root = root
        self.spec = None
        if patterns:
            import pathspec  # only when the config has excludes

            self.spec = pathspec.GitIgnoreSpec.from_lines(patterns)

    def excluded(self, path: Path, is_dir: bool = False) -> bool:
        if self.spec is None:
            return False
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        return bool(self.spec.match_file(rel + ("/" if is_dir else "")))


def iter_files(paths: Iterable[Path], excluder: _Excluder) -> Iterable[tuple[Path, bool]]:
    """Yield (absolute file, explicitly named) for every file under the paths."""
    seen: set[Path] = set()
    for given in paths:
        p = given.resolve()
        if p.is_file():
            if p not in seen and not excluder.excluded(p):
                seen.add(p)
                yield p, True
            continue
        if not p.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            d = Path(dirpath)
            dirnames[:] = sorted(
                n for n in dirnames if n not in SKIP_DIRS and not excluder.excluded(d / n, True)
            )
            for name in sorted(filenames):
                f = d / name
                if f in seen or excluder.excluded(f):
                    continue
                seen.add(f)
                yield f, False


def discover(
    paths: Sequence[Path],
    root: Path,
    exclude: Sequence[str] = (),
    kinds: Sequence[str] = ("code", "infra", "data"),
) -> list[InputFile]:
    """Classify every file under ``paths`` (files given explicitly are taken as they are)."""
    classifiers = _load_classifiers(kinds)
    root = root.resolve()
    excluder = _Excluder(exclude, root)
    out: list[InputFile] = []
    for f, _explicit in iter_files(paths, excluder):
        for kind, classify in classifiers:
            t = classify(f)
            if t:
                out.append(InputFile(path=f, rel=display_path(f, root), type=t, kind=kind))
                break
    return out


def missing_paths(paths: Sequence[Path]) -> list[Path]:
    return [p for p in paths if not p.exists()]
