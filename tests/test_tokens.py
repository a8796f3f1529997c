"""Token escapes are a display convention (clause 5.3.1): decode and encode are inverses."""

from __future__ import annotations

import pytest
from hypothesis import given

from migcompat._values import decode_token, encode_token
from strategies import tokens


@given(tokens(long=False))
def test_encode_inverts_decode(token: str) -> None:
    assert encode_token(decode_token(token)) == token


def test_display_names() -> None:
    assert decode_token("GRID%20T4-2Q") == "GRID T4-2Q"
    assert encode_token("GRID T4-2Q") == "GRID%20T4-2Q"
    assert encode_token("a,b=c") == "a%2Cb%3Dc"


@pytest.mark.parametrize("text", ["caf\u00e9", "tab\there", "123", "1.2", ".x", "x.", "a..b"])
def test_text_no_token_can_carry(text: str) -> None:
    with pytest.raises(ValueError, match=r"token|cannot appear"):
        encode_token(text)
