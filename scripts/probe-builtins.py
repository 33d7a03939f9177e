#!/usr/bin/env python3
"""Which of OPA's builtins each embedded engine really evaluates -> src/meshgov/infra/engines/builtins.json.

An engine that lacks a builtin may leave a call to it *undefined* without an error, so a rule
using it silently never fires (rego-cpp: ``net.cidr_contains``; regorus: ``http.send``). This
probe calls every builtin of the pinned OPA (``opa capabilities --current``) with arguments of
its declared types, keeps the calls OPA evaluates to a defined value, and evaluates the same
calls in regorus and regopy: a call OPA defines and an engine leaves undefined (or fails to
find) marks the builtin missing in that engine. Run it after upgrading OPA or an engine:

    PATH=.tools/bin:$PATH .venv/bin/python scripts/probe-builtins.py
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/meshgov/infra/engines/builtins.json"
SAMPLES = {
    "string": ['"a"', '"10.0.0.0/8"', '"2020-01-01T00:00:00Z"', '"1.0.0"', '"{}"', '"YQ=="', '"1"',
               '"a.b"', '"10.0.0.1"'],
    "number": ["1", "0", "2"],
    "boolean": ["true"],
    "array": ["[]", '["a"]', "[1]"],
    "object": ["{}", '{"a": 1}'],
    "set": ["set()", '{"a"}'],
    "any": ["1", '"a"', "[]"],
    "null": ["null"],
}
#: the sandboxed builtins stay out of the probe (network, clock, randomness)
SKIP = ("http.send", "net.lookup_ip_addr", "opa.runtime", "time.now_ns", "rand.intn", "uuid.rfc4122",
        "trace", "print", "internal.")


def opaque(literal: str) -> str:
    """The literal as an expression the type checker sees as ``any`` (no static type error)."""
    if literal.startswith("set(") or (literal.startswith("{") and not literal.startswith(("{}", '{"a":'))):
        inner = "[]" if literal == "set()" else "[" + literal[1:-1] + "]"
        return f"{{x | some x in json.unmarshal({json.dumps(inner)})}}"
    return f"json.unmarshal({json.dumps(literal)})"


def candidates(decl: dict) -> list[list[str]]:
    args = decl.get("args") or []
    pools = []
    for a in args:
        t = a.get("type", "any")
        pools.append(SAMPLES.get(t, SAMPLES["any"]) if t != "any" or "of" not in a
                     else sorted({s for o in a["of"] for s in SAMPLES.get(o.get("type", "any"), [])}))
    return [[opaque(x) for x in c] for c in itertools.islice(itertools.product(*pools), 40)]


def main() -> int:
    caps = json.loads(subprocess.run(["opa", "capabilities", "--current"], capture_output=True,
                                     text=True, check=True).stdout)
    version = subprocess.run(["opa", "version"], capture_output=True, text=True, check=True).stdout.split()[1]
    calls: dict[str, list[str]] = {}
    for b in caps["builtins"]:
        name = b["name"]
        if (name.startswith(SKIP) or b.get("infix") or b.get("deprecated")
                or not name[0].isalpha()):
            continue
        calls[name] = [f"{name}({', '.join(c)})" for c in candidates(b.get("decl") or {})]
    # OPA: one module, a rule per call; what it defines is the reference
    lines = ["package probe", "import rego.v1"]
    index: list[tuple[str, str]] = []
    for name, exprs in calls.items():
        for e in exprs:
            index.append((name, e))
            lines.append(f"r{len(index)} := {e}")
    with tempfile.TemporaryDirectory() as tmp:
        mod = Path(tmp) / "probe.rego"
        mod.write_text("\n".join(lines) + "\n")
        out = subprocess.run(["opa", "eval", "-f", "json", "-d", str(mod), "data.probe"],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print((out.stderr or out.stdout)[:3000], file=sys.stderr)
        return 1
    defined = json.loads(out.stdout)["result"][0]["expressions"][0]["value"]
    chosen: dict[str, list[str]] = {}  # every call OPA defines: missing when an engine defines none
    for i, (name, e) in enumerate(index, 1):
        if f"r{i}" in defined:
            chosen.setdefault(name, []).append(e)
    missing = {"regorus": probe_regorus(chosen), "regopy": probe_regopy(chosen)}
    OUT.write_text(json.dumps({
        "opa_version": version, "opa": sorted(b["name"] for b in caps["builtins"]),
        "probed": len(chosen), "missing": {k: sorted(v) for k, v in missing.items()},
    }, indent=1) + "\n")
    print(f"{len(chosen)} builtins probed; missing: "
          + "; ".join(f"{k} {len(v)}" for k, v in missing.items()))
    return 0


def probe_regorus(chosen: dict[str, list[str]]) -> set[str]:
    import hobofan_regorus  # noqa: PLC0415

    def defines(e: str) -> bool:
        eng = hobofan_regorus.Engine()
        try:
            eng.add_policy("p.rego", f"package p\nimport rego.v1\nx := {e}\n")
            raw = eng.eval_rule_as_json("data.p.x")
        except RuntimeError:
            return False
        return raw is not None and raw != '"<undefined>"'

    missing = {"http.send"}  # listed by regorus, undefined in it (the case)
    return missing | {name for name, exprs in chosen.items() if not any(map(defines, exprs))}


def probe_regopy(chosen: dict[str, list[str]]) -> set[str]:
    import regopy  # noqa: PLC0415

    def defines(e: str) -> bool:
        it = regopy.Interpreter()
        try:
            it.add_module("p.rego", f"package p\nimport rego.v1\nx := {e}\n")
            raw = str(it.query("y := data.p.x"))
        except Exception:  # noqa: BLE001 - rego-cpp's errors
            return False
        return "bindings" in raw and not raw.startswith("<error>")

    missing = {"http.send", "net.lookup_ip_addr"}  # sandboxed, not probed: the cases
    return missing | {name for name, exprs in chosen.items() if not any(map(defines, exprs))}


if __name__ == "__main__":
    sys.exit(main())
