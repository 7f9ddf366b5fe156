"""Payment attempts: outcomes, retries on one order, and the webhook each one sends."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cashfree_simulator import wire
from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator

from .conftest import NOTIFY_URL, SECRET, FakeClock, Receiver, order_body


@pytest.fixture
async def order(simulator: CashfreeSimulator) -> str:
    await simulator.create_order(order_body())
    return "order_1001"


def webhook_types(receiver: Receiver) -> list[str]:
    return [json.loads(r.content)["type"] for r in receiver.requests]


async def test_failed_then_pending_then_success_pays_one_order(
    simulator: CashfreeSimulator, order: str, receiver: Receiver
) -> None:
    failed = await simulator.record_attempt(order, "FAILED")
    assert (await simulator.get_order(order))["order_status"] == "ACTIVE"
    pending = await simulator.record_attempt(order, "PENDING", method="credit_card")
    assert (await simulator.get_order(order))["order_status"] == "ACTIVE"
    paid = await simulator.record_attempt(order, "SUCCESS", cf_payment_id=pending["cf_payment_id"])

    assert paid["cf_payment_id"] == pending["cf_payment_id"] != failed["cf_payment_id"]
    assert (await simulator.get_order(order))["order_status"] == "PAID"
    payments = await simulator.list_payments(order)
    assert [p["payment_status"] for p in payments] == ["FAILED", "SUCCESS"]
    assert payments[1]["payment_group"] == "credit_card"
    assert payments[1]["is_captured"] is True
    assert webhook_types(receiver) == ["PAYMENT_FAILED_WEBHOOK", "PAYMENT_SUCCESS_WEBHOOK"]


async def test_messages_look_like_cashfrees(simulator: CashfreeSimulator, order: str) -> None:
    failed = await simulator.record_attempt(order, "FAILED")
    dropped = await simulator.record_attempt(order, "USER_DROPPED")
    custom = await simulator.record_attempt(order, "FAILED", message="Insufficient funds")

    assert failed["payment_message"] == "Transaction declined by bank"
    assert failed["error_details"]["error_code"] == "TRANSACTION_DECLINED"
    assert dropped["payment_message"] == "User dropped and did not complete the payment"
    assert dropped["error_details"]["error_reason"] == "user_dropped"
    assert custom["payment_message"] == "Insufficient funds"


async def test_an_attempt_has_the_order_amount_and_a_string_payment_id(
    simulator: CashfreeSimulator, order: str
) -> None:
    attempt = await simulator.record_attempt(order, "SUCCESS")
    assert attempt["payment_amount"] == Decimal("499.00")
    assert attempt["payment_currency"] == "INR"
    assert attempt["cf_payment_id"].isdigit()
    assert await simulator.get_payment(order, int(attempt["cf_payment_id"])) == attempt


async def test_pending_delivers_no_webhook(
    simulator: CashfreeSimulator, order: str, receiver: Receiver
) -> None:
    pending = await simulator.record_attempt(order, "PENDING")
    assert receiver.requests == []
    assert "payment_completion_time" not in pending


async def test_a_final_attempt_cannot_be_resolved_again(
    simulator: CashfreeSimulator, order: str
) -> None:
    failed = await simulator.record_attempt(order, "FAILED")
    with pytest.raises(SimulatorError) as caught:
        await simulator.record_attempt(order, "SUCCESS", cf_payment_id=failed["cf_payment_id"])
    assert caught.value.status == 409


async def test_a_pending_attempt_may_still_succeed_after_expiry(
    simulator: CashfreeSimulator, order: str
) -> None:
    pending = await simulator.record_attempt(order, "PENDING")
    await simulator.expire_order(order)
    await simulator.record_attempt(order, "SUCCESS", cf_payment_id=pending["cf_payment_id"])
    assert (await simulator.get_order(order))["order_status"] == "PAID"


async def test_a_paid_order_takes_no_new_attempt(simulator: CashfreeSimulator, order: str) -> None:
    await simulator.record_attempt(order, "SUCCESS")
    with pytest.raises(SimulatorError) as caught:
        await simulator.record_attempt(order, "SUCCESS")
    assert caught.value.code == "order_inactive"


async def test_unknown_outcome_method_and_payment_are_refused(
    simulator: CashfreeSimulator, order: str
) -> None:
    with pytest.raises(SimulatorError):
        await simulator.record_attempt(order, "MAYBE")
    with pytest.raises(SimulatorError):
        await simulator.record_attempt(order, "SUCCESS", method="cheque")
    with pytest.raises(SimulatorError) as caught:
        await simulator.get_payment(order, "123")
    assert caught.value.code == "payment_not_found"


async def test_the_webhook_is_cashfrees_signed_payment_webhook(
    simulator: CashfreeSimulator, order: str, receiver: Receiver, clock: FakeClock
) -> None:
    attempt = await simulator.record_attempt(order, "FAILED", method="upi")

    (request,) = receiver.requests
    assert str(request.url) == NOTIFY_URL
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-webhook-version"] == "2023-08-01"
    assert headers["x-webhook-attempt"] == "1"
    assert headers["x-webhook-timestamp"] == str(int(clock.now().timestamp() * 1000))
    assert headers["x-webhook-signature"] == wire.sign(
        SECRET, headers["x-webhook-timestamp"], request.content
    )
    body = json.loads(request.content)
    assert body["type"] == "PAYMENT_FAILED_WEBHOOK"
    assert body["event_time"] == "2025-03-01T17:30:00+05:30"
    data = body["data"]
    assert data["order"] == {
        "order_id": order,
        "order_amount": 499,
        "order_currency": "INR",
        "order_tags": None,
    }
    assert data["payment"]["cf_payment_id"] == int(attempt["cf_payment_id"])
    assert data["payment"]["payment_status"] == "FAILED"
    assert data["payment"]["payment_group"] == "upi"
    assert data["payment"]["payment_method"] == {
        "upi": {"channel": "collect", "upi_id": "testsuccess@gocash"}
    }
    assert data["customer_details"]["customer_phone"] == "9876543210"
    assert data["payment_gateway_details"]["gateway_name"] == "CASHFREE"
    assert data["error_details"]["error_code"] == "TRANSACTION_DECLINED"
    assert data["payment_offers"] is None


async def test_an_order_without_notify_url_sends_no_webhook(
    simulator: CashfreeSimulator, receiver: Receiver
) -> None:
    await simulator.create_order(order_body("order_quiet", order_meta=None))
    await simulator.record_attempt("order_quiet", "SUCCESS")
    assert receiver.requests == []


async def test_a_wrong_amount_can_be_paid_on_purpose(
    simulator: CashfreeSimulator, order: str
) -> None:
    attempt = await simulator.record_attempt(order, "SUCCESS", amount=Decimal("1.00"))
    assert attempt["payment_amount"] == Decimal("1.00")
    assert attempt["order_amount"] == Decimal("499.00")


async def test_a_forced_outcome_overrides_the_next_checkout_payment_only(
    simulator: CashfreeSimulator, order: str
) -> None:
    session = (await simulator.get_order(order))["payment_session_id"]
    simulator.force_next_outcome("FAILED", "Card blocked")
    first = await simulator.pay_with_session(session, "SUCCESS")
    second = await simulator.pay_with_session(session, "SUCCESS")
    assert (first["payment_status"], first["payment_message"]) == ("FAILED", "Card blocked")
    assert second["payment_status"] == "SUCCESS"
