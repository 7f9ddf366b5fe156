"""CancelOrder against the simulator: terminate at the gateway, then record how the order
really ended; a payment that got there first wins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.errors import GatewayNotFound, OrderNotCancellable, OrderNotFound
from application.use_cases.cancel_order import CancelOrder
from domain.order import OrderStatus

from .conftest import World


def cancel(world: World) -> CancelOrder:
    return CancelOrder(world.units, world.gateway, world.confirm)


async def test_an_active_order_is_terminated_at_the_gateway_and_here(world: World) -> None:
    order = await world.order()

    cancelled = await cancel(world).execute(order.order_id)

    assert cancelled.status is OrderStatus.TERMINATED
    assert (await world.stored(order.order_id)).status is OrderStatus.TERMINATED
    assert (await world.simulator.get_order(order.order_id))["order_status"] == "TERMINATED"
    assert (await world.store.reports().ledger_totals()).entries == 0


async def test_a_payment_that_raced_the_cancellation_ends_paid_and_credited(
    world: World,
) -> None:
    order = await world.order()
    await world.simulator.record_attempt(order.order_id, "SUCCESS")

    ended = await cancel(world).execute(order.order_id)

    assert ended.status is OrderStatus.PAID and not ended.paid_after_close
    totals = await world.store.reports().ledger_totals()
    assert totals.entries == 1 and totals.amount == Decimal("499.00")


async def test_a_paid_or_ended_order_is_not_cancellable(world: World) -> None:
    order = await world.order()
    await cancel(world).execute(order.order_id)
    with pytest.raises(OrderNotCancellable) as refused:
        await cancel(world).execute(order.order_id)
    assert refused.value.status == "TERMINATED"

    paid = await world.order()
    await world.simulator.record_attempt(paid.order_id, "SUCCESS")
    await world.confirm.execute(paid.order_id)
    with pytest.raises(OrderNotCancellable):
        await cancel(world).execute(paid.order_id)
    assert (await world.stored(paid.order_id)).status is OrderStatus.PAID


async def test_an_unknown_order_is_not_found(world: World) -> None:
    with pytest.raises(OrderNotFound):
        await cancel(world).execute("order_unknown")


async def test_a_gateway_refusal_on_an_order_still_active_is_raised(world: World) -> None:
    order = await world.order()
    world.simulator._orders.pop(order.order_id)

    with pytest.raises(GatewayNotFound):
        await cancel(world).execute(order.order_id)
    assert (await world.stored(order.order_id)).status is OrderStatus.ACTIVE
