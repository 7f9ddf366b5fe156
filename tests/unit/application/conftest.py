from __future__ import annotations

import pytest

from adapters.store.memory import MemoryStore
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
def create(
    store: MemoryStore, gateway: ScriptedGateway, clock: FixedClock, publisher: RecordingPublisher
) -> CreatePayment:
    return CreatePayment(
        store,
        gateway,
        clock,
        CountingIds(),
        publisher,
        return_url="http://shop.test/return?order_id={order_id}",
        notify_url="http://shop.test/api/payment/webhook",
    )


@pytest.fixture
def confirm(
    store: MemoryStore, gateway: ScriptedGateway, clock: FixedClock, publisher: RecordingPublisher
) -> ConfirmPayment:
    return ConfirmPayment(store, gateway, clock, publisher)
