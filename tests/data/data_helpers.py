"""Helpers for the data tests: a real PostgreSQL server started from the Debian binaries.

``PgServer.start()`` runs ``initdb`` into a fresh directory and ``pg_ctl start`` on 127.0.0.1
with a free port (as the ``postgres`` OS user when running as root, since PostgreSQL refuses
to run as root), trust authentication, and ``stop()`` shuts it down and removes the directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def pg_bindir() -> Path:
    override = os.environ.get("MESHGOV_PG_BINDIR")
    candidates = [override] if override else sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                                     reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").is_file():
            return Path(c)
    raise RuntimeError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). "
        "Install them with `make system-deps` (Debian package postgresql) or set MESHGOV_PG_BINDIR."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


@dataclass
class PgServer:
    datadir: Path
    port: int
    bindir: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> PgServer:
        bindir = pg_bindir()
        if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
            raise RuntimeError("/dev/null is not a device (something replaced it with a file); "
                               "initdb cannot run: `rm /dev/null; mknod -m 666 /dev/null c 1 3`")
        datadir = Path(tempfile.mkdtemp(prefix="meshgov-pg-"))
        if os.geteuid() == 0:
            shutil.chown(datadir, "postgres", "postgres")
        port = free_port()
        run = dict(check=True, capture_output=True, text=True, timeout=120)
        try:
            subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(datadir), "-U",
                                         "postgres", "--auth=trust", "-E", "UTF8",
                                         "--no-sync"]), **run)
            subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-w",
                                         "-l", str(datadir / "server.log"), "-o",
                                         f"-p {port} -h 127.0.0.1 -k {datadir} -F",
                                         "start"]), **run)
        except subprocess.CalledProcessError as exc:
            log = (datadir / "server.log")
            detail = log.read_text() if log.exists() else ""
            shutil.rmtree(datadir, ignore_errors=True)
            raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{detail}") from None
        return cls(datadir=datadir, port=port, bindir=bindir)

    def stop(self) -> None:
        try:
            subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir),
                                         "-m", "fast", "-w", "stop"]),
                           check=False, capture_output=True, timeout=60)
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)


def load_csv_into(url: str, table: str, csv_path: Path, types: dict[str, str]) -> None:
    """Create ``table`` with the given column types and copy the CSV rows in."""
    import csv

    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with csv_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = list(types)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))
        ddl = ", ".join(f'"{c}" {t}' for c, t in types.items())
        conn.execute(sa.text(f'CREATE TABLE "{table}" ({ddl})'))
        placeholders = ", ".join(f":p{i}" for i in range(len(cols)))
        stmt = sa.text(f'INSERT INTO "{table}" VALUES ({placeholders})')
        conn.execute(stmt, [{f"p{i}": (r[c] if r[c] != "" else None) for i, c in enumerate(cols)}
                            for r in rows])
    engine.dispose()


def make_context(
    root: Path,
    bindings: Mapping[str, Mapping[str, Any]],
    policies: Sequence[Any],
    params: Mapping[str, Any] | None = None,
    domain: str | None = None,
) -> Any:
    """An EvalContext over the given Policy objects and bindings (no files needed)."""
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig
    from meshgov.core.context import EvalContext, RunOptions

    catalog = Catalog(
        policies={p.id: p for p in policies},
        params={"data.max_unexpected_examples": 5, **(params or {})},
    )
    config = DomainConfig(root=root, domain=domain, data={k: dict(v) for k, v in bindings.items()})
    return EvalContext(config=config, catalog=catalog,
                       options=RunOptions(kinds=("data",), data=True))


def data_policy(pid: str, rule: str, tables: Sequence[str], severity: str = "error",
                **params: Any) -> Any:
    """A Policy validated through the vocabulary, as the catalog would build it."""
    from meshgov.core.model import Policy
    from meshgov.data.vocabulary import validate_policy

    name, checked = validate_policy(rule, {"tables": list(tables), **params}, "<test>",
                                    f"policies[{pid}]")
    return Policy(id=pid, kind="data", title=f"{rule} check", severity=severity,  # type: ignore[arg-type]
                  rule=name, params=checked)
