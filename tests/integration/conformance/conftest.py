"""Conformance tests run the simulator through the project's own pytest plugin.

Webhooks go to a sink that answers 200 and keeps nothing: what was sent is read back from
the simulator's delivery log, which holds the exact bytes.
"""

from __future__ import annotations

import httpx
import pytest

from cashfree_simulator.pytest_plugin import FakeCashfreeSettings, generated_settings

from .openapi_contract import SPEC_PATH, OpenApiContract

NOTIFY_URL = "http://merchant.test/api/payment/webhook"
RETURN_URL = "http://merchant.test/return?order_id={order_id}"


def _accept(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"received": True})


@pytest.fixture
def fake_cashfree_settings() -> FakeCashfreeSettings:
    base = generated_settings()
    return FakeCashfreeSettings(
        app_id=base.app_id,
        secret=base.secret,
        webhook_transport=httpx.MockTransport(_accept),
    )


@pytest.fixture(scope="session")
def contract() -> OpenApiContract:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Cashfree's OpenAPI description is not at {SPEC_PATH}")
    return OpenApiContract(SPEC_PATH)


def order_body(order_id: str, amount: float | str = 1234.5) -> dict[str, object]:
    return {
        "order_id": order_id,
        "order_amount": amount,
        "order_currency": "INR",
        "customer_details": {
            "customer_id": "cust_0001",
            "customer_name": "Asha Verma",
            "customer_email": "asha@example.com",
            "customer_phone": "9876543210",
        },
        "order_meta": {"return_url": RETURN_URL, "notify_url": NOTIFY_URL},
    }
