"""The units of work the group-commit tests race, and what a fresh process reads back."""

from __future__ import annotations

from application.ports import Store
from domain.order import AttemptStatus

from .builders import active_order, attempt


async def add_order(store: Store, order_id: str) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order(order_id))
        await uow.commit()


async def pay(store: Store, order_id: str) -> None:
    """Record a successful attempt on `order_id` (which pays it) and commit."""
    async with store.unit_of_work() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        order.record_attempt(attempt("pay_1", AttemptStatus.SUCCESS), order.created_at)
        await uow.orders.save(order)
        await uow.commit()


async def stored_ids(store: Store) -> set[str]:
    """The order ids `store` reports."""
    return {o.order_id for o in await store.reports().recent_orders(1000)}


async def ids_on_disk(fresh: Store) -> set[str]:
    """The order ids a fresh process finds: `fresh` is a new store over the same files,
    opened here and closed after."""
    await fresh.open()
    try:
        return await stored_ids(fresh)
    finally:
        await fresh.close()
