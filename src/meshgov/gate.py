"""``meshgov gate --base REF``: evaluate what a pull request changes, as a CI step.

Inputs are the files ``git diff --name-status -M --diff-filter=ACMR $(git merge-base BASE HEAD)
HEAD`` lists: added, copied, modified and renamed files; deleted files are not inputs. Each
changed file is evaluated with the context of its domain: the nearest ``meshgov.yaml`` above it
inside the repository (several domains in one repo are evaluated group by group and merged
into one report), its packs, product registry and waivers.

What is evaluated is the content of the head commit:

- ``--head`` is the checked-out commit (the CI case, and the default): the files are read from
  the work tree. Uncommitted edits of a changed file are evaluated as they are (a note says so);
  a changed file deleted in the work tree is skipped (a note says so).
- ``--head`` names another commit: it is checked out into a temporary ``git worktree`` and
  evaluated there (relative pack paths leaving the repository are then resolved from that
  temporary directory: pass ``--config`` or check the head out instead).

Renamed files keep their waivers: a domain or council waiver whose subject matches the old path
(and not the new one) also applies to the new path in this run, and a note asks to update the
subject (a later full ``meshgov check`` only knows the new path). Locations in the report are
relative to the repository top level, so that SARIF annotations land on the right lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from meshgov.core.config import CONFIG_NAME, DomainConfig, default_config, load_config, nearest_config
from meshgov.core.context import RunOptions
from meshgov.core.errors import UsageError
from meshgov.core.model import Report, Waiver, utc_now

if TYPE_CHECKING:
    from meshgov.core.git import Change


@dataclass(frozen=True)
class Group:
    """The changed files of one domain (one meshgov.yaml, or the defaults)."""

    config_path: Path | None  # None: no meshgov.yaml, defaults rooted at the repository top
    files: tuple[Path, ...]
    config_changed: bool = False  # the meshgov.yaml itself is among the changed files


# -- choosing the inputs ----------------------------------------------------------------------


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return not roots or any(path == r or r in path.parents for r in roots)


def group_files(
    files: Sequence[Path], top: Path, config: str | Path | None, extra_configs: Iterable[Path] = ()
) -> list[Group]:
    """Group files by the meshgov.yaml that governs them (or all under ``config`` when given).

    ``extra_configs`` are changed meshgov.yaml files: their domain is evaluated even when none
    of its other files changed (its waivers, parameters and federation findings).
    """
    if config is not None:
        return [Group(Path(config).resolve(), tuple(files))]
    groups: dict[Path | None, list[Path]] = {}
    for f in files:
        groups.setdefault(nearest_config(f.parent, top), []).append(f)
    changed = set(extra_configs)
    for c in changed:
        groups.setdefault(c, [])
    return [
        Group(k, tuple(v), k in changed)
        for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]) if kv[0] else "")
    ]


# -- renames keep their waivers ---------------------------------------------------------------


def _rel_to(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _glob_match(rel: str, pattern: str) -> bool:
    return rel == pattern or fnmatchcase(rel, pattern) or fnmatchcase(rel.lower(), pattern.lower())


def carry_waivers(
    waivers: Sequence[Waiver], renames: Sequence[tuple[str, str]]
) -> tuple[tuple[Waiver, ...], list[str]]:
    """Waivers of an old path, copied to the new path of each rename; plus a note per copy.

    ``renames`` are (old, new) paths relative to the domain root.
    """
    carried: list[Waiver] = []
    notes: list[str] = []
    for old, new in renames:
        for w in waivers:
            if _glob_match(old, w.subject) and not _glob_match(new, w.subject):
                carried.append(replace(w, subject=new, origin=f"{w.origin} (renamed {old} -> {new})"))
                where = "the council's approved_waivers" if w.source == "council" else "meshgov.yaml"
                notes.append(
                    f"{new} was renamed from {old}: the waiver of {w.policy} for '{w.subject}' "
                    f"({where}) applies to it in this run; change its subject to '{new}' "
                    "(a full `meshgov check` only knows the new path)"
                )
    return tuple(carried), notes


# -- evaluating groups ------------------------------------------------------------------------


def _load_group_config(group: Group, top: Path) -> DomainConfig:
    if group.config_path is None:
        return default_config(top)
    return load_config(group.config_path)


def evaluate_groups(
    groups: Sequence[Group],
    *,
    top: Path,
    options: RunOptions,
    renames: Sequence[tuple[Path, Path]] = (),
    relocate: bool = True,
    started: str | None = None,
    notes: Sequence[str] = (),
) -> Report:
    """Evaluate each group of explicit files with its domain's context and merge the reports.

    With ``relocate`` the locations become relative to ``top`` (the repository top level).
    """
    from meshgov.api import evaluate_part, needed_kinds  # the evaluators load lazily behind it
    from meshgov.core.catalog import load_catalog
    from meshgov.core.discovery import discover
    from meshgov.report.assemble import assemble

    started = started or utc_now()
    parts = []
    all_notes: list[str] = list(notes)
    for group in groups:
        cfg = _load_group_config(group, top)
        root = cfg.root.resolve()
        inputs = discover(list(group.files), root, cfg.exclude, options.kinds)
        given = list(group.files) + ([group.config_path] if group.config_changed and group.config_path else [])
        opts = needed_kinds(options, inputs, given)
        catalog = load_catalog(cfg, opts.kinds)
        rel_renames = [
            (o, n) for o, n in ((_rel_to(a, root), _rel_to(b, root)) for a, b in renames
                                if b in group.files) if o and n
        ]
        if rel_renames:
            extra, rnotes = carry_waivers(cfg.waivers, rel_renames)
            extra_c, cnotes = carry_waivers(catalog.approved_waivers, rel_renames)
            cfg = replace(cfg, waivers=cfg.waivers + extra)
            catalog = replace(catalog, approved_waivers=catalog.approved_waivers + extra_c)
            all_notes.extend(rnotes + cnotes)
        prefix = ""
        if relocate:
            rel_root = _rel_to(root, top)
            prefix = "" if rel_root in (None, ".", "") else rel_root  # type: ignore[assignment]
        part = evaluate_part(cfg, catalog, inputs, opts)
        parts.append(replace(part, prefix=prefix, scope=frozenset(i.rel for i in inputs)))
    return assemble(parts, options, started=started, notes=all_notes)


def evaluate_files(paths: Sequence[str | Path], *, options: RunOptions) -> Report:
    """``meshgov check FILE...`` without ``--config`` (the pre-commit hook): files of several
    domains are each evaluated with their own nearest meshgov.yaml and merged into one report
    (locations then relative to the working directory). Files of one domain: ``api.evaluate``.
    """
    from meshgov.api import evaluate  # noqa: PLC0415
    from meshgov.core.discovery import missing_paths  # noqa: PLC0415

    path_list = [Path(p) for p in paths]
    missing = missing_paths(path_list)
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(map(str, missing))}")
    files = [p.resolve() for p in path_list]
    anchor = Path(files[0].anchor) if files else Path("/")
    configs = {nearest_config(f.parent, anchor) for f in files}
    if len(configs) <= 1:
        return evaluate(path_list, options=options)
    cwd = Path.cwd().resolve()
    groups = group_files(files, anchor, None)
    return evaluate_groups(groups, top=cwd, options=options)


# -- the gate ---------------------------------------------------------------------------------


def _restrict_roots(paths: Sequence[str | Path], cwd: Path, top: Path) -> list[Path]:
    roots = []
    for p in paths:
        r = (cwd / p).resolve()
        if not r.exists():
            raise UsageError(f"no such file or directory: {p}")
        if r != top and top not in r.parents:
            raise UsageError(f"{p} is outside the git repository at {top}")
        roots.append(r)
    return roots


def evaluate_gate(
    *,
    base: str,
    head: str = "HEAD",
    paths: Sequence[str | Path] = (),
    config: str | Path | None = None,
    options: RunOptions | None = None,
    cwd: Path | None = None,
) -> Report:
    """Evaluate the files changed between the merge base of ``base`` and ``head``, and ``head``.

    Raises :class:`meshgov.core.git.GitError` (exit 2) outside git, when ``base`` or ``head``
    is not available (naming what to fetch) or when they share no history.
    """
    import tempfile  # noqa: PLC0415 - not on the hook path

    from meshgov.core import git  # noqa: PLC0415

    opts = replace(options or RunOptions(), mode="gate", explicit_files=True)
    started = utc_now()
    here = (cwd or Path.cwd()).resolve()
    top = git.toplevel(here)
    head_sha = git.resolve_commit(head, top)
    if head_sha is None:
        raise git.GitError(f"head revision '{head}' is not a commit of this repository "
                           f"(fetch it: `{git.fetch_hint(head)}`)")
    base_sha = git.resolve_commit(base, top)
    if base_sha is None:
        raise git.missing_base_error(base, top)
    mb = git.merge_base(base_sha, head_sha, top)
    if mb is None:
        raise git.no_merge_base_error(base, head, top)
    changes = git.changed_files(mb, head_sha, top)
    roots = _restrict_roots(paths, here, top)
    if config is not None:
        config = (here / config).resolve()
    notes: list[str] = []
    checked_out = git.resolve_commit("HEAD", top)
    if head_sha == checked_out:
        dirty = git.dirty_paths(top)
        return _evaluate_tree(top, changes, roots, config, opts, started, notes, dirty)
    with tempfile.TemporaryDirectory(prefix="meshgov-gate-") as tmp:
        tree = Path(tmp).resolve() / "head"
        git.add_worktree(head_sha, tree, top)
        try:
            notes.append(f"evaluated {head} ({head_sha[:12]}) in a temporary work tree")
            mapped = [tree / r.relative_to(top) for r in roots]
            return _evaluate_tree(tree, changes, mapped, config, opts, started, notes, set())
        finally:
            git.remove_worktree(tree, top)


def _evaluate_tree(
    top: Path,
    changes: Sequence[Change],
    roots: Sequence[Path],
    config: Path | None,
    opts: RunOptions,
    started: str,
    notes: list[str],
    dirty: set[str],
) -> Report:
    """Evaluate the changed files as found under ``top`` (the work tree, or a temporary one)."""
    files: list[Path] = []
    renames: list[tuple[Path, Path]] = []
    changed_configs: list[Path] = []
    modified_locally: list[str] = []
    for ch in changes:
        path = top / ch.path
        if not _inside(path, roots):
            continue
        if not path.is_file():  # deleted in the work tree, or a submodule / directory entry
            if not path.exists():
                notes.append(f"{ch.path} changed but is missing from the work tree: not evaluated")
            continue
        if ch.path in dirty:
            modified_locally.append(ch.path)
        if path.name == CONFIG_NAME:
            changed_configs.append(path)
            continue
        files.append(path)
        if ch.status == "R" and ch.old_path:
            renames.append((top / ch.old_path, path))
    if modified_locally:
        notes.append(
            f"{len(modified_locally)} changed file(s) have uncommitted edits; their work-tree "
            "content was evaluated: " + ", ".join(sorted(modified_locally)[:5])
            + (" ..." if len(modified_locally) > 5 else "")
        )
    groups = group_files(files, top, config, changed_configs)
    if not groups:  # nothing to evaluate: an empty report naming the repository's domain
        groups = [Group(config if config is not None else nearest_config(top, top), ())]
    return evaluate_groups(groups, top=top, options=opts, renames=renames, started=started,
                           notes=notes)
