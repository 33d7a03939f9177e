"""Turn one canonical spec into resources: a job also yields one cluster per job cluster."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meshgov.core.redact import plain_secret
from meshgov.infra.normalize import shapes
from meshgov.infra.normalize.typed import checked
from meshgov.infra.resource import Resource, SourceRef

#: canonicalizer per type (cluster_policy takes the "where" for its error message)
CANONICAL: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "cluster": shapes.canonical_cluster,
    "warehouse": shapes.canonical_warehouse,
    "job": shapes.canonical_job,
}

LineFn = Callable[[tuple[Any, ...]], "int | None"]


def secret_values(spec: Mapping[str, Any]) -> set[str]:
    """Plain-text values of spark_conf / spark_env_vars that are secrets (core.redact)."""
    out: set[str] = set()
    for block in ("spark_conf", "spark_env_vars"):
        conf = spec.get(block)
        if not isinstance(conf, Mapping):
            continue
        for k, v in conf.items():
            if isinstance(v, str) and plain_secret(str(k), v):
                out.add(v)
    return out


def make_resources(
    rtype: str,
    address: str,
    spec: Mapping[str, Any],
    *,
    source: SourceRef,
    subject_type: str,
    line_of: LineFn | None = None,
    context: Mapping[str, Any] | None = None,
    unknown: tuple[str, ...] = (),
    sensitive: frozenset[str] = frozenset(),
) -> list[Resource]:
    """The resource for ``spec`` (canonicalized), plus one cluster per job cluster of a job."""
    canon = CANONICAL.get(rtype)
    body = checked(rtype, canon(spec) if canon else dict(spec), address, source.line)
    ctx = dict(context or {})
    secrets = frozenset(sensitive | secret_values(body)) if rtype == "cluster" else sensitive
    out = [Resource(rtype, address, body, source, ctx, unknown, subject_type, secrets)]
    if rtype == "job":
        for suffix, path, cluster in shapes.iter_job_clusters(body):
            line = line_of(path) if line_of else None
            cspec = checked("cluster", shapes.canonical_cluster(cluster), address + suffix,
                            line if line is not None else source.line)
            src = SourceRef(source.format, source.path, line if line is not None else source.line)
            cctx = {**ctx, "job_cluster": True, "job": address}
            out.append(Resource("cluster", address + suffix, cspec, src, cctx,
                                tuple(u[len(".".join(map(str, path))) + 1:] for u in unknown
                                      if u.startswith(".".join(map(str, path)) + ".")),
                                subject_type, frozenset(sensitive | secret_values(cspec))))
    return out
