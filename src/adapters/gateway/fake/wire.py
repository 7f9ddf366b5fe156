"""Cashfree's wire format: JSON numbers for amounts, ISO-8601 times in IST.

Amounts stay `Decimal` inside the simulator. On the way out a two-place `Decimal` is
written through `float`'s shortest round-trip repr, which prints exactly the same digits,
and readers parse numbers back with `parse_float=Decimal`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: object) -> bytes:
    """Serialize once; the bytes are what is signed and sent."""
    return json.dumps(value, default=_plain, separators=(",", ":")).encode()


def loads(raw: bytes | str) -> Any:
    return json.loads(raw, parse_float=Decimal)


def fingerprint(value: object) -> str:
    """A canonical text of a request body, to compare bodies under one idempotency key."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def format_time(moment: datetime) -> str:
    return moment.astimezone(IST).isoformat(timespec="seconds")


def parse_time(text: str) -> datetime:
    """Any ISO-8601 time with an offset ("Z", "+05:30", "T" or a space)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=IST)
    return moment
