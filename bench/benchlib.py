"""What every benchmark records about the machine it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, str]:
    """nproc, CPU model, RAM, Python version and the 1-minute load average right now."""
    cpu = platform.processor() or platform.machine()
    ram = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": ram,
            "python": platform.python_version(), "load": f"{load:.2f}"}


def describe(m: dict[str, str] | None = None) -> str:
    """One line: ``2 CPUs (AMD EPYC ...), 23.5 GiB RAM, Python 3.11.7, load average 0.42``."""
    m = m or machine()
    return (f"{m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, "
            f"load average {m['load']}")


def revision_tree(rev: str, dest: Path) -> Path:
    """Extract src/, rego/, checks/ and bench/ of git revision ``rev`` into ``dest`` (a
    baseline to time side by side: run it with ``PYTHONPATH=dest/src``)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src", "rego", "checks", "bench"],
                             capture_output=True, check=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest
