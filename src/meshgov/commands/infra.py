"""``meshgov infra compile-cluster-policies``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshgov.commands import EXIT_FINDINGS, EXIT_OK


def compile_cluster_policies(*, config_path: str | None, output_dir: Path, name: str | None,
                             echo: Callable[..., Any]) -> int:
    """Write the cluster policies; the files on stdout, what stays uncovered on stderr."""
    from meshgov.infra.cluster_policies import compile_command  # noqa: PLC0415

    written, compiled, cover, problems = compile_command(
        config_path=config_path, output_dir=output_dir, name=name)
    for path in written:
        echo(str(path))
    left = [c for c in cover if c.status in ("not expressible", "not concerned")]
    for c in left:
        echo(f"note: {c.policy_id} {c.status}: {c.how}", err=True)
    echo(f"{len(compiled)} cluster policies written to {output_dir} "
         f"({sum(c.status == 'enforced' for c in cover)} rules enforced, "
         f"{len(left)} left to the gate and the audit)", err=True)
    for problem in problems:
        echo(f"error: {problem}", err=True)
    return EXIT_FINDINGS if problems else EXIT_OK
