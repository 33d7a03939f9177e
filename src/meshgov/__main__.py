from __future__ import annotations

from meshgov.cli import main

raise SystemExit(main())
