"""The setSpec a journal or issue gets is one the protocol accepts: both follow
pipeline.oai.protocol's one definition of OAI-PMH.xsd's setSpec characters."""

from __future__ import annotations

import pytest

from pipeline.oai import protocol
from pipeline.oai.sets import set_spec_component


@pytest.mark.parametrize("text, expected", [
    ("tjh", "tjh"),
    ("12-3", "12-3"),
    ("a b/c:d", "a_b_c_d"),       # space, slash and the hierarchy separator are not allowed
    ("Şehir", "_ehir"),           # nor anything outside ASCII
    ("(x)!~*'.", "(x)!~*'."),     # the unreserved marks are
    ("", "_"),
])
def test_set_spec_components(text, expected):
    assert set_spec_component(text) == expected
    assert protocol.SET_SPEC.fullmatch(expected)
    assert protocol.SET_SPEC.fullmatch(f"tjh:{expected}")
    assert not protocol.SET_SPEC.fullmatch(f"tjh:{text}:") and not protocol.SET_SPEC.fullmatch(":" + expected)
