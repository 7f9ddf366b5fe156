"""Unguessable identifiers from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32
# Ten bits (two characters) per look-up: base64.b32encode is pure Python on 3.11, and
# every request takes an id (its request id).
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]
_SHIFTS = range(120, -1, -10)


def _token() -> str:
    """128 random bits as 26 base32 characters, as b32encode(...).rstrip("=") writes them
    (the bits padded with two zeros to 130)."""
    value = int.from_bytes(secrets.token_bytes(16)) << 2
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


class SecureIdGenerator:
    """Order ids like ORDER_<26 base32 chars>: valid Cashfree ids, 128 bits of entropy."""

    def order_id(self) -> str:
        return f"ORDER_{_token()}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{_token()}"
