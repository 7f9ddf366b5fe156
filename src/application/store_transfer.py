"""The ports for moving a store's data to another store, and the record form they share.

A store's data travels as the domain objects themselves: they already carry what only a
store keeps (an order's version and timestamps, a subscription's version, an outbox
message's delivery state and its read time), so no second model of the data is needed.
The record kinds are listed explicitly: what is not listed (the leases processes use to
coordinate, Alembic's version table) is not data and is never copied.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import Protocol, TypeVar

from application.errors import ApplicationError
from domain.accounts import CustomerProfile
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.notifications import OutboxMessage
from domain.order import Order
from domain.referrals import ReferralRecord
from domain.refunds import Refund
from domain.subscriptions import Subscription


class RecordKind(StrEnum):
    """The kinds of data a store holds, in the order they are copied (profiles before the
    orders that name them, orders before what refers to them)."""

    CUSTOMERS = "customers"
    ORDERS = "orders"
    GRANTS = "grants"
    ADJUSTMENTS = "adjustments"
    SUBSCRIPTIONS = "subscriptions"
    REFERRALS = "referrals"
    REFUNDS = "refunds"
    OUTBOX = "outbox"


StoreRecord = (
    CustomerProfile
    | Order
    | CreditEntry
    | LedgerAdjustment
    | Subscription
    | ReferralRecord
    | Refund
    | OutboxMessage
)

RECORD_TYPES: dict[RecordKind, type[StoreRecord]] = {
    RecordKind.CUSTOMERS: CustomerProfile,
    RecordKind.ORDERS: Order,
    RecordKind.GRANTS: CreditEntry,
    RecordKind.ADJUSTMENTS: LedgerAdjustment,
    RecordKind.SUBSCRIPTIONS: Subscription,
    RecordKind.REFERRALS: ReferralRecord,
    RecordKind.REFUNDS: Refund,
    RecordKind.OUTBOX: OutboxMessage,
}

R = TypeVar("R", bound=StoreRecord)


def records_of(kind: type[R], records: Sequence[StoreRecord]) -> list[R]:
    """`records` as the type their kind names; TypeError for anything else."""
    typed: list[R] = []
    for record in records:
        if not isinstance(record, kind):
            raise TypeError(f"expected {kind.__name__}, got {type(record).__name__}")
        typed.append(record)
    return typed


def record_key(record: StoreRecord) -> str:
    """The key that makes a record unique within its kind (what insert-or-ignore uses)."""
    if isinstance(record, CustomerProfile):
        return record.customer_id
    if isinstance(record, Order | CreditEntry | ReferralRecord):
        return record.order_id
    if isinstance(record, LedgerAdjustment):
        return record.entry_id
    if isinstance(record, Subscription):
        return f"{record.customer_id}\x1f{record.kind}"
    if isinstance(record, Refund):
        return record.refund_id
    return record.message_id


class TargetNotEmpty(ApplicationError):
    """A copy into a store that already holds data, without merge."""


class DuplicateRecord(ApplicationError):
    """A record whose key the target already holds, written without merge."""

    def __init__(self, kind: RecordKind, key: str | None = None) -> None:
        which = f"{kind.value} {key!r}" if key is not None else f"some of these {kind.value}"
        super().__init__(f"the target already holds {which}")
        self.kind = kind
        self.key = key


class StoreExport(Protocol):
    """Every record of a store, kind by kind, in a stable order (by key), in batches."""

    async def count(self, kind: RecordKind) -> int:
        """How many records of `kind` the store holds now."""
        ...

    def batches(self, kind: RecordKind, size: int) -> AsyncIterator[list[StoreRecord]]:
        """The records of `kind` by key, at most `size` at a time. Each batch reads
        committed data; a store written to meanwhile may yield a mix of before and after."""
        ...


class StoreImport(Protocol):
    """Writes whole records, as they are, into a store."""

    async def is_empty(self) -> bool:
        """True when the store holds no record of any kind."""
        ...

    async def write(self, kind: RecordKind, records: Sequence[StoreRecord], *, merge: bool) -> int:
        """Insert the records in one transaction, keeping every field (versions, times,
        delivery state). A record whose key the store holds already raises
        DuplicateRecord (nothing written), or with `merge` is left as the store has it.
        Returns how many were inserted."""
        ...


class StoreTransfer(StoreExport, StoreImport, Protocol):
    """A store's data, to read out and to write in (`Store.transfer()`)."""
