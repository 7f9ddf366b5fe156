"""The reconciliation world: the use cases on each store, the FakeGateway over a simulator
that drops every webhook, and one settable clock shared by both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.gateway.fake_gateway import FakeGateway
from adapters.ids import SecureIdGenerator
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.use_cases.reconcile import Reconcile
from application.use_cases.refunds import ApplyRefundState
from cashfree_simulator import CashfreeSimulator, build_simulator
from domain.order import Order
from unit.application.fakes import RecordingPublisher

from ..stores import STORE_KINDS, make_store


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


class Clock:
    def __init__(self) -> None:
        self.current = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class World:
    store: Store
    simulator: CashfreeSimulator
    clock: Clock
    create: CreatePayment
    units: UnitOfWorkFactory
    gateway: FakeGateway
    confirm: ConfirmPayment
    publisher: RecordingPublisher

    def reconcile(self, batch: int = 200, *, refunds: bool = True) -> Reconcile:
        """A fresh instance: no backoff memory, as after a restart or `checkout reconcile`."""
        return Reconcile(
            self.units,
            self.store.reports(),
            self.gateway,
            self.clock,
            self.confirm,
            ApplyRefundState(self.units, self.clock) if refunds else None,
            batch=batch,
        )

    async def order(self, amount: str = "499.00") -> Order:
        return await self.create.execute(
            CreatePaymentCommand(Decimal(amount), "Asha Rao", "asha@example.com", "9876543210")
        )

    async def stored(self, order_id: str) -> Order:
        async with self.units() as uow:
            order = await uow.orders.get(order_id)
        assert order is not None
        return order


@pytest.fixture
async def world(store_kind: str, tmp_path: Path) -> AsyncIterator[World]:
    store, drop = await make_store(store_kind, tmp_path)
    clock = Clock()
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    simulator = build_simulator("TESTAPP", "test-secret", clock=clock, webhook_client=client)
    await simulator.set_webhook_mode("drop")
    gateway = FakeGateway(simulator)
    publisher = RecordingPublisher()
    units = UnitOfWorkFactory(store, publisher)
    confirm = ConfirmPayment(units, gateway, clock)
    create = CreatePayment(
        units,
        gateway,
        clock,
        SecureIdGenerator(),
        return_url="http://shop.test/return?order_id={order_id}",
        notify_url="http://shop.test/api/payment/webhook",
    )
    try:
        yield World(store, simulator, clock, create, units, gateway, confirm, publisher)
    finally:
        await simulator.aclose()
        await client.aclose()
        await store.close()
        await drop()
