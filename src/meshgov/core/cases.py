"""One rule-case format for every kind of policy, and the runner ``meshgov policy test`` uses.

A case file (``*.cases.yaml`` anywhere in a policy pack or a domain's local policy folder)
exercises one policy with inputs and the findings they must give::

    policy: ACME-C-001              # the policy under test (from the packs in force)
    domain: {domain: sales, catalogs: [sales_prod]}   # optional: who runs the cases
    cases:
      - name: lower-case table names fail
        sql: select id from sales_prod.raw.orders     # code: SQL text (path: optional)
        expect: [{line: 1, column: 16}]
      - name: a small warehouse passes
        resource: {type: warehouse, spec: {cluster_size: Small}}   # infra: a normalized resource
        expect: []
      - name: negative employee numbers fail
        table: {columns: [Emp_Num], rows: [[1], [-2]]}             # data: rows of the bound table
        expect: [{unexpected_count: 1}]

An expected finding matches a finding of the policy on every key it names: ``line``,
``column`` (or ``col``), ``path``, ``subject`` (the subject's ref), ``severity``, ``message``
(a substring), anything else a key of the finding's evidence. The case passes when every
expected finding matches a distinct finding and no finding is left over (``expect: []``: the
policy finds nothing); ``[line, column]`` is short for ``{line: .., column: ..}``, a string
for ``{field: ..}`` (the attribute an infra finding names).
``policy:`` may also be a policy written inline, as a policy file holds it (``{id, kind:
code|data, rule, ...}``): each case's own ``params`` are merged into it and it is validated
like a policy file's entry, so a rule can be tried before any pack holds it.
An input at the top of the file (``table: {...}``) is the input of every case that gives
none. ``params:`` (file or case) override parameters (dotted names: the pack's; others: the
policy's own); ``domain:`` (file or case) says who runs the cases (meshgov.yaml keys).
``policy`` (an id: ``MG-INPUT`` for an input meshgov cannot read) is a key an expected
finding can name too; without it, the policy's findings and MG-INPUT are matched.
The runner knows no kind: each input key names the module that evaluates it (:data:`INPUTS`);
``settings`` given per input key reach that module (e.g. the database data cases run in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshgov.core.errors import MeshgovError, UsageError
from meshgov.core.lazy import load
from meshgov.core.model import Finding, Policy

if TYPE_CHECKING:
    from meshgov.core.catalog import Catalog
    from meshgov.core.config import DomainConfig

CASE_SUFFIXES = (".cases.yaml", ".cases.yml")

#: input key of a case -> "module:function" evaluating it:
#: (value, policy, config, catalog, settings) -> the policy's findings; the catalog holds the
#: case's policy alone, with the case's params applied
INPUTS: Mapping[str, str] = {
    "sql": "meshgov.code.cases:run_case",
    "dbt": "meshgov.code.cases:run_dbt_case",
    "resource": "meshgov.infra.cases:run_case",
    "table": "meshgov.data.cases:run_case",
    "tables": "meshgov.data.cases:run_tables_case",
}
_LOCATION_KEYS = {"line": "line", "column": "column", "col": "column", "path": "path"}


@dataclass(frozen=True)
class Case:
    name: str
    input: str  # the input key (sql, resource, table)
    value: Any = field(hash=False)
    expect: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    line: int = 0  # where the case starts in its file
    #: who runs this case (meshgov.yaml keys), instead of the file's or the config's domain
    domain: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class CaseFile:
    path: Path
    policy: str  # its id
    cases: tuple[Case, ...]
    domain: Mapping[str, Any] | None = field(default=None, hash=False)
    #: the policy written in the file (a policy file's entry), instead of one of the packs'
    inline: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class CaseResult:
    path: Path
    policy: str
    case: Case
    missing: tuple[Mapping[str, Any], ...] = ()  # expected findings not found
    extra: tuple[Finding, ...] = ()  # findings no expectation accounts for
    error: str | None = None  # the case could not run
    found: tuple[Finding, ...] = ()  # every finding compared

    @property
    def passed(self) -> bool:
        return self.error is None and not self.missing and not self.extra


def load_case_file(path: Path) -> CaseFile:
    """Read and check one case file; a malformed one raises UsageError naming file:line."""
    from meshgov.core.yamlio import YamlError, load_file  # noqa: PLC0415
    from meshgov.core.yamlpos import position  # noqa: PLC0415

    try:
        doc = load_file(path)
    except (OSError, YamlError) as exc:
        raise UsageError(f"{path}: not a readable case file: {exc}") from None
    lines: dict[tuple[str, int], int] = {}
    if isinstance(doc, Mapping) and isinstance(doc.get("cases"), list):
        for i in range(len(doc["cases"])):
            pos = position(path, ["cases", i])
            lines[("cases", i)] = pos[0] if pos else 0
    if not isinstance(doc, Mapping) or not isinstance(doc.get("cases"), list) or \
            _policy_id(doc.get("policy")) is None:
        raise UsageError(f"{path}:1: a case file needs `policy:` (an id, or a policy written "
                         "inline with its `id`) and a `cases:` list")
    inline = doc["policy"] if isinstance(doc["policy"], Mapping) else None
    if inline is not None and inline.get("kind") not in ("code", "data"):
        raise UsageError(f"{path}:1: a policy written inline is `kind: code` or `kind: data` "
                         "(infra policies are Rego: name one of the pack's by its id)")
    shared = doc.get("params") or {}
    shared_inputs = {k: doc[k] for k in INPUTS if k in doc}
    if len(shared_inputs) > 1:
        raise UsageError(f"{path}:1: a file gives at most one input for all its cases")
    cases = []
    for i, raw in enumerate(doc["cases"]):
        where = f"{path}:{lines.get(('cases', i), 0)}"
        if not isinstance(raw, Mapping):
            raise UsageError(f"{where}: a case is a mapping with name, an input and expect")
        keys = [k for k in INPUTS if k in raw]
        source: Mapping[str, Any] = raw
        if not keys and len(shared_inputs) == 1:  # the file's input, for every case
            keys, source = list(shared_inputs), shared_inputs
        if len(keys) != 1:
            raise UsageError(f"{where}: a case needs exactly one input of {', '.join(INPUTS)} "
                             "(its own, or the file's)")
        expect = raw.get("expect")
        if not isinstance(expect, list) or not all(_expected(e) is not None for e in expect):
            raise UsageError(f"{where}: `expect:` is a list of expected findings ([] for none): "
                             "mappings, or [line, column]")
        params = raw.get("params") or {}
        if not isinstance(params, Mapping) or not isinstance(shared, Mapping):
            raise UsageError(f"{where}: `params:` is a mapping")
        domain = raw.get("domain")
        if domain is not None and not isinstance(domain, Mapping):
            raise UsageError(f"{where}: `domain:` is a mapping of meshgov.yaml keys")
        cases.append(Case(name=str(raw.get("name") or f"case {i + 1}"), input=keys[0],
                          value=source[keys[0]], expect=tuple(_expected(e) for e in expect),
                          params={**shared, **params}, line=lines.get(("cases", i), 0),
                          domain=dict(domain) if domain is not None else None))
    domain = doc.get("domain")
    return CaseFile(path=path, policy=_policy_id(doc["policy"]) or "", cases=tuple(cases),
                    domain=dict(domain) if isinstance(domain, Mapping) else None,
                    inline=dict(inline) if inline is not None else None)


def _policy_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _expected(item: Any) -> dict[str, Any] | None:
    """An expected finding: a mapping, the ``[line, column]`` shorthand, or a string: the
    attribute path an infra finding names (its ``field``)."""
    if isinstance(item, Mapping):
        return dict(item)
    if isinstance(item, str) and item:
        return {"field": item}
    if isinstance(item, list) and len(item) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in item):
        return {"line": item[0], "column": item[1]}
    return None


def find_case_files(dirs: Iterable[Path]) -> list[Path]:
    """Every ``*.cases.yaml`` under the given pack / local policy directories, sorted."""
    out: set[Path] = set()
    for d in dirs:
        if d.is_file():
            d = d.parent
        if not d.is_dir():
            continue
        for suffix in CASE_SUFFIXES:
            out.update(p.resolve() for p in d.rglob(f"*{suffix}"))
    return sorted(out)


def matches(expected: Mapping[str, Any], f: Finding) -> bool:
    for key, want in expected.items():
        if key in _LOCATION_KEYS:
            got: Any = getattr(f.location, _LOCATION_KEYS[key])
        elif key == "subject":
            got = f.subject.ref
        elif key == "severity":
            got = f.severity
        elif key == "policy":
            got = f.policy_id
        elif key == "message":
            if str(want) not in f.message:
                return False
            continue
        else:
            got = f.evidence.get(key)
        if got != want:
            return False
    return True


def compare(expect: Sequence[Mapping[str, Any]], findings: Sequence[Finding]
            ) -> tuple[tuple[Mapping[str, Any], ...], tuple[Finding, ...]]:
    """(expected findings not found, findings left over); the most specific first."""
    left = list(findings)
    missing = []
    for e in sorted(expect, key=lambda e: -len(e)):
        hit = next((f for f in left if matches(e, f)), None)
        if hit is None:
            missing.append(e)
        else:
            left.remove(hit)
    return tuple(missing), tuple(left)


def run_case_file(cf: CaseFile, config: DomainConfig, catalog: Catalog,
                  catalog_for: Callable[[DomainConfig], Catalog] | None = None,
                  settings: Mapping[str, Mapping[str, Any]] | None = None) -> list[CaseResult]:
    """Run every case of the file against its policy as the config's catalog defines it (or
    the file's ``domain:``, merged over the config, through ``catalog_for``). With
    ``settings`` (per input key), only the cases of those inputs run, each given its key's."""
    if cf.domain is not None:
        config = _with_domain(config, cf.domain)
        if catalog_for is not None:
            catalog = catalog_for(config)
    out = []
    for case in cf.cases:
        if settings is not None and case.input not in settings:
            continue
        case_config, case_catalog = config, catalog
        if case.domain is not None and catalog_for is not None:
            case_config = _with_domain(config, case.domain)
            case_catalog = catalog_for(case_config)
        try:
            resolved = case_policy(cf, case, case_catalog)
        except MeshgovError as exc:
            out.append(CaseResult(cf.path, cf.policy, case, error=str(exc)))
            continue
        if resolved is None:
            out.append(CaseResult(cf.path, cf.policy, case,
                                  error=f"policy {cf.policy} is not in force here"))
            continue
        policy, case_catalog = resolved
        try:
            run = load(INPUTS[case.input])
            found = [f for f in run(case.value, policy, case_config, case_catalog,
                                    (settings or {}).get(case.input) or {})
                     if f.policy_id in (policy.id, "MG-INPUT")]
        except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others
            out.append(CaseResult(cf.path, cf.policy, case, error=f"{type(exc).__name__}: {exc}"))
            continue
        missing, extra = compare(case.expect, found)
        out.append(CaseResult(cf.path, cf.policy, case, missing=missing, extra=extra,
                              found=tuple(found)))
    return out


def case_policy(cf: CaseFile, case: Case, catalog: Catalog) -> tuple[Policy, Catalog] | None:
    """The policy a case runs and the catalog it runs in (that policy alone, the case's
    params applied: dotted names are catalog parameters, the others the policy's own); None
    when the policy is not in force. An inline policy is validated with the case's own params
    merged (ConfigError when they are wrong)."""
    own = {k: v for k, v in case.params.items() if "." not in k}
    shared = {k: v for k, v in case.params.items() if "." in k}
    from meshgov.core.catalog import policy_from_entry, with_params  # noqa: PLC0415

    if cf.inline is not None:
        policy = policy_from_entry({**cf.inline, **own}, f"{cf.path}:{case.line}")
    else:
        found = catalog.policies.get(cf.policy)
        if found is None:
            return None
        policy = with_params(found, **own) if own else found
    if shared:
        catalog = replace(catalog, params={**catalog.params, **shared})
    return policy, replace(catalog, policies={policy.id: policy})


def _with_domain(config: DomainConfig, domain: Mapping[str, Any]) -> DomainConfig:
    from meshgov.core.config import parse_config  # noqa: PLC0415

    raw: dict[str, Any] = {"policies": {"packs": list(config.policies.packs),
                                        "local": list(config.policies.local)}}
    raw.update(domain)
    parsed = parse_config(raw, config.path or config.root / "meshgov.yaml")
    return replace(parsed, root=config.root)


def describe(f: Finding) -> str:
    from meshgov.report.sections import where  # noqa: PLC0415

    return f"{f.policy_id} at {where(f)}: {f.message}"


def pack_dirs(config: DomainConfig) -> list[Path]:
    """The directories of the packs and local policies in force (not the builtin pack: its
    cases are meshgov's own tests)."""
    return [Path(p) for p in (*config.policies.packs, *config.policies.local) if p != "builtin"]


def cases_command(*, config: DomainConfig, catalog_for: Callable[[DomainConfig], Catalog],
                  verbose: bool, echo: Callable[[str], None],
                  variants: Sequence[tuple[str, Mapping[str, Mapping[str, Any]]]] = ()
                  ) -> tuple[int, int]:
    """Run every case file of the packs in force: print FAIL lines (and PASS with
    ``verbose``) -> (cases run, cases failed). Each variant (label, settings per input key)
    runs the cases of its inputs again with those settings. A malformed case file raises
    UsageError."""
    files = find_case_files(pack_dirs(config))
    if not files:
        return 0, 0
    catalog = catalog_for(config)
    case_files = [load_case_file(path) for path in files]
    results: list[tuple[str, CaseResult]] = []
    for label, settings in [("", None), *variants]:
        for cf in case_files:
            results.extend((label, r) for r in run_case_file(cf, config, catalog, catalog_for,
                                                             settings))
    for label, r in results:
        if r.passed and not verbose:
            continue
        echo(f"{_shown(r.path)}:{r.case.line}: {r.policy} {r.case.name}{label}: "
             f"{'PASS' if r.passed else 'FAIL'}")
        if r.error:
            echo(f"  could not run: {r.error}")
        for e in r.missing:
            echo(f"  expected, not found: {dict(e)}")
        for f in r.extra:
            echo(f"  found, not expected: {describe(f)}")
    failed = sum(1 for _, r in results if not r.passed)
    return len(results), failed


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
