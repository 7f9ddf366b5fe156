"""Cashfree's official Python SDK (cashfree-pg 6.x) works against the simulator over HTTP.

The SDK hard-codes Cashfree's sandbox and production hosts in every call; the one seam it
offers is the `Configuration` it builds per call, so the test swaps that class for one
that always points at the simulator. Everything else (headers, models, parsing) is the
SDK's own code path.

Independently of Cashfree's OpenAPI file, every order, payment and refund entity and every
webhook payload the simulator produces is parsed strictly into the SDK's own models
(`sdk_models.strict_problems`): an unknown field or a missing one fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cashfree_pg import api_client
from cashfree_pg.api_client import Cashfree
from cashfree_pg.exceptions import ApiException
from cashfree_pg.models.create_order_request import CreateOrderRequest
from cashfree_pg.models.customer_details import CustomerDetails
from cashfree_pg.models.order_create_refund_request import OrderCreateRefundRequest
from cashfree_pg.models.order_entity import OrderEntity
from cashfree_pg.models.order_meta import OrderMeta
from cashfree_pg.models.payment_entity import PaymentEntity
from cashfree_pg.models.payment_webhook import PaymentWebhook
from cashfree_pg.models.refund_entity import RefundEntity
from cashfree_pg.models.refund_webhook import RefundWebhook

from cashfree_simulator.pytest_plugin import FakeCashfree, FakeCashfreeServer

from .conftest import NOTIFY_URL, RETURN_URL, order_body
from .sdk_models import strict_problems

ENTITY_FIELDS = {
    "OrderEntity": frozenset(
        {
            "cf_order_id",
            "order_id",
            "entity",
            "order_currency",
            "order_amount",
            "order_status",
            "payment_session_id",
            "order_expiry_time",
            "created_at",
            "customer_details",
            "order_meta",
        }
    ),
    "PaymentEntity": frozenset(
        {
            "cf_payment_id",
            "order_id",
            "entity",
            "is_captured",
            "order_amount",
            "order_currency",
            "payment_status",
            "payment_amount",
            "payment_currency",
            "payment_message",
            "payment_time",
            "payment_group",
            "payment_method",
            "payment_gateway_details",
        }
    ),
    "RefundEntity": frozenset(
        {
            "cf_payment_id",
            "cf_refund_id",
            "order_id",
            "refund_id",
            "entity",
            "refund_amount",
            "refund_currency",
            "refund_status",
            "refund_type",
            "refund_mode",
            "status_description",
            "created_at",
        }
    ),
}
# Payment webhooks carry Cashfree's published sample shape: a slimmer payment object.
WEBHOOK_FIELDS = {
    "PaymentWebhook": frozenset({"data", "event_time", "type"}),
    "RefundWebhook": frozenset({"data", "event_time", "type"}),
    "PaymentWebhookDataEntity": frozenset(
        {"order", "payment", "customer_details", "payment_gateway_details"}
    ),
    "PaymentWebhookOrderEntity": frozenset({"order_id", "order_amount", "order_currency"}),
    "PaymentEntity": frozenset(
        {
            "cf_payment_id",
            "payment_status",
            "payment_amount",
            "payment_currency",
            "payment_message",
            "payment_time",
            "payment_group",
            "payment_method",
        }
    ),
    "RefundWebhookDataEntity": frozenset({"refund"}),
    "RefundEntity": ENTITY_FIELDS["RefundEntity"],
}
METHODS = ("upi", "credit_card", "debit_card", "net_banking", "wallet")

# The SDK's generated models call pydantic v1-style methods on every request and parse.
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


async def test_every_entity_fits_the_sdk_models_exactly(fake_cashfree: FakeCashfree) -> None:
    client, simulator = fake_cashfree.client, fake_cashfree.simulator
    entities: list[tuple[type[Any], Any]] = []
    created = await client.post("/pg/orders", json=order_body("sdk_strict_1"))
    await client.post("/pg/orders", json=order_body("sdk_strict_2"))
    terminated = await client.patch("/pg/orders/sdk_strict_2", json={"order_status": "TERMINATED"})
    entities += [(OrderEntity, created.json()), (OrderEntity, terminated.json())]
    for method, outcome in zip(
        METHODS, ("FAILED", "USER_DROPPED", "PENDING", "FAILED", "SUCCESS"), strict=True
    ):
        await simulator.record_attempt("sdk_strict_1", outcome, method=method)
    payments = (await client.get("/pg/orders/sdk_strict_1/payments")).json()
    assert [p["payment_group"] for p in payments] == list(METHODS)
    one = await client.get(f"/pg/orders/sdk_strict_1/payments/{payments[-1]['cf_payment_id']}")
    entities += [(PaymentEntity, p) for p in [*payments, one.json()]]
    refund = await client.post(
        "/pg/orders/sdk_strict_1/refunds",
        json={"refund_id": "sdk_strict_r1", "refund_amount": 5, "refund_note": "partial"},
    )
    listed = (await client.get("/pg/orders/sdk_strict_1/refunds")).json()
    fetched = await client.get("/pg/orders/sdk_strict_1/refunds/sdk_strict_r1")
    paid = await client.get("/pg/orders/sdk_strict_1")
    entities += [(RefundEntity, refund.json()), (RefundEntity, fetched.json())]
    entities += [(RefundEntity, r) for r in listed] + [(OrderEntity, paid.json())]

    for model, raw in entities:
        assert strict_problems(model, raw, ENTITY_FIELDS) == [], raw


async def test_every_webhook_fits_the_sdk_models_exactly(fake_cashfree: FakeCashfree) -> None:
    client, simulator = fake_cashfree.client, fake_cashfree.simulator
    await client.post("/pg/orders", json=order_body("sdk_hook_1"))
    await simulator.record_attempt("sdk_hook_1", "FAILED", method="credit_card")
    await simulator.record_attempt("sdk_hook_1", "USER_DROPPED", method="net_banking")
    await simulator.record_attempt("sdk_hook_1", "SUCCESS", method="wallet")
    await client.post(
        "/pg/orders/sdk_hook_1/refunds", json={"refund_id": "sdk_hook_r1", "refund_amount": 5}
    )
    bodies = [json.loads(entry["body"]) for entry in simulator.webhook_log()]
    assert [b["type"] for b in bodies] == [
        "PAYMENT_FAILED_WEBHOOK",
        "PAYMENT_USER_DROPPED_WEBHOOK",
        "PAYMENT_SUCCESS_WEBHOOK",
        "REFUND_STATUS_WEBHOOK",
    ]
    for body in bodies:
        if body["type"] == "REFUND_STATUS_WEBHOOK":
            assert strict_problems(RefundWebhook, body, WEBHOOK_FIELDS) == []
            continue
        # Cashfree's samples send cf_payment_id as a number; the SDK's model says string.
        payment = body["data"]["payment"]
        assert isinstance(payment["cf_payment_id"], int)
        payment["cf_payment_id"] = str(payment["cf_payment_id"])
        assert strict_problems(PaymentWebhook, body, WEBHOOK_FIELDS) == []


def test_the_strict_parse_catches_unknown_missing_and_mistyped_fields() -> None:
    """The check is not vacuous."""
    entity = {
        "cf_refund_id": "1",
        "cf_payment_id": "2",
        "order_id": "o",
        "refund_id": "r",
        "entity": "refund",
        "refund_amount": 5,
        "refund_currency": "INR",
        "refund_status": "SUCCESS",
        "refund_type": "MERCHANT_INITIATED",
        "refund_mode": "STANDARD",
        "status_description": "done",
        "created_at": "2025-01-01T10:00:00+05:30",
    }
    assert strict_problems(RefundEntity, entity, ENTITY_FIELDS) == []
    misspelled = {**entity, "refund_amout": 5}
    assert strict_problems(RefundEntity, misspelled, ENTITY_FIELDS) != []
    missing = {k: v for k, v in entity.items() if k != "refund_status"}
    assert strict_problems(RefundEntity, missing, ENTITY_FIELDS) != []
    with pytest.raises(ValueError):
        strict_problems(RefundEntity, {**entity, "cf_refund_id": 1}, ENTITY_FIELDS)
