"""Read one classified infra file into resources (or a NormalizeError for MG-INPUT)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from meshgov.core.discovery import InputFile, display_path
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads
from meshgov.infra.classify import BUNDLE_INCLUDE, including_bundle
from meshgov.infra.normalize.arm import from_arm
from meshgov.infra.normalize.bundle import from_bundle
from meshgov.infra.normalize.errors import NormalizeError
from meshgov.infra.normalize.rest import from_spec_document
from meshgov.infra.normalize.terraform import from_plan, load_json
from meshgov.infra.positions import yaml_lines
from meshgov.infra.resource import Resource

#: classified type -> REST api of a spec file
SPEC_TYPES = {
    "databricks_cluster_spec": "cluster",
    "databricks_warehouse_spec": "warehouse",
    "databricks_job_spec": "job",
    "databricks_cluster_policy_spec": "cluster_policy",
    "databricks_grants_spec": "grants",
    "databricks_workspace_conf_spec": "workspace_conf",
    "databricks_catalog_spec": "catalog",
}


def normalize_text(kind: str, text: str, path: str, directory: Path | None = None) -> list[Resource]:
    """Resources of one input of classified type ``kind``; raises NormalizeError.

    ``path`` is the input's display path; ``directory`` the directory it is in, where a bundle's
    ``include``d files are read (without it, a bundle that includes files is an error).
    """
    if kind == "terraform_plan":
        return from_plan(text, path)
    if kind == "databricks_bundle":
        try:
            data = loads(text, path)
        except YamlError as exc:
            raise NormalizeError(f"invalid YAML: {exc.message}", exc.line, exc.column) from None
        return from_bundle(data, path, yaml_lines(text), directory)
    if kind == "arm_template":
        return from_arm(load_json(text), path, yaml_lines(text))
    api = SPEC_TYPES.get(kind)
    if api is not None:
        return from_spec_document(api, load_json(text), path, yaml_lines(text))
    raise NormalizeError(f"unknown infra input type {kind!r}")


def load_input(inp: InputFile) -> list[Resource]:
    try:
        text = read_text(inp.path)
    except UnreadableText as exc:
        raise NormalizeError(exc.message, exc.line, exc.column) from None
    return normalize_text(inp.type, text, inp.rel, inp.path.parent)


def bundle_inputs(inputs: Sequence[InputFile]) -> list[InputFile]:
    """The inputs to normalize: a file a bundle includes stands for its bundle, each bundle once.

    A pre-commit hook passes the files that changed: a changed ``resources/jobs.yml`` is
    checked by evaluating the bundle that includes it (its ``databricks.yml``), once however
    many of its files (and the bundle file itself) are inputs. Order is kept (first mention).
    An included file whose bundle is gone is dropped.
    """
    out: list[InputFile] = []
    seen: set[Path] = set()
    for inp in inputs:
        if inp.type == BUNDLE_INCLUDE:
            owner = including_bundle(inp.path)
            if owner is None:
                continue
            inp = InputFile(owner, _display(owner, inp), "databricks_bundle", inp.kind)
        elif inp.type != "databricks_bundle":
            out.append(inp)
            continue
        key = inp.path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(inp)
    return out


def _display(owner: Path, inp: InputFile) -> str:
    """The bundle's display path, on the same base as the included file's (``InputFile.rel``)."""
    rel = PurePosixPath(inp.rel)
    if rel.is_absolute():
        return owner.as_posix()
    base = inp.path.parents[len(rel.parts) - 1]
    return display_path(owner, base)
