"""Unguessable identifiers from the operating system's CSPRNG."""

from __future__ import annotations

import base64
import secrets

_ORDER_BYTES = 16  # 128 random bits


def _token(nbytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(nbytes)).decode().rstrip("=")


class SecureIdGenerator:
    """Order ids like ORDER_<26 base32 chars>: valid Cashfree ids, 128 bits of entropy."""

    def order_id(self) -> str:
        return f"ORDER_{_token(_ORDER_BYTES)}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{_token(_ORDER_BYTES)}"
