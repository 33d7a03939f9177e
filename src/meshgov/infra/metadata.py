"""Read infra policies out of Rego files: the ``# METADATA`` block of each package.

The embedded engines do not implement ``rego.metadata.*``, so the block is parsed here (pure
Python, no engine import: the catalog loads on every run). A package whose metadata has a
``custom.id`` is a policy; one without (a library) is only loaded. Also rejects Rego v0
syntax, which regopy and regorus would silently evaluate differently.

    # METADATA
    # title: SQL warehouses are at most the allowed size
    # description: ...
    # custom:
    #   id: MG-I-001
    #   severity: error            # error | warning | info
    #   resource_types: [warehouse]  # optional: only evaluated for these types
    #   remediation: ...
    #   enforced: false
    package meshgov.infra.warehouse.size
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshgov.core import yamlio
from meshgov.core.errors import ConfigError
from meshgov.core.model import SEVERITIES, Policy

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)\s*$", re.M)
_RULE_HEAD = re.compile(r"^([A-Za-z_]\w*)\b", re.M)
_V0_PARTIAL = re.compile(r"^[A-Za-z_]\w*\s*\[[^\]]*\]\s*(\{|if\b)")
_V0_BODY = re.compile(
    r"^[A-Za-z_][\w.]*(\([^)]*\))?((\s*(:=|=)\s*[^{\s][^{]*)?\s*\{\s*$|\s*\{.*\}\s*$)"
)
_KEYWORDS = frozenset({"package", "import", "default", "else", "not", "some", "every", "with",
                       "if", "contains", "in", "as"})


@dataclass(frozen=True)
class RegoModule:
    path: str
    text: str
    package: str
    rules: tuple[str, ...]  # top-level rule names defined in the module
    metadata: Mapping[str, Any]

    @property
    def is_test(self) -> bool:
        return self.path.endswith("_test.rego")


#: what _strip blanks: a raw string (may span lines), a string (ends at its line), a comment
_LEXEME = re.compile(r'`[^`]*`?|"((?:\\.|[^"\\\n])*\\?)("?)|#[^\n]*')
_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(m: re.Match[str]) -> str:
    s = m.group()
    if s[0] == "#":
        return ""
    if s[0] == "`":
        return _NOT_NEWLINE.sub(" ", s)
    return '"' + " " * len(m.group(1)) + m.group(2)


def _strip(text: str) -> list[str]:
    """Lines with comments and string/raw-string contents blanked (line numbers kept)."""
    lines = text.splitlines()
    return _LEXEME.sub(_blank, "\n".join(lines)).split("\n") if lines else []


def stripped_lines(text: str) -> list[str]:
    """The module's lines with comments and string contents blanked (line numbers kept)."""
    return _strip(text)


def check_v1(text: str, path: str, stripped: list[str] | None = None) -> None:
    """Raise ConfigError (file, line) for Rego v0 syntax or a missing ``import rego.v1``
    (``stripped``: :func:`_strip` of ``text`` when the caller has it)."""
    lines = _strip(text) if stripped is None else stripped
    has_import = False
    for n, line in enumerate(lines, 1):
        s = line.rstrip()
        if not s or s[0].isspace():
            continue
        if s.startswith("import rego.v1"):
            has_import = True
            continue
        if s.startswith(("package ", "import ")):
            continue
        if _V0_PARTIAL.match(s):
            raise ConfigError(path, "", "Rego v0 syntax: a partial rule `name[x] {` / `name[x] if` "
                              "is not accepted; write `name contains x if { ... }`", line=n)
        if _V0_BODY.match(s) and not re.search(r"\bif\b", s) and not s.startswith("else"):
            raise ConfigError(path, "", "Rego v0 syntax: a rule body needs `if` "
                              "(`name if { ... }`, Rego v1)", line=n)
    if not has_import and _PACKAGE.search(text):
        raise ConfigError(path, "", "Rego v1 modules must `import rego.v1` (meshgov runs Rego v1 "
                          "only; regopy and regorus evaluate v0 syntax differently)", line=1)


def parse_metadata(text: str, path: str) -> tuple[Mapping[str, Any], int]:
    """The package-scoped ``# METADATA`` block (the one right before ``package``) and its line."""
    lines = text.splitlines()
    pkg_line = next((i for i, l in enumerate(lines) if l.startswith("package ")), None)
    if pkg_line is None:
        raise ConfigError(path, "", "no `package` declaration", line=1)
    start = None
    for i in range(pkg_line - 1, -1, -1):
        if not lines[i].startswith("#"):
            break
        if lines[i].strip() == "# METADATA":
            start = i
            break
    if start is None:
        return {}, 0
    body = "\n".join(l[2:] if l.startswith("# ") else l[1:] for l in lines[start + 1:pkg_line])
    try:  # libyaml when available: every run reads the METADATA of the whole pack
        meta = yamlio.loads(body, path) or {}
    except yamlio.YamlError as exc:
        line = start + 1 + exc.line if exc.line is not None else start + 1
        raise ConfigError(path, "METADATA", f"invalid YAML in the METADATA block: {exc.message}",
                          line=line) from None
    if not isinstance(meta, Mapping):
        raise ConfigError(path, "METADATA", "expected a YAML mapping", line=start + 1)
    return meta, start + 1


def rule_names(text: str, stripped: list[str] | None = None) -> tuple[str, ...]:
    names = []
    for line in _strip(text) if stripped is None else stripped:
        m = _RULE_HEAD.match(line)
        if m and m.group(1) not in _KEYWORDS:
            names.append(m.group(1))
        elif line.startswith("default "):
            parts = line.split()
            if len(parts) > 1:
                names.append(re.split(r"\W", parts[1])[0])
    return tuple(dict.fromkeys(names))


def read_module(path: Path | str, text: str | None = None) -> RegoModule:
    p = str(path)
    if text is None:
        try:
            text = Path(p).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(p, "", f"cannot read Rego file: {exc}") from None
    stripped = _strip(text)  # once for both checks
    check_v1(text, p, stripped)
    meta, _ = parse_metadata(text, p)
    m = _PACKAGE.search(text)
    assert m is not None  # parse_metadata checked
    return RegoModule(path=p, text=text, package=m.group(1), rules=rule_names(text, stripped),
                      metadata=meta)


#: builtins a domain's own Rego may not call: the network, the process environment, the clock
#: and randomness (a verdict must depend on the input and the pack only, and never leak the
#: environment into a report). Refused on every engine; tests run them against OPA too.
SANDBOXED_BUILTINS = re.compile(
    r"(?<![\w.])(http\.send|net\.[A-Za-z_][\w.]*|opa\.runtime|time\.now_ns|rand\.[A-Za-z_]\w*"
    r"|uuid\.rfc4122|crypto\.x509\.parse_and_verify_certificates_with_options)\s*\(")
#: the council's package namespace: a domain's package may not live inside it
RESERVED_PACKAGE = "meshgov"


def check_sandbox(module: RegoModule) -> None:
    """Raise ConfigError (file, line) when a domain's module calls a sandboxed builtin."""
    for n, line in enumerate(_strip(module.text), 1):
        m = SANDBOXED_BUILTINS.search(line)
        if m:
            raise ConfigError(module.path, "", f"a domain's Rego may not call {m.group(1)} "
                              "(no network, environment, clock or randomness in local policies)", line=n)


def check_local_packages(global_files: Sequence[str], local_files: Sequence[str]) -> None:
    """A local package may neither be a global package (it would merge rules into the council's
    policy) nor live in the council's ``meshgov.`` namespace."""
    owned = {}
    for f in global_files:
        m = _PACKAGE.search(Path(f).read_text(encoding="utf-8", errors="replace"))
        if m:
            owned[m.group(1)] = f
    for f in local_files:
        text = Path(f).read_text(encoding="utf-8", errors="replace")
        m = _PACKAGE.search(text)
        if not m:
            continue
        pkg = m.group(1)
        line = text[: m.start()].count("\n") + 1
        if pkg in owned:
            raise ConfigError(f, "", f"package {pkg} is a package of the global pack ({owned[pkg]}): "
                              "a domain's policy may not add rules to the council's", line=line)
        if pkg == RESERVED_PACKAGE or pkg.startswith(RESERVED_PACKAGE + "."):
            raise ConfigError(f, "", f"package {pkg}: the {RESERVED_PACKAGE}.* namespace is the council's; "
                              "name a domain package after the domain (e.g. hr.small_clusters)", line=line)


def _text(v: Any) -> str:
    return " ".join(str(v).split()) if v is not None else ""


def policy_of(module: RegoModule, source: str) -> Policy | None:
    """The Policy a module declares, or None for a library module (no custom.id)."""
    meta = module.metadata
    custom = meta.get("custom") if isinstance(meta.get("custom"), Mapping) else {}
    pid = custom.get("id")
    if not pid:
        return None
    where = module.path
    if not isinstance(pid, str):
        raise ConfigError(where, "METADATA custom.id", "expected a string such as MG-I-001")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(where, "METADATA title", "required: a short title")
    severity = custom.get("severity", "error")
    if severity not in SEVERITIES:
        raise ConfigError(where, "METADATA custom.severity", "expected error, warning or info")
    if "deny" not in module.rules and "warn" not in module.rules:
        raise ConfigError(where, pid, "a policy package defines `deny` and/or `warn` rules")
    types = custom.get("resource_types") or []
    if not isinstance(types, list):
        raise ConfigError(where, "METADATA custom.resource_types", "expected a list of resource types")
    return Policy(
        id=pid.strip(),
        kind="infra",
        title=_text(title),
        severity=severity,
        description=_text(meta.get("description")),
        remediation=_text(custom.get("remediation", meta.get("remediation"))),
        rationale=_text(custom.get("rationale")),
        enforced=bool(custom.get("enforced", False)),
        source=source,  # type: ignore[arg-type]
        rule=f"data.{module.package}",
        scope={"resource_types": [str(t) for t in types]},
        params={},
        origin=where,
        example=str(custom.get("example", "")).rstrip(),
    )


def load_rego_policies(files: Sequence[Path], source: str) -> list[Policy]:
    """Policies declared by the Rego files (the catalog calls this for each pack)."""
    out = []
    for f in files:
        module = read_module(f)
        if source == "local":
            check_sandbox(module)
        p = policy_of(module, source)
        if p is not None:
            out.append(p)
    return out
