"""Embedded Microsoft regorus through the ``hobofan-regorus`` wheel (CPython <= 3.12)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from meshgov.core.errors import EngineError
from meshgov.infra.engines.base import UNDEFINED, parse_json, syntax_error
from meshgov.infra.metadata import RegoModule
from meshgov.infra.pack import PolicyRules

NAME = "regorus"
#: what eval_rule_as_json answers for an undefined rule in hobofan-regorus 0.2.5
UNDEFINED_JSON_TEXT = '"<undefined>"'


def json_encoder() -> Callable[[Any], str]:
    """Compact JSON of an input document: orjson when installed (~7x faster than json on
    resource documents, the same text), json for what orjson refuses (non-str keys, big ints)."""
    encode = json.JSONEncoder(separators=(",", ":")).encode
    try:
        import orjson  # noqa: PLC0415 - optional speed-up (the regorus extra installs it)
    except ImportError:
        return encode
    dumps = orjson.dumps

    def fast(doc: Any) -> str:
        try:
            return dumps(doc).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return encode(doc)

    return fast


def json_decoder() -> Callable[[str], Any]:
    """``json.loads`` of rule results: orjson when installed, json where orjson would differ
    (it reads integers beyond 64 bits as floats)."""
    try:
        import orjson  # noqa: PLC0415 - optional speed-up (the regorus extra installs it)
    except ImportError:
        return json.loads
    fast_loads = orjson.loads
    long_digits = re.compile(r"[0-9]{19}").search

    def loads(text: str) -> Any:
        if long_digits(text):
            return json.loads(text)
        try:
            return fast_loads(text)
        except ValueError:  # orjson.JSONDecodeError: let json say what is wrong
            return json.loads(text)

    return loads


def available() -> bool:
    try:
        import hobofan_regorus  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


#: the [deny, warn] of a policy without results, shared by every answer (read only: the
#: evaluator never mutates an answer; one list per policy and resource would keep the cyclic
#: garbage collector busy on 10,000s of live lists)
_NO_RESULT: list[Any] = [[], []]


class RegorusEngine:
    name = NAME

    def __init__(self, modules: Sequence[RegoModule], data_json: str,
                 expansions: Mapping[str, Sequence[PolicyRules]] | None = None) -> None:
        #: entry rule -> its policies' deny/warn rules, evaluated one by one instead of the entry
        #: rule: regorus 0.2.5 spends ~8 µs resolving each `data.<package>.deny` reference made
        #: from inside a rule, ~2 µs on a direct evaluation (same values, same findings)
        self._expansions = dict(expansions or {})
        try:
            import hobofan_regorus  # noqa: PLC0415 - optional extra, imported on use
        except ImportError:
            raise EngineError("the regorus engine needs `pip install 'meshgov[regorus]'` "
                              "(wheels exist for CPython <= 3.12); use --engine regopy") from None
        self._engine = hobofan_regorus.Engine()
        for m in modules:
            try:
                self._engine.add_policy(m.path, m.text)
            except RuntimeError as exc:
                raise syntax_error(NAME, exc, modules) from None
        self._engine.add_data_json(data_json)
        self._encode = json_encoder()
        self._loads = json_decoder()

    def _eval(self, rule: str) -> Any:
        try:
            out = self._engine.eval_rule_as_json(rule)
        except RuntimeError as exc:
            first = next((l for l in str(exc).splitlines() if l.strip()), "error")
            raise EngineError(f"regorus could not evaluate {rule}: {first}") from None
        if out is None:
            return UNDEFINED
        value = parse_json(out, NAME)
        return UNDEFINED if value is None else value

    def evaluate(self, rules: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        out: list[Any] = []
        append = out.append
        set_input = self._engine.set_input_json
        eval_json = self._engine.eval_rule_as_json
        encode = self._encode
        loads = self._loads
        expansions = self._expansions
        for rule, doc in zip(rules, docs):  # the hot loop: one input per resource
            set_input(encode(doc))
            parts = expansions.get(rule)
            if parts is not None:
                append(self._expanded(parts))
                continue
            try:
                raw = eval_json(rule)
            except RuntimeError:
                append(self._eval(rule))  # re-raise as an EngineError with the message
                continue
            value = loads(raw) if raw is not None else None
            append(UNDEFINED if value is None else value)
        return out

    def _expanded(self, parts: Sequence[PolicyRules]) -> Any:
        """The entry rule's value {policy id: [deny, warn]} from its policies' rules.

        Every policy is listed, with two empty lists when it has no result (as the entry rule
        lists it: the evaluator takes a missing policy for an engine error). Undefined when a
        deny/warn rule is (as the entry rule would be).
        """
        eval_json = self._engine.eval_rule_as_json
        value: dict[str, list[Any]] = {}
        for part in parts:
            pair: list[Any] = _NO_RESULT  # shared, never mutated: no allocation per policy
            for i, rule in ((0, part.deny), (1, part.warn)):
                if rule is None:
                    continue
                try:
                    raw = eval_json(rule)
                except RuntimeError:
                    raw = None
                if raw == "[]":
                    continue
                if raw == UNDEFINED_JSON_TEXT:
                    return UNDEFINED
                got = self._eval(rule) if raw is None else self._loads(raw)
                if got is UNDEFINED:
                    return UNDEFINED
                if pair is _NO_RESULT:
                    pair = [[], []]
                pair[i] = got
            value[part.policy_id] = pair
        return value

    def query(self, rule: str) -> Any:
        self._engine.set_input_json("{}")
        return self._eval(rule)

    def close(self) -> None:
        pass
