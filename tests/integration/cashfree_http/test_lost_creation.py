"""A create-order whose answer is lost, over real HTTP: the simulator's timeout fault
applies the request and never answers in time, so the gateway holds an order the service
was not told about. CreatePayment reports a timeout and keeps the order reconcilable; the
reconciler then terminates the orphan at the gateway, or credits the payment it received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.clock import SystemClock
from adapters.events.in_process import InProcessEventBus
from adapters.gateway.deadline import DeadlineGateway
from adapters.ids import SecureIdGenerator
from adapters.store.memory import MemoryStore
from application.errors import GatewayTimeout
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.use_cases.reconcile import Reconcile
from domain.order import Order, OrderStatus

from .conftest import GatewayFactory, LiveSimulator

COMMAND = CreatePaymentCommand(Decimal("499.00"), "Asha Rao", "asha@example.com", "9876543210")
LATER = timedelta(minutes=2)


@dataclass
class Service:
    store: MemoryStore
    create: CreatePayment
    reconcile: Reconcile

    async def order(self, order_id: str) -> Order:
        async with self.store.unit_of_work() as uow:
            found = await uow.orders.get(order_id)
        assert found is not None
        return found

    async def newest_order_id(self) -> str:
        [newest] = await self.store.reports().recent_orders(1)
        return newest.order_id


@pytest.fixture
async def service(make_gateway: GatewayFactory) -> AsyncIterator[Service]:
    """The use cases on a memory store over the real adapter: two tries of 0.5 s each,
    within a deadline of 5 s; a timeout fault holds its answer for 1 s."""
    store = MemoryStore()
    await store.open()
    clock = SystemClock()
    gateway = DeadlineGateway(make_gateway(read_timeout=0.5, max_attempts=2), seconds=5)
    units = UnitOfWorkFactory(store, InProcessEventBus())
    confirm = ConfirmPayment(units, gateway, clock)
    yield Service(
        store,
        CreatePayment(
            units,
            gateway,
            clock,
            SecureIdGenerator(),
            return_url="https://shop.example.com/return?order_id={order_id}",
            notify_url="https://shop.example.com/api/payment/webhook",
        ),
        Reconcile(units, store.reports(), gateway, clock, confirm),
    )
    await store.close()


async def lose_the_answer(service: Service, live: LiveSimulator) -> str:
    """Create an order whose every try times out; the gateway holds it all the same."""
    live.simulator.set_fault("create_order", "timeout", rate=1.0, count=None)
    with pytest.raises(GatewayTimeout):
        await service.create.execute(COMMAND)
    live.simulator.faults.clear()
    order_id = await service.newest_order_id()
    assert (await live.simulator.get_order(order_id))["order_status"] == "ACTIVE"
    return order_id


async def test_the_order_stays_reconcilable_and_its_orphan_is_terminated(
    service: Service, live: LiveSimulator
) -> None:
    order_id = await lose_the_answer(service, live)
    assert live.orders_held() == 1, "the retry reused the idempotency key"
    assert (await service.order(order_id)).status is OrderStatus.CREATED

    run = await service.reconcile.run(now=SystemClock().now() + LATER)

    assert [(c.id, c.before, c.after) for c in run.changes] == [(order_id, "CREATED", "TERMINATED")]
    assert (await live.simulator.get_order(order_id))["order_status"] == "TERMINATED"
    ended = await service.order(order_id)
    assert ended.status is OrderStatus.TERMINATED
    assert ended.gateway_order_id == str((await live.simulator.get_order(order_id))["cf_order_id"])


async def test_an_orphan_paid_before_the_reconciler_came_is_credited_not_terminated(
    service: Service, live: LiveSimulator
) -> None:
    order_id = await lose_the_answer(service, live)
    await live.simulator.record_attempt(order_id, "SUCCESS")  # its webhook goes nowhere

    run = await service.reconcile.run(now=SystemClock().now() + LATER)

    assert [(c.before, c.after) for c in run.changes] == [("CREATED", "PAID")]
    assert (await live.simulator.get_order(order_id))["order_status"] == "PAID"
    assert (await service.order(order_id)).status is OrderStatus.PAID
    assert (await service.store.reports().ledger_totals()).entries == 1
