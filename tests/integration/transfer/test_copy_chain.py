"""A store's history copied memory -> JSON -> SQLite -> PostgreSQL -> MariaDB -> JSON
arrives whole: the last store holds exactly what the first did, field for field."""

from __future__ import annotations

from contextlib import AsyncExitStack
from itertools import pairwise
from pathlib import Path

import pytest

from application.ports import Store
from application.store_transfer import RecordKind
from application.use_cases.copy_store import CopyStore
from domain.notifications import OutboxMessage
from domain.order import Order, OrderStatus
from domain.refunds import Refund, RefundState
from domain.subscriptions import Subscription

from ..stores import make_store
from .rich_data import at, contents, fill

CHAIN = ["memory", "json", "sqlite", "postgresql", "mariadb", "json"]
BATCH = 7  # smaller than every kind but the smallest, so batches end mid-kind


async def _opened(stack: AsyncExitStack, kind: str, tmp_path: Path, position: int) -> Store:
    store, drop = await make_store(kind, tmp_path / f"{position}_{kind}")
    stack.push_async_callback(drop)
    stack.push_async_callback(store.close)
    return store


async def _records(store: Store, kind: RecordKind) -> list[object]:
    return [r async for batch in store.transfer().batches(kind, 100) for r in batch]


async def _check_the_data_set_is_rich(store: Store) -> None:
    orders = [o for o in await _records(store, RecordKind.ORDERS) if isinstance(o, Order)]
    assert {o.status for o in orders} == set(OrderStatus)
    assert any(o.paid_after_close for o in orders)
    assert any(a.mismatch for o in orders for a in o.attempts)
    assert max(len(o.attempts) for o in orders) >= 2
    assert len({o.version for o in orders}) > 1
    refunds = [r for r in await _records(store, RecordKind.REFUNDS) if isinstance(r, Refund)]
    assert {r.state for r in refunds} == set(RefundState)
    assert any(r.arn for r in refunds)
    messages = [m for m in await _records(store, RecordKind.OUTBOX) if isinstance(m, OutboxMessage)]
    assert any(m.delivered_at is not None for m in messages)
    assert any(m.last_error is not None and m.delivered_at is None for m in messages)
    assert any(m.attempts == 0 for m in messages)
    assert any(m.read_at is not None for m in messages)
    subscriptions = [
        s for s in await _records(store, RecordKind.SUBSCRIPTIONS) if isinstance(s, Subscription)
    ]
    assert any(s.version > 1 and len(s.periods) > 1 for s in subscriptions)
    assert any(p.length < p.bought for s in subscriptions for p in s.periods)
    for kind in RecordKind:
        assert await store.transfer().count(kind) > 0, kind


@pytest.mark.services
async def test_the_chain_of_every_store_kind_ends_with_what_it_started_with(
    tmp_path: Path,
) -> None:
    async with AsyncExitStack() as stack:
        stores = [
            await _opened(stack, kind, tmp_path, position) for position, kind in enumerate(CHAIN)
        ]
        await fill(stores[0])
        await _check_the_data_set_is_rich(stores[0])
        first = await contents(stores[0])

        for source, target in pairwise(stores):
            report = await CopyStore(
                source.transfer(), target.transfer(), batch_size=BATCH
            ).execute()
            assert report.verified, [c for c in report.checks if not c.matches]
            assert report.inserted == {kind: len(first[kind]) for kind in RecordKind}
            assert sum(report.already_present.values()) == 0

        assert await contents(stores[-1]) == first


async def test_a_copied_store_goes_on_working_where_the_source_left_off(tmp_path: Path) -> None:
    """Versions survive the copy: the next save of an order or subscription succeeds in
    the target, and what was due in the outbox is due there too."""
    async with AsyncExitStack() as stack:
        source = await _opened(stack, "memory", tmp_path, 0)
        target = await _opened(stack, "sqlite", tmp_path, 1)
        await fill(source)
        await CopyStore(source.transfer(), target.transfer()).execute()
        for store in (source, target):
            async with store.unit_of_work() as uow:
                order = await uow.orders.get("ORDER_0003")
                assert order is not None
                version = order.version
                await uow.orders.save(order)
                await uow.commit()
            assert order.version == version + 1
        due: list[list[str]] = []
        for store in (source, target):
            async with store.unit_of_work() as uow:
                due.append([m.message_id for m in await uow.outbox.due(at(100_000), 100)])
        assert due[0] == due[1]
        assert due[0]
