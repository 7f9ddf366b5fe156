"""Reading out and writing in whole records for the stores that keep their state in
process memory (memory, JSON journal).

Export takes each kind's records, sorted by key, in one read of the committed state (the
JSON store catches up with the files first), then hands them out in batches: the state is
in memory anyway, so a sorted list of references costs little and every batch comes from
one consistent moment. Import stages a batch in one unit of work, so the JSON journal
writes it as one transaction line and it is durable when `write` returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from adapters.store.detached import detached
from adapters.store.staged import StagedUnitOfWork
from adapters.store.staged_refunds import detached_refund
from adapters.store.state import StoreState
from application.store_transfer import (
    RECORD_TYPES,
    DuplicateRecord,
    RecordKind,
    StoreRecord,
    record_key,
    records_of,
)
from domain.order import Order
from domain.refunds import Refund
from domain.subscriptions import Subscription

# The StoreState (and Changes) table each kind lives in.
_TABLES = {
    RecordKind.CUSTOMERS: "customers",
    RecordKind.ORDERS: "orders",
    RecordKind.GRANTS: "credits",
    RecordKind.ADJUSTMENTS: "adjustments",
    RecordKind.SUBSCRIPTIONS: "subscriptions",
    RecordKind.REFERRALS: "referrals",
    RecordKind.REFUNDS: "refunds",
    RecordKind.OUTBOX: "outbox",
}


def _table(state: Any, kind: RecordKind) -> dict[Any, Any]:
    table: dict[Any, Any] = getattr(state, _TABLES[kind])
    return table


def _state_key(record: StoreRecord) -> Any:
    """The key the state's table uses (subscriptions: the (customer, kind) pair)."""
    if isinstance(record, Subscription):
        return (record.customer_id, record.kind)
    return record_key(record)


def _copy(record: StoreRecord) -> StoreRecord:
    """A copy no one can change the stored record through (the others are immutable)."""
    if isinstance(record, Order):
        return detached(record)
    if isinstance(record, Subscription):
        return record.copy()
    if isinstance(record, Refund):
        return detached_refund(record)
    return record


class StateTransfer:
    """`read` lends the committed state as the store's reports see it; `unit_of_work`
    opens one of the store's units of work."""

    def __init__(
        self,
        read: Callable[[], AbstractAsyncContextManager[StoreState]],
        unit_of_work: Callable[[], StagedUnitOfWork],
    ) -> None:
        self._read = read
        self._unit_of_work = unit_of_work

    async def count(self, kind: RecordKind) -> int:
        async with self._read() as state:
            return len(_table(state, kind))

    async def batches(self, kind: RecordKind, size: int) -> AsyncIterator[list[StoreRecord]]:
        if size < 1:
            raise ValueError("size must be at least 1")
        async with self._read() as state:
            table = _table(state, kind)
            records: list[StoreRecord] = [table[key] for key in sorted(table)]
        for start in range(0, len(records), size):
            yield [_copy(record) for record in records[start : start + size]]

    async def is_empty(self) -> bool:
        async with self._read() as state:
            return not any(_table(state, kind) for kind in RecordKind)

    async def write(self, kind: RecordKind, records: Sequence[StoreRecord], *, merge: bool) -> int:
        typed = records_of(RECORD_TYPES[kind], records)
        inserted = 0
        async with self._unit_of_work() as uow:
            state, changes = await uow.tables()
            committed, staged = _table(state, kind), _table(changes, kind)
            for record in typed:
                key = _state_key(record)
                if key in committed or key in staged:
                    if not merge:
                        raise DuplicateRecord(kind, record_key(record))
                    continue
                staged[key] = _copy(record)
                inserted += 1
            await uow.commit()
        return inserted
