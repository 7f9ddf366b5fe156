"""Cashfree's wire format, shared by the simulator and any client of Cashfree's API.

Amounts are `Decimal` on both sides: written as exact JSON numbers (never through a
float, which is refused) and read back with `parse_float=Decimal`. Times are ISO 8601
with an offset, written in IST as Cashfree writes them. Webhooks are signed with
base64(HMAC-SHA256(client secret, x-webhook-timestamp + raw body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _string
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")
# Built once: `json.loads` with a keyword builds a decoder and its scanner on every call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


def dumps(value: object) -> bytes:
    """Serialize once, compactly; the bytes are what is signed and sent."""
    return _encode(value).encode()


def _encode(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("floats are not allowed on Cashfree's wire: use Decimal")
    if isinstance(value, Mapping):
        items = (_string(str(key)) + ":" + _encode(item) for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return json.dumps(value)


def loads(raw: bytes | str) -> Any:
    """Parse JSON with every number that has a fraction as `Decimal`; ValueError if not JSON
    (bytes in any encoding `json.loads` reads, undecodable bytes included)."""
    if not isinstance(raw, str):
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
    return _DECODER.decode(raw)


def fingerprint(value: object) -> str:
    """A canonical text of a request body, to compare bodies under one idempotency key."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def format_time(moment: datetime) -> str:
    return moment.astimezone(IST).isoformat(timespec="seconds")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with its offset ("Z", "+05:30"); ValueError without one."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    """The x-webhook-signature of `raw_body` sent with `timestamp` (milliseconds)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + raw_body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()
