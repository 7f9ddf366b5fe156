"""Ids are RFC 4648 base32 of 128 random bits, whatever the encoding is built from."""

from __future__ import annotations

import base64
import re

import pytest

from adapters import ids
from adapters.ids import SecureIdGenerator


@pytest.mark.parametrize(
    "raw", [bytes(16), b"\xff" * 16, bytes(range(16)), bytes(range(240, 256)), b"\x80" + bytes(15)]
)
def test_a_token_is_the_base32_of_its_bytes_without_padding(
    raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda n: raw[:n])
    assert ids._token() == base64.b32encode(raw).decode().rstrip("=")


def test_ids_carry_their_prefix_and_differ() -> None:
    generator = SecureIdGenerator()
    made = {generator.order_id() for _ in range(100)} | {generator.new_id("req")}
    assert len(made) == 101
    assert all(re.fullmatch(r"(ORDER|req)_[A-Z2-7]{26}", made_id) for made_id in made)
