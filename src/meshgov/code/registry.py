"""The explicit registry of code rules.

A code *rule* is the behaviour (one module under ``meshgov.code.rules``); a code *policy* in a
pack names a rule, gives it an id, a severity and its own ``params``. The engine knows no
concrete rule: it asks this registry.

Adding a rule: write ``meshgov/code/rules/<name>.py`` defining ``RULE = Rule(...)``, add one
line to :data:`RULES`, and a case file ``tests/code/rules/<name>.yaml``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from meshgov.core.errors import ConfigError

if TYPE_CHECKING:
    from meshgov.code.document import CodeDocument
    from meshgov.core.context import EvalContext
    from meshgov.core.model import Policy

#: rule key -> module defining ``RULE``
RULES: Mapping[str, str] = {
    "naming": "meshgov.code.rules.naming",
    "select_star": "meshgov.code.rules.select_star",
    "three_level_names": "meshgov.code.rules.three_level_names",
    "cross_domain": "meshgov.code.rules.cross_domain",
    "cross_domain_write": "meshgov.code.rules.cross_domain_write",
    "forbidden_functions": "meshgov.code.rules.forbidden_functions",
    "grants": "meshgov.code.rules.grants",
    # dbt rules read CodeDocument.dbt (types dbt_model and dbt_node), see rules/dbt_common.py
    "dbt_description": "meshgov.code.rules.dbt_description",
    "dbt_owner": "meshgov.code.rules.dbt_owner",
    "dbt_required_tags": "meshgov.code.rules.dbt_required_tags",
    "dbt_pii_classified": "meshgov.code.rules.dbt_pii_classified",
    "dbt_public_contract": "meshgov.code.rules.dbt_public_contract",
}


@dataclass(frozen=True)
class Param:
    """A rule parameter: its type(s), default and meaning (shown by `meshgov policy show`)."""

    types: tuple[type, ...]
    default: Any
    help: str = ""
    #: name of a global catalog parameter used when the policy does not set this one
    global_param: str | None = None


@dataclass(frozen=True)
class Violation:
    message: str
    line: int | None = None
    column: int | None = None
    #: the matched content (table name, statement text...) - fingerprints use it, not the line
    content: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: overrides the document's subject ref (e.g. a dbt model name)
    subject_ref: str | None = None
    #: at most this severity (a rule's "cannot be checked" notes are warnings), never above
    #: the policy's
    severity_cap: str | None = None


Check = Callable[["CodeDocument", "Policy", "EvalContext"], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    key: str
    summary: str
    check: Check
    #: input types the rule reads: sql, dbt_model (SQL statements), dbt_node (dbt metadata)
    applies_to: frozenset[str] = frozenset({"sql", "dbt_model"})
    params: Mapping[str, Param] = field(default_factory=dict, hash=False)
    example: str = ""

    def param(self, policy: Policy, name: str, ctx: EvalContext | None = None) -> Any:
        """The policy's value, else the global catalog parameter, else the rule default."""
        if name in policy.params:
            return policy.params[name]
        spec = self.params[name]
        if spec.global_param and ctx is not None and spec.global_param in ctx.catalog.params:
            return ctx.catalog.params[spec.global_param]
        return spec.default


@lru_cache(maxsize=None)
def get_rule(key: str) -> Rule:
    module = importlib.import_module(RULES[key])
    rule: Rule = module.RULE
    return rule


def validate_policy(
    rule_key: Any, extra: Mapping[str, Any], shown: str, key: str
) -> tuple[str, dict[str, Any]]:
    """Validate a code policy entry from a pack: known rule, known params of the right type."""
    if not isinstance(rule_key, str) or rule_key not in RULES:
        raise ConfigError(
            shown, f"{key}.rule", f"expected a code rule, one of: {', '.join(sorted(RULES))}"
        )
    unknown = set(extra) - {"params"}
    if unknown:
        raise ConfigError(shown, f"{key}.{sorted(unknown)[0]}", "unknown key for a code policy")
    params = extra.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(shown, f"{key}.params", "expected a mapping")
    rule = get_rule(rule_key)
    for name, value in params.items():
        spec = rule.params.get(name)
        if spec is None:
            allowed = ", ".join(sorted(rule.params)) or "none"
            raise ConfigError(shown, f"{key}.params.{name}",
                              f"unknown parameter of rule {rule_key}; expected: {allowed}")
        if not isinstance(value, spec.types) or (isinstance(value, bool) and bool not in spec.types):
            names = " or ".join(t.__name__ for t in spec.types)
            raise ConfigError(shown, f"{key}.params.{name}", f"expected {names}")
    return rule_key, dict(params)
