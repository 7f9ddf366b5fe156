"""The simulator's HTTP app behind httpx's ASGI transport, its webhooks into a recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from cashfree_simulator import create_simulator_app
from cashfree_simulator.clock import SystemClock
from cashfree_simulator.simulator import CashfreeSimulator
from cashfree_simulator.webhooks import WebhookDispatcher

APP_ID = "SIM_TEST_APP"
SECRET = "sim-test-secret"
NOTIFY_URL = "http://merchant.test/api/payment/webhook"
PG_HEADERS = {
    "x-client-id": APP_ID,
    "x-client-secret": SECRET,
    "x-api-version": "2025-01-01",
}


@dataclass
class Merchant:
    """The merchant's webhook endpoint: records deliveries, answers scripted statuses."""

    statuses: list[int] = field(default_factory=list)
    received: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)


@dataclass
class Harness:
    simulator: CashfreeSimulator
    client: httpx.AsyncClient
    merchant: Merchant


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    merchant = Merchant()
    clock = SystemClock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(merchant.handle)) as outbound:
        webhooks = WebhookDispatcher(SECRET, outbound, clock, time_scale=100_000)
        simulator = CashfreeSimulator(APP_ID, SECRET, clock, webhooks)
        transport = httpx.ASGITransport(app=create_simulator_app(simulator))
        async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as client:
            yield Harness(simulator, client, merchant)
        await webhooks.aclose()


def order_request(order_id: str = "order_2001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "order_amount": 1250.75,
        "order_currency": "INR",
        "order_note": "Monthly plan",
        "order_tags": {"plan": "monthly"},
        "customer_details": {
            "customer_id": "CUST_42",
            "customer_name": "Ravi Kumar",
            "customer_email": "ravi@example.com",
            "customer_phone": "9123456780",
        },
        "order_meta": {
            "return_url": "http://merchant.test/return?order_id={order_id}",
            "notify_url": NOTIFY_URL,
            "payment_methods": "upi,cc",
        },
    }
    body.update(overrides)
    return body
