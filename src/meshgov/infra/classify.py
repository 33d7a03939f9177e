"""Recognise infra inputs: Terraform plans, Databricks specs, bundles, ARM templates.

Cheap by design (it runs on every file a pre-commit hook passes): the file name decides,
and for ``*.json`` at most the first 4 KiB are read.

- ``databricks.yml`` / ``databricks.yaml``                       -> databricks_bundle
- ``*.cluster.json``, ``*.warehouse.json``, ``*.job.json``,
  ``*.cluster-policy.json``, ``*.grants.json``, ``*.workspace-conf.json``,
  ``*.catalog.json``                                              -> databricks_*_spec (REST JSON)
- ``*.json`` whose head has ``"terraform_version"`` or ``"resource_changes"`` (``terraform
  show -json``)                                                   -> terraform_plan
- ``*.json`` whose head has ``deploymentTemplate.json#``          -> arm_template
- ``*.tf``                                                        -> terraform_hcl
- ``terraform.tfvars``, ``*.auto.tfvars`` (the files Terraform loads itself), and other
  ``*.tfvars`` beside or one level below a module's ``.tf`` files (its -var-files)
                                                                  -> terraform_vars
  (both evaluated per module directory: a changed file re-evaluates its module)
- ``*.yml`` / ``*.yaml`` / ``*.json`` that the nearest ``databricks.yml`` above it includes
  (one of its ``include:`` patterns matches the file; before any rule above for JSON)
                                                                  -> databricks_bundle_include

A bundle include is evaluated through its bundle (:func:`including_bundle`): the hook passing
only ``resources/jobs.yml`` checks the bundle that includes it. The upward search for the
bundle looks at most :data:`MAX_BUNDLE_LEVELS` directories up, stops at a ``.git`` directory,
and what each directory holds is cached; the include patterns of a bundle are read once per version of the
file (and not parsed at all when the file has no ``include``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

BUNDLE_NAMES = frozenset({"databricks.yml", "databricks.yaml"})
BUNDLE_INCLUDE = "databricks_bundle_include"
#: root configuration files of a bundle, never included (the CLI's config.FileNames)
ROOT_FILE_NAMES = frozenset({"databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml"})
#: directories above a YAML/JSON file searched for the bundle that includes it (the file's own first)
MAX_BUNDLE_LEVELS = 8
SPEC_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".cluster.json", "databricks_cluster_spec"),
    (".warehouse.json", "databricks_warehouse_spec"),
    (".job.json", "databricks_job_spec"),
    (".cluster-policy.json", "databricks_cluster_policy_spec"),
    (".cluster_policy.json", "databricks_cluster_policy_spec"),
    (".grants.json", "databricks_grants_spec"),
    (".workspace-conf.json", "databricks_workspace_conf_spec"),
    (".workspace_conf.json", "databricks_workspace_conf_spec"),
    (".catalog.json", "databricks_catalog_spec"),
)
HEAD_BYTES = 4096


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""


#: Terraform sources, evaluated per module directory (meshgov.infra.normalize.hcl)
HCL_TYPES = frozenset({"terraform_hcl", "terraform_vars"})


def module_dir_of(path: Path) -> Path | None:
    """The Terraform module a ``.tf`` / ``.tfvars`` file belongs to: its own directory when it
    holds ``.tf`` files, else (a var file in ``envs/``) the directory above when that does;
    None when neither does."""
    here = path.parent
    if any(here.glob("*.tf")):
        return here
    if path.suffix == ".tfvars" and any(here.parent.glob("*.tf")):
        return here.parent
    return None


def classify(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".tf"):
        return "terraform_hcl"
    if name == "terraform.tfvars" or name.endswith(".auto.tfvars"):
        return "terraform_vars"
    if name.endswith(".tfvars"):  # a -var-file of the module beside it or above it (envs/)
        return "terraform_vars" if module_dir_of(path) is not None else None
    if name in BUNDLE_NAMES:
        return "databricks_bundle"
    if name.endswith((".yml", ".yaml")):
        if name != "meshgov.yaml" and including_bundle(path) is not None:
            return BUNDLE_INCLUDE
        return None
    if not name.endswith(".json"):
        return None
    if including_bundle(path) is not None:  # bundle configuration, whatever its name says
        return BUNDLE_INCLUDE
    for suffix, kind in SPEC_SUFFIXES:
        if name.endswith(suffix):
            return kind
    if name in ("package.json", "package-lock.json", "manifest.json", "tsconfig.json"):
        return None
    head = _head(path)
    if b'"terraform_version"' in head or b'"resource_changes"' in head:
        return "terraform_plan"
    if b"deploymentTemplate.json#" in head:
        return "arm_template"
    return None


def reset() -> None:
    """Forget the bundle files found so far (discovery calls it once per run)."""
    nearest_bundle.cache_clear()
    _bundle_here.cache_clear()
    include_patterns.cache_clear()


def including_bundle(path: Path) -> Path | None:
    """The bundle file (``databricks.yml``) that includes ``path``, if any.

    Only the nearest bundle above the file is asked (the bundle whose tree the file is in), with
    the CLI's pattern semantics (:mod:`meshgov.infra.normalize.globs`); the bundle's own root
    configuration names (``bundle.yml``, ...) at its top are never includes.
    """
    file = os.path.abspath(path)
    bundle = nearest_bundle(os.path.dirname(file))
    if bundle is None:
        return None
    parts = file[len(os.path.dirname(bundle)):].strip(os.sep).split(os.sep)
    if len(parts) == 1 and parts[0] in ROOT_FILE_NAMES:
        return None
    try:
        st = os.stat(bundle)
    except OSError:
        return None
    from meshgov.infra.normalize.globs import matches  # noqa: PLC0415 - only near a bundle

    patterns = include_patterns(bundle, st.st_mtime_ns, st.st_size)
    return Path(bundle) if any(matches(p, parts) for p in patterns) else None


@lru_cache(maxsize=4096)
def nearest_bundle(directory: str) -> str | None:
    """The ``databricks.yml``/``.yaml`` in ``directory`` or at most MAX_BUNDLE_LEVELS - 1 above,
    not above a directory holding ``.git``."""
    d = directory
    for _ in range(MAX_BUNDLE_LEVELS):
        here = _bundle_here(d)
        if here is not None:
            return here or None
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
    return None


@lru_cache(maxsize=8192)
def _bundle_here(directory: str) -> str | None:
    """The bundle file in ``directory``; "" at a repository root without one; else None."""
    for name in ("databricks.yml", "databricks.yaml"):
        f = os.path.join(directory, name)
        if os.path.isfile(f):
            return f
    return "" if os.path.exists(os.path.join(directory, ".git")) else None


@lru_cache(maxsize=256)
def include_patterns(bundle: str, mtime_ns: int, size: int) -> tuple[Any, ...]:
    """The compiled ``include`` patterns of a bundle file (version: mtime and size); those a
    bundle evaluation would reject (absolute, outside the bundle, malformed) are left out."""
    try:
        with open(bundle, "rb") as fh:
            raw = fh.read()
    except OSError:
        return ()
    if b"include" not in raw:
        return ()
    from meshgov.core.yamlio import YamlError, loads  # noqa: PLC0415
    from meshgov.infra.normalize.globs import BadPattern, clean, compile_pattern  # noqa: PLC0415

    try:
        data = loads(raw.decode("utf-8"), bundle)
    except (YamlError, UnicodeDecodeError):
        return ()
    entries = data.get("include") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return ()
    out = []
    for entry in entries:
        if not isinstance(entry, str) or entry.startswith("/"):
            continue
        segments = clean(entry)
        if not segments or segments[0] == "..":
            continue
        try:
            out.append(compile_pattern(segments))
        except BadPattern:
            continue
    return tuple(out)
