"""#18.5: a domain's Rego that never ends, or takes all memory, is an error within its budget."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from .hostile import run_meshgov

HEAD = """\
# METADATA
# title: a local policy
# custom:
#   id: HR-I-001
#   resource_types: [cluster]
package hr.local

import rego.v1

"""
HUGE = HEAD + textwrap.dedent("""\
    deny contains r if {
    \tinput.type == "cluster"
    \tevery x in numbers.range(1, 1e9) { x > 0 }
    \tr := {"msg": "huge", "resource": input.address}
    }
    """)
ENDLESS = HEAD + textwrap.dedent("""\
    deny contains r if {
    \tinput.type == "cluster"
    \tn := count([1 | some x in numbers.range(1, 20000); some y in numbers.range(1, 20000); x != y])
    \tn < 0
    \tr := {"msg": "endless", "resource": input.address}
    }
    """)


def _domain(tmp_path: Path, rego: str) -> Path:
    d = tmp_path / "repo"
    (d / "policies").mkdir(parents=True)
    (d / "meshgov.yaml").write_text(
        "domain: hr\npolicies:\n  local: [policies/]\n"
        "  params: {infra.rego.timeout_seconds: 5, infra.rego.max_memory_mb: 1024}\n")
    (d / "policies" / "local.rego").write_text(rego)
    (d / "c.cluster.json").write_text(json.dumps({"cluster_name": "c", "num_workers": 1}))
    return d


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["regorus", "regopy"])
@pytest.mark.parametrize("rego", [HUGE, ENDLESS], ids=["huge", "endless"])
def test_unbounded_domain_rego_is_exit_2_within_its_budget(tmp_path: Path, engine: str, rego: str) -> None:
    pytest.importorskip({"regorus": "hobofan_regorus", "regopy": "regopy"}[engine])
    d = _domain(tmp_path, rego)
    started = time.monotonic()
    r = run_meshgov("check", str(d), "--engine", engine, cwd=d, timeout=60)
    if rego is HUGE and engine == "regopy" and r.code == 1:
        return  # rego-cpp leaves numbers.range(1, 1e9) undefined at once: no hang, no blow-up
    assert r.code == 2, (r.out, r.err)
    assert time.monotonic() - started < 30
    assert "infra policies" in r.err and "policies/local.rego" in r.err, r.err
    assert ("did not end within 5 s" in r.err or "memory budget (1,024 MiB)" in r.err), r.err


RUN_BOUNDED = """
import time
import pytest
from meshgov.core.bounded import BudgetError, run_bounded
from meshgov.core.executor import can_fork

assert can_fork()
assert run_bounded(lambda: 6 * 7, seconds=5, memory_bytes=None) == 42
with pytest.raises(ZeroDivisionError):
    run_bounded(lambda: 1 // 0, seconds=5, memory_bytes=None)
started = time.monotonic()
with pytest.raises(BudgetError, match="did not end within 0.5 s"):
    run_bounded(lambda: time.sleep(30), seconds=0.5, memory_bytes=None)
assert time.monotonic() - started < 5
with pytest.raises(BudgetError, match="memory budget"):
    run_bounded(lambda: [bytearray(2 ** 20) for _ in range(4096)], seconds=20,
                memory_bytes=512 * 2 ** 20)
print("ok")
"""


def test_run_bounded_returns_raises_and_stops() -> None:
    """In a fresh interpreter: run_bounded forks only a process with one thread (a pytest
    process may hold server threads of other tests)."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", RUN_BOUNDED], capture_output=True, text=True,
                       timeout=60, check=False)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
