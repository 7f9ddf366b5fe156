"""CopyStore on memory stores: the refusal of a non-empty target, merge, progress, and a
verification that catches a target that does not hold what it was given."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import pytest

from adapters.store.memory import MemoryStore
from application.store_transfer import (
    RecordKind,
    StoreRecord,
    StoreTransfer,
    TargetNotEmpty,
)
from application.use_cases.copy_store import CopyStore
from domain.customer import Customer
from domain.money import Money
from domain.order import Order

from ..domain.factories import T0


def order(order_id: str, amount: str = "499.00") -> Order:
    return Order.create(
        order_id,
        Money.of(amount),
        Customer("Ravi Kumar", "ravi@example.com", "9123456780"),
        T0,
        customer_id="cus_ravi",
    )


async def store_with(*orders: Order) -> MemoryStore:
    store = MemoryStore()
    if orders:
        await store.transfer().write(RecordKind.ORDERS, list(orders), merge=False)
    return store


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, RecordKind, int]] = []

    def begin(self, phase: str, kind: RecordKind, total: int) -> None:
        self.calls.append(("begin", phase, kind, total))

    def advance(self, phase: str, kind: RecordKind, done: int) -> None:
        self.calls.append(("advance", phase, kind, done))

    def end(self, phase: str, kind: RecordKind) -> None:
        self.calls.append(("end", phase, kind, 0))


class LossyTarget:
    """A target that rounds every order amount it is given: what a careless store does."""

    def __init__(self, inner: StoreTransfer) -> None:
        self._inner = inner

    async def count(self, kind: RecordKind) -> int:
        return await self._inner.count(kind)

    async def batches(self, kind: RecordKind, size: int) -> AsyncIterator[list[StoreRecord]]:
        async for batch in self._inner.batches(kind, size):
            yield batch

    async def is_empty(self) -> bool:
        return await self._inner.is_empty()

    async def write(self, kind: RecordKind, records: Sequence[StoreRecord], *, merge: bool) -> int:
        changed = [
            replace(r, amount=Money.of(round(r.amount.amount))) if isinstance(r, Order) else r
            for r in records
        ]
        return await self._inner.write(kind, changed, merge=merge)


async def test_everything_is_copied_in_batches_and_verified() -> None:
    source = await store_with(*(order(f"ORDER_{n}") for n in range(5)))
    target = await store_with()
    progress = Recorder()

    report = await CopyStore(source.transfer(), target.transfer(), batch_size=2).execute(
        progress=progress
    )

    assert report.verified
    assert report.inserted[RecordKind.ORDERS] == 5
    orders = next(c for c in report.checks if c.table == "orders")
    assert (orders.source_count, orders.target_count) == (5, 5)
    copied = [c for c in progress.calls if c[1] == "copy" and c[2] is RecordKind.ORDERS]
    assert copied == [
        ("begin", "copy", RecordKind.ORDERS, 5),
        ("advance", "copy", RecordKind.ORDERS, 2),
        ("advance", "copy", RecordKind.ORDERS, 2),
        ("advance", "copy", RecordKind.ORDERS, 1),
        ("end", "copy", RecordKind.ORDERS, 0),
    ]
    assert ("begin", "verify", RecordKind.ORDERS, 5) in progress.calls


async def test_a_target_that_holds_data_is_refused_and_left_alone() -> None:
    source = await store_with(order("ORDER_1"))
    target = await store_with(order("ORDER_9"))

    with pytest.raises(TargetNotEmpty):
        await CopyStore(source.transfer(), target.transfer()).execute()

    assert await target.transfer().count(RecordKind.ORDERS) == 1


async def test_merge_adds_what_is_missing_and_an_interrupted_copy_can_be_run_again() -> None:
    source = await store_with(*(order(f"ORDER_{n}") for n in range(4)))
    target = await store_with(order("ORDER_0"), order("ORDER_X"))

    report = await CopyStore(source.transfer(), target.transfer()).execute(merge=True)

    assert report.verified
    assert report.inserted[RecordKind.ORDERS] == 3
    assert report.already_present[RecordKind.ORDERS] == 1
    orders = next(c for c in report.checks if c.table == "orders")
    assert (orders.source_count, orders.target_count, orders.target_extra) == (4, 4, 1)


async def test_merge_reports_a_record_the_target_holds_differently() -> None:
    source = await store_with(order("ORDER_0"), order("ORDER_1"))
    target = await store_with(order("ORDER_0", amount="1.00"))

    report = await CopyStore(source.transfer(), target.transfer()).execute(merge=True)

    assert not report.verified
    assert [c.table for c in report.checks if not c.matches] == ["orders"]


async def test_a_target_that_changes_what_it_is_given_fails_the_verification() -> None:
    source = await store_with(order("ORDER_0", "10.40"), order("ORDER_1", "20.00"))
    target = await store_with()

    report = await CopyStore(source.transfer(), LossyTarget(target.transfer())).execute()

    assert not report.verified
    orders = next(c for c in report.checks if c.table == "orders")
    assert (orders.source_count, orders.target_count) == (2, 2)
    assert orders.source_checksum != orders.target_checksum
