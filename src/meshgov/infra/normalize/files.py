"""Read one classified infra file into resources (or a NormalizeError for MG-INPUT)."""

from __future__ import annotations

from meshgov.core.discovery import InputFile
from meshgov.core.textio import UnreadableText, read_text
from meshgov.core.yamlio import YamlError, loads
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


def normalize_text(kind: str, text: str, path: str) -> list[Resource]:
    """Resources of one input of classified type ``kind``; raises NormalizeError."""
    if kind == "terraform_plan":
        return from_plan(text, path)
    if kind == "databricks_bundle":
        try:
            data = loads(text, path)
        except YamlError as exc:
            raise NormalizeError(f"invalid YAML: {exc.message}", exc.line, exc.column) from None
        return from_bundle(data, path, yaml_lines(text))
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
    return normalize_text(inp.type, text, inp.rel)
