"""The regorus engine's input encoder: the same JSON text as the json module, whatever it gets."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from meshgov.infra.engines.regorus_engine import json_encoder

ENCODE = json_encoder()
REFERENCE = json.JSONEncoder(separators=(",", ":")).encode

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_same_document_as_json(doc: object) -> None:
    assert json.loads(ENCODE(doc)) == json.loads(REFERENCE(doc))


def test_what_orjson_refuses_goes_through_json() -> None:
    doc = {"spec": {1: "int key", "big": 2**70}, "type": "cluster"}
    assert ENCODE(doc) == REFERENCE(doc)


def test_results_decode_like_json_even_beyond_64_bit_integers() -> None:
    from meshgov.infra.engines.regorus_engine import json_decoder

    loads = json_decoder()
    for text in ('[{"msg":"x","n":1.5}]', '{"big":123456789012345678901234567890}', "[]"):
        assert loads(text) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(JSONISH | st.integers())
def test_any_result_decodes_like_json(doc: object) -> None:
    from meshgov.infra.engines.regorus_engine import json_decoder

    text = json.dumps(doc)
    assert json_decoder()(text) == json.loads(text)
