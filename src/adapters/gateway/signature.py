"""Cashfree webhook signatures: base64(HMAC-SHA256(secret, timestamp + raw body)).

Computed over the raw bytes exactly as received, compared in constant time, and bounded
by a replay window on the millisecond timestamp Cashfree sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + raw_body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    raw_body: bytes,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True only for a well-formed, fresh timestamp and a matching signature."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    sent_ms = int(timestamp)
    if abs(now.timestamp() * 1000 - sent_ms) > tolerance_seconds * 1000:
        return False
    expected = sign(secret, timestamp, raw_body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
