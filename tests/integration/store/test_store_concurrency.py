"""Racing confirmations of one paid order leave exactly one ledger entry, on every store."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import ConcurrencyConflict
from application.ports import Store
from domain.errors import DuplicateCredit
from domain.ledger import credit_for
from domain.order import AttemptStatus

from .builders import active_order, at, attempt

TASKS = 50
MAX_ROUNDS = 200


async def _confirm(store: Store, order_id: str) -> bool:
    """Credit the order unless it is credited; True if this call wrote the credit."""
    for _ in range(MAX_ROUNDS):
        try:
            async with store.unit_of_work() as uow:
                order = await uow.orders.get(order_id)
                assert order is not None
                if await uow.ledger.get(order_id) is not None:
                    return False
                await uow.ledger.add(credit_for(order, at(5)))
                await uow.orders.save(order)
                await uow.commit()
                return True
        except (ConcurrencyConflict, DuplicateCredit):
            await asyncio.sleep(0)
    raise AssertionError("no progress")


async def test_fifty_concurrent_confirmations_credit_once(store: Store) -> None:
    order = active_order("ORDER_RACE")
    order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()

    wrote = await asyncio.gather(*(_confirm(store, "ORDER_RACE") for _ in range(TASKS)))

    assert wrote.count(True) == 1
    totals = await store.reports().ledger_totals()
    async with store.unit_of_work() as uow:
        saved = await uow.orders.get("ORDER_RACE")
    assert totals.entries == 1
    assert saved is not None and saved.version == 1


@pytest.mark.parametrize(
    "store_kind",
    [
        pytest.param("postgresql", marks=pytest.mark.services),
        pytest.param("mariadb", marks=pytest.mark.services),
    ],
)
async def test_interleaved_units_of_work_conflict_on_a_server(store: Store) -> None:
    """uow1 loads, uow2 loads, saves and commits, then uow1's save must conflict."""
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as first:
        mine = await first.orders.get("ORDER_A")
        async with store.unit_of_work() as second:
            theirs = await second.orders.get("ORDER_A")
            assert theirs is not None
            theirs.record_attempt(attempt("p1", AttemptStatus.FAILED), at(1))
            await second.orders.save(theirs)
            await second.commit()
        assert mine is not None
        mine.record_attempt(attempt("p2", AttemptStatus.SUCCESS), at(2))
        with pytest.raises(ConcurrencyConflict):
            await first.orders.save(mine)
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == theirs
