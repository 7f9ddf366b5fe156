"""Counts and content checksums of a store's records, table by table, to prove a copy.

Each record is written in one canonical form whatever store it came from: JSON with
sorted keys, Decimal as its string ("499.00"), datetimes as ISO 8601 in UTC, durations in
whole microseconds, enums by value, and only the fields that make up its content (what
`==` compares; an aggregate's pending events are not content). A table's checksum is
the sum, modulo 2**256, of the SHA-256 of its records' canonical forms: it does not
depend on the order records are read in (stores sort keys differently), and a single
changed, missing or extra record changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import cast

from application.store_transfer import RecordKind, StoreRecord
from domain.order import Order
from domain.subscriptions import Subscription

_MICROSECOND = timedelta(microseconds=1)
_MODULUS = 2**256

ATTEMPTS_TABLE = "payment_attempts"
PERIODS_TABLE = "subscription_periods"
TABLES = (
    RecordKind.CUSTOMERS.value,
    RecordKind.ORDERS.value,
    ATTEMPTS_TABLE,
    RecordKind.GRANTS.value,
    RecordKind.ADJUSTMENTS.value,
    RecordKind.SUBSCRIPTIONS.value,
    PERIODS_TABLE,
    RecordKind.REFERRALS.value,
    RecordKind.REFUNDS.value,
    RecordKind.OUTBOX.value,
)
"""The tables a digest reports: every record kind, and the attempts and periods inside
orders and subscriptions counted on their own."""

Plain = str | int | bool | None | list["Plain"] | dict[str, "Plain"]


def plain(value: object) -> Plain:
    """`value` as JSON-ready data in the canonical form (see the module docstring)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return cast(Plain, value)
    names = _content_fields(kind)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("a stored time must be timezone-aware")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Subscription):
        return {
            "customer_id": value.customer_id,
            "kind": value.kind,
            "version": value.version,
            "periods": [plain(period) for period in value.periods],
        }
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, timedelta):
        return value // _MICROSECOND
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"no canonical form for {kind.__name__}")


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _content_fields(kind: type) -> tuple[str, ...] | None:
    """A dataclass's fields that make up its content (those `==` compares), else None;
    worked out once per type."""
    if kind not in _FIELDS:
        _FIELDS[kind] = (
            tuple(f.name for f in fields(kind) if f.compare) if is_dataclass(kind) else None
        )
    return _FIELDS[kind]


def _dumps(value: Plain) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: object) -> str:
    return _dumps(plain(value))


@dataclass
class TableDigest:
    count: int = 0
    total: int = 0

    def add(self, line: str) -> None:
        digest = hashlib.sha256(line.encode()).digest()
        self.count += 1
        self.total = (self.total + int.from_bytes(digest, "big")) % _MODULUS

    @property
    def checksum(self) -> str:
        return f"{self.total:064x}"


class StoreDigest:
    """The digests of every table, fed one record at a time."""

    def __init__(self) -> None:
        self.tables = {table: TableDigest() for table in TABLES}

    def add(self, kind: RecordKind, record: StoreRecord) -> None:
        form = plain(record)
        self.tables[kind.value].add(_dumps(form))
        assert isinstance(form, dict)
        if isinstance(record, Order):
            for position, attempt in enumerate(_items(form["attempts"])):
                self.tables[ATTEMPTS_TABLE].add(_dumps([record.order_id, position, attempt]))
        elif isinstance(record, Subscription):
            owner: list[Plain] = [record.customer_id, record.kind]
            for position, period in enumerate(_items(form["periods"])):
                self.tables[PERIODS_TABLE].add(_dumps([*owner, position, period]))


def _items(value: Plain) -> list[Plain]:
    assert isinstance(value, list)
    return value
