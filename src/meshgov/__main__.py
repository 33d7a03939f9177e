from __future__ import annotations

from meshgov.cli import run

run()
