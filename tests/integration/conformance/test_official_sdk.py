"""Cashfree's official Python SDK (cashfree-pg 6.x) works against the simulator over HTTP.

The SDK hard-codes Cashfree's sandbox and production hosts in every call; the one seam it
offers is the `Configuration` it builds per call, so the test swaps that class for one
that always points at the simulator. Everything else (headers, models, parsing) is the
SDK's own code path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.gateway.fake.pytest_plugin import FakeCashfreeServer

from .conftest import NOTIFY_URL, RETURN_URL

cashfree_pg = pytest.importorskip("cashfree_pg", reason="the official cashfree-pg SDK is absent")
from cashfree_pg import api_client  # noqa: E402
from cashfree_pg.api_client import Cashfree  # noqa: E402
from cashfree_pg.exceptions import ApiException  # noqa: E402
from cashfree_pg.models.create_order_request import CreateOrderRequest  # noqa: E402
from cashfree_pg.models.customer_details import CustomerDetails  # noqa: E402
from cashfree_pg.models.order_create_refund_request import OrderCreateRefundRequest  # noqa: E402
from cashfree_pg.models.order_meta import OrderMeta  # noqa: E402

# The SDK's generated models call pydantic v1-style methods on every request.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:cashfree_pg.*")


@pytest.fixture
def sdk(
    fake_cashfree_server: FakeCashfreeServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cashfree]:
    base = api_client.Configuration

    class SimulatorConfiguration(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["host"] = fake_cashfree_server.api_url
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(api_client, "Configuration", SimulatorConfiguration)
    yield Cashfree(
        XEnvironment=Cashfree.SANDBOX,
        XClientId=fake_cashfree_server.app_id,
        XClientSecret=fake_cashfree_server.secret,
    )


def _order_request(order_id: str) -> CreateOrderRequest:
    return CreateOrderRequest(
        order_id=order_id,
        order_amount=499.5,
        order_currency="INR",
        customer_details=CustomerDetails(
            customer_id="sdk_customer_1", customer_phone="9876543210", customer_name="Ravi Kumar"
        ),
        order_meta=OrderMeta(return_url=RETURN_URL, notify_url=NOTIFY_URL),
    )


def _record(server: FakeCashfreeServer, order_id: str, outcome: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/control/orders/{order_id}/attempts",
        json={"outcome": outcome, "method": "upi"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    payment: dict[str, Any] = response.json()
    return payment


def test_sdk_creates_fetches_lists_and_refunds(
    sdk: Cashfree, fake_cashfree_server: FakeCashfreeServer
) -> None:
    created = sdk.PGCreateOrder(_order_request("sdk_order_1")).data
    assert created.order_id == "sdk_order_1"
    assert created.order_status == "ACTIVE"
    assert created.order_amount == 499.5
    assert created.payment_session_id.startswith("session_")

    fetched = sdk.PGFetchOrder("sdk_order_1").data
    assert fetched.cf_order_id == created.cf_order_id
    assert sdk.PGOrderFetchPayments("sdk_order_1").data == []

    paid = _record(fake_cashfree_server, "sdk_order_1", "SUCCESS")
    payments = sdk.PGOrderFetchPayments("sdk_order_1").data
    assert [(p.cf_payment_id, p.payment_status) for p in payments] == [
        (paid["cf_payment_id"], "SUCCESS")
    ]
    assert sdk.PGFetchOrder("sdk_order_1").data.order_status == "PAID"

    refund = sdk.PGOrderCreateRefund(
        "sdk_order_1",
        OrderCreateRefundRequest(refund_id="sdk_refund_1", refund_amount=100.25),
    ).data
    assert refund.refund_id == "sdk_refund_1"
    assert refund.refund_amount == 100.25
    assert refund.refund_status in ("PENDING", "SUCCESS")
    listed = sdk.PGOrderFetchRefunds("sdk_order_1").data
    assert [r.refund_id for r in listed] == ["sdk_refund_1"]


def test_sdk_sees_the_simulator_refuse_bad_credentials(
    fake_cashfree_server: FakeCashfreeServer, sdk: Cashfree
) -> None:
    intruder = Cashfree(
        XEnvironment=Cashfree.SANDBOX,
        XClientId=fake_cashfree_server.app_id,
        XClientSecret="cfsk_ma_test_wrong",
    )
    with pytest.raises(ApiException) as refused:
        intruder.PGFetchOrder("sdk_order_missing")
    assert refused.value.status == 401
    with pytest.raises(ApiException) as missing:
        sdk.PGFetchOrder("sdk_order_missing")
    assert missing.value.status == 404


def test_sdk_verifies_a_webhook_the_simulator_delivered(
    sdk: Cashfree, fake_cashfree_server: FakeCashfreeServer
) -> None:
    sdk.PGCreateOrder(_order_request("sdk_order_hook"))
    failed = _record(fake_cashfree_server, "sdk_order_hook", "FAILED")
    log = httpx.get(f"{fake_cashfree_server.base_url}/control/webhooks", timeout=10).json()
    assert len(log) == 1
    delivery = log[0]
    assert delivery["url"] == NOTIFY_URL

    event = sdk.PGVerifyWebhookSignature(
        delivery["headers"]["x-webhook-signature"],
        delivery["body"],
        delivery["headers"]["x-webhook-timestamp"],
    )
    assert event.type == "PAYMENT_FAILED_WEBHOOK"
    assert event.raw == delivery["body"]
    assert str(event.object["data"]["payment"]["cf_payment_id"]) == failed["cf_payment_id"]

    tampered = json.dumps({**json.loads(delivery["body"]), "type": "PAYMENT_SUCCESS_WEBHOOK"})
    with pytest.raises(Exception, match="did not match"):
        sdk.PGVerifyWebhookSignature(
            delivery["headers"]["x-webhook-signature"],
            tampered,
            delivery["headers"]["x-webhook-timestamp"],
        )
