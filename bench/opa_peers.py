"""The real OPA server and conftest for bench/infra_bench.py (``--engines opa,conftest``).

Both are the pinned binaries ``scripts/go-tools.sh`` builds (``.tools/bin/opa``,
``.tools/bin/conftest``; built on first use).

- ``opa``: ``opa run --server`` on a free loopback port, started once for the whole run;
  meshgov's ``--engine opa`` path pushes the pack once (the first run) and sends batched queries.
- ``conftest``: the same pack and params given to ``conftest test`` with a ``package main``
  whose ``deny``/``warn`` rules walk the same normalized documents through the same
  ``meshgov.batch.one`` rule the OPA path queries. conftest has no Terraform-plan to
  REST-shape normalizer, so its input file is ``{"resources": [<meshgov's normalized documents>]}``
  (written once, outside the timing): the peer is timed on evaluation alone, and meshgov's
  normalization (from_plan) is timed separately by infra_bench.py.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CONFTEST_MAIN = """\
package main

import rego.v1

# each document is evaluated once (deny and warn read the same partial object)
verdicts[i] := v if {
\tsome i, doc in input.resources
\tv := data.meshgov.batch.one with input as doc
}

deny contains msg if {
\tsome i, doc in input.resources
\tsome id, pair in verdicts[i]
\tsome m in pair[0]
\tmsg := sprintf("%s %s: %v", [doc.address, id, m])
}

warn contains msg if {
\tsome i, doc in input.resources
\tsome id, pair in verdicts[i]
\tsome m in pair[1]
\tmsg := sprintf("%s %s: %v", [doc.address, id, m])
}
"""


def tool(name: str) -> str:
    out = subprocess.run(["bash", str(ROOT / "scripts" / "go-tools.sh"), "--print", name],
                         capture_output=True, text=True, check=True).stdout
    return next(p for t, _, p in (line.partition(" ") for line in out.splitlines()) if t == name)


def version(name: str) -> str:
    out = subprocess.run([tool(name), "--version" if name == "conftest" else "version"],
                         capture_output=True, text=True, check=True).stdout
    built = Path(tool(name)).resolve().parent.name  # e.g. conftest-v0.71.1 (go-tools.sh's pin)
    return f"{out.splitlines()[0].strip()} (built {built} by scripts/go-tools.sh)"


def time_push(url: str, pack: Any) -> float:
    """Wall seconds of meshgov pushing ``pack`` to a server that does not hold it yet."""
    from meshgov.infra.engines.opa_engine import OpaEngine

    start = time.perf_counter()
    engine = OpaEngine(url, pack.all_modules(), pack.data)
    wall = time.perf_counter() - start
    engine.close()
    if engine.pushes != 1:
        raise RuntimeError("the OPA server already held the pack: time the push on a fresh server")
    return wall


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def opa_server() -> Iterator[tuple[str, int]]:
    """``opa run --server`` on 127.0.0.1:<free port>; yields its URL and pid."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([tool("opa"), "run", "--server", "--addr", f"127.0.0.1:{port}",
                             "--log-level", "error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("opa run --server did not answer /health")
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def conftest_tree(dest: Path, pack: Any, resources: Sequence[Any]) -> tuple[Path, Path, Path]:
    """Policy dir (pack + generated modules + main.rego), data file and input file in ``dest``."""
    from meshgov.infra.pack import stamp_module

    policy = dest / "policy"
    policy.mkdir()
    for i, m in enumerate((*pack.all_modules(), stamp_module("bench"))):
        (policy / f"{i:03d}_{Path(m.path).name}").write_text(m.text)
    (policy / "main.rego").write_text(CONFTEST_MAIN)
    data = dest / "data.json"
    data.write_text(pack.data_json)
    inp = dest / "resources.json"
    inp.write_text(json.dumps({"resources": [r.to_input() for r in resources]}))
    return policy, data, inp


def time_conftest(pack: Any, resources: Sequence[Any], runs: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``conftest test``, and its deny + warn count."""
    with tempfile.TemporaryDirectory() as tmp:
        policy, data, inp = conftest_tree(Path(tmp), pack, resources)
        cmd = [tool("conftest"), "test", "--no-color", "-o", "json", "-p", str(policy),
               "-d", str(data), str(inp)]
        walls, cpus, count = [], [], 0
        for _ in range(runs):
            before = os.times()
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - start)
            after = os.times()
            cpus.append(after.children_user + after.children_system
                        - before.children_user - before.children_system)
            if proc.returncode not in (0, 1):
                raise RuntimeError(f"conftest failed ({proc.returncode}): {proc.stderr[-2000:]}")
            out = json.loads(proc.stdout)
            count = sum(len(r.get("failures") or []) + len(r.get("warnings") or []) for r in out)
        return statistics.median(walls), statistics.median(cpus), count
