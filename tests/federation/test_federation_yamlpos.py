from __future__ import annotations

from meshgov.core.yamlpos import find_item_with, origin_position, parse_key, position

DOC = """\
domain: hr
policies:
  params: {infra.warehouse.max_size: Large}
  disable:
    - A
    - B
waivers:
  - policy: X
    subject: a.sql
  -   policy: Y
      subject: b.sql
"""


def test_parse_key():
    assert parse_key("waivers[2]") == ["waivers", 2]
    assert parse_key("policies.disable[0]") == ["policies", "disable", 0]
    assert parse_key("a[1][2]") == ["a", 1, 2]


def test_positions(tmp_path):
    p = tmp_path / "meshgov.yaml"
    p.write_text(DOC)
    assert position(p, ["policies", "params", "infra.warehouse.max_size"]) == (3, 12)
    assert position(p, ["policies", "disable", 1]) == (6, 7)
    assert position(p, ["waivers", 1]) == (10, 7)
    assert origin_position(f"{p}#waivers[0]") == (str(p), (8, 5))
    assert position(p, ["waivers", 5]) is None and position(p, ["nope"]) is None
    assert position(p, ["domain", "x"]) is None
    assert find_item_with(p, "waivers", "policy", "Y") == (10, 7)
    p.write_text("a: [unclosed\n")
    assert position(p, ["a"]) is None
    assert position(tmp_path / "missing.yaml", ["a"]) is None
