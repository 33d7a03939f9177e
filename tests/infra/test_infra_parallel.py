"""A large input evaluated in forked parts gives exactly the findings of one process, in order.

meshgov forks only when no other thread runs (forking a threaded process can deadlock the
child), and other tests of this session leave server threads running: the comparison runs in a
fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from meshgov.infra.evaluator import MIN_RESOURCES_PER_JOB

from .infra_support import ENGINES, ROOT, run

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

COMPARE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import yaml
    from tests.infra.infra_support import CASES, resource, run

    docs = []
    for path in sorted((CASES / "policies").glob("*.yaml")):
        for case in yaml.safe_load(Path(path).read_text())["cases"]:
            if not case.get("params"):
                docs.append(case["resource"])
    resources = [resource(d, f"{d['type']}.r{i}_{n}") for i in range(16) for n, d in enumerate(docs)]
    said = []
    serial = run(resources, sys.argv[1], jobs=1)
    parallel = run(resources, sys.argv[1], jobs=3, progress=said.append)
    print(json.dumps({"resources": len(resources), "said": said, "findings": len(serial.findings),
                      "same": parallel.findings == serial.findings}))
""")


@pytest.mark.parametrize("engine", ENGINES)
def test_parts_in_processes_give_the_same_findings_in_the_same_order(engine: str) -> None:
    out = subprocess.run([sys.executable, "-c", COMPARE, engine], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["resources"] >= 3 * MIN_RESOURCES_PER_JOB
    assert any(" in 3 processes" in s for s in got["said"]), got["said"]
    assert got["findings"] > 0  # the cases violate: not a comparison of two empty tuples
    assert got["same"]


def test_small_inputs_stay_in_this_process() -> None:
    from .infra_support import resource

    said: list[str] = []
    docs = [{"type": "warehouse", "spec": {"cluster_size": "4X-Large"}}] * (MIN_RESOURCES_PER_JOB - 1)
    result = run([resource(d, f"w{i}") for i, d in enumerate(docs)], ENGINES[-1], jobs=4,
                 progress=said.append)
    assert len(result.findings) >= MIN_RESOURCES_PER_JOB - 1
    assert not any("processes" in s for s in said)
