"""A simulator on a settable clock whose webhooks land in an in-memory receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cashfree_simulator.simulator import CashfreeSimulator
from cashfree_simulator.webhooks import WebhookDispatcher

APP_ID = "TEST_APP_ID"
SECRET = "test-secret-not-real"
NOTIFY_URL = "http://merchant.test/api/payment/webhook"


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Receiver:
    """The merchant's webhook endpoint: records requests, answers with scripted statuses."""

    statuses: list[int] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def dispatcher(clock: FakeClock, receiver: Receiver) -> AsyncIterator[WebhookDispatcher]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle))
    webhooks = WebhookDispatcher(SECRET, client, clock, time_scale=100_000)
    yield webhooks
    await webhooks.aclose()
    await client.aclose()


@pytest.fixture
def simulator(clock: FakeClock, dispatcher: WebhookDispatcher) -> CashfreeSimulator:
    return CashfreeSimulator(APP_ID, SECRET, clock, dispatcher)


def order_body(order_id: str = "order_1001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "order_amount": Decimal("499.00"),
        "order_currency": "INR",
        "customer_details": {
            "customer_id": "CUST_1",
            "customer_name": "Asha Rao",
            "customer_email": "asha@example.com",
            "customer_phone": "9876543210",
        },
        "order_meta": {"return_url": "http://merchant.test/return", "notify_url": NOTIFY_URL},
    }
    body.update(overrides)
    return body
