"""Errors that end a run with exit code 2 (usage/configuration). Anything else is exit 3."""

from __future__ import annotations


class MeshgovError(Exception):
    """Base class: a problem the user can fix; the CLI prints it and exits 2."""

    exit_code = 2


class ConfigError(MeshgovError):
    """A configuration file is wrong: names the file, the key and what was expected."""

    def __init__(self, file: str, key: str, expected: str, *, line: int | None = None) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.line = line
        where = f"{file}:{line}" if line else file
        key_part = f"'{key}': " if key else ""
        super().__init__(f"{where}: {key_part}{expected}")


class UsageError(MeshgovError):
    """The command line asks for something impossible (missing git base, bad option mix)."""


class EngineError(MeshgovError):
    """A policy engine could not evaluate (OPA down or slow, Rego syntax error)."""


class OutputError(MeshgovError):
    """A report output could not be written (the others were)."""
