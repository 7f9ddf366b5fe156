from __future__ import annotations

import pytest

from adapters.store.memory import MemoryStore
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment

from .fakes import CountingIds, FixedClock, RecordingPublisher, ScriptedGateway


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def gateway() -> ScriptedGateway:
    return ScriptedGateway()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def units(store: MemoryStore, publisher: RecordingPublisher) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(store, publisher)


@pytest.fixture
def create(units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock) -> CreatePayment:
    return CreatePayment(
        units,
        gateway,
        clock,
        CountingIds(),
        return_url="http://shop.test/return?order_id={order_id}",
        notify_url="http://shop.test/api/payment/webhook",
    )


@pytest.fixture
def confirm(
    units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock
) -> ConfirmPayment:
    return ConfirmPayment(units, gateway, clock)
