"""Safe YAML loading with precise error positions (libyaml when available)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from meshgov.core.textio import UnreadableText, read_text

try:  # libyaml is ~10x faster; fall back to the pure-Python loader
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


class YamlError(Exception):
    """A YAML document could not be read; carries a 1-based line/column when known."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        where = path + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(f"{where}: {message}")


def loads(text: str, path: str = "<string>") -> Any:
    """Parse one YAML document with the safe loader; raise YamlError with its position."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        raise YamlError(path, msg, line, col) from None
    except yaml.YAMLError as exc:  # e.g. reader errors on control characters
        raise YamlError(path, str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. bad timestamps, deep nesting
        raise YamlError(path, f"invalid YAML value: {exc}") from None


def load_file(path: Path, display: str | None = None) -> Any:
    """Read and parse a YAML file; undecodable bytes are a YamlError, not a crash."""
    shown = display or str(path)
    try:
        text = read_text(path)
    except UnreadableText as exc:
        raise YamlError(shown, exc.message, exc.line, exc.column) from None
    return loads(text, shown)
