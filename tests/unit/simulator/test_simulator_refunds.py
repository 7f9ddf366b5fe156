"""Refunds: only on paid orders, never more than was paid, ids unique per order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator

from .conftest import Receiver, order_body


@pytest.fixture
async def paid(simulator: CashfreeSimulator) -> str:
    await simulator.create_order(order_body())
    await simulator.record_attempt("order_1001", "FAILED")
    await simulator.record_attempt("order_1001", "SUCCESS")
    return "order_1001"


async def refuse(simulator: CashfreeSimulator, order_id: str, **body: object) -> SimulatorError:
    with pytest.raises(SimulatorError) as caught:
        await simulator.create_refund(order_id, dict(body))
    return caught.value


async def test_a_refund_is_pending_then_succeeds_with_a_webhook(
    simulator: CashfreeSimulator, paid: str, receiver: Receiver
) -> None:
    created = await simulator.create_refund(
        paid,
        {"refund_id": "refund_1", "refund_amount": Decimal("100.50"), "refund_note": "partial"},
    )
    assert created["refund_status"] == "PENDING"
    assert created["entity"] == "refund"
    payments = await simulator.list_payments(paid)
    assert created["cf_payment_id"] == payments[1]["cf_payment_id"]

    settled = await simulator.get_refund(paid, "refund_1")
    assert settled["refund_status"] == "SUCCESS"
    assert "processed_at" in settled
    assert [r["refund_id"] for r in await simulator.list_refunds(paid)] == ["refund_1"]
    last = json.loads(receiver.requests[-1].content)
    assert last["type"] == "REFUND_STATUS_WEBHOOK"
    assert last["data"]["refund"]["refund_status"] == "SUCCESS"


async def test_refunds_never_exceed_what_was_paid(simulator: CashfreeSimulator, paid: str) -> None:
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": Decimal("400")})
    error = await refuse(simulator, paid, refund_id="r_2", refund_amount=Decimal("99.01"))
    assert (error.status, error.code) == (400, "refund_amount_invalid")
    last = await simulator.create_refund(paid, {"refund_id": "r_2", "refund_amount": 99})
    assert last["refund_amount"] == 99


async def test_refund_ids_are_unique_per_order(simulator: CashfreeSimulator, paid: str) -> None:
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": 1})
    error = await refuse(simulator, paid, refund_id="r_1", refund_amount=1)
    assert error.status == 409


async def test_same_idempotency_key_returns_the_first_refund(
    simulator: CashfreeSimulator, paid: str
) -> None:
    body = {"refund_id": "r_1", "refund_amount": 10}
    first = await simulator.create_refund(paid, body, idempotency_key="rk")
    again = await simulator.create_refund(paid, body, idempotency_key="rk")
    assert again == first
    assert len(await simulator.list_refunds(paid)) == 1


async def test_only_a_paid_order_can_be_refunded(simulator: CashfreeSimulator) -> None:
    await simulator.create_order(order_body())
    error = await refuse(simulator, "order_1001", refund_id="r_1", refund_amount=1)
    assert (error.status, error.code) == (400, "order_not_paid")


@pytest.mark.parametrize(
    "body",
    [
        {"refund_id": "r", "refund_amount": 1},
        {"refund_id": "r_1", "refund_amount": 0},
        {"refund_id": "r_1"},
        {"refund_id": "r_1", "refund_amount": 1, "refund_speed": "WARP"},
        {"refund_id": "r_1", "refund_amount": 1, "refund_note": "x"},
    ],
)
async def test_invalid_refunds_are_400(
    simulator: CashfreeSimulator, paid: str, body: dict[str, object]
) -> None:
    error = await refuse(simulator, paid, **body)
    assert error.status == 400
    assert error.type == "invalid_request_error"


async def test_unknown_refund_and_order_are_404(simulator: CashfreeSimulator, paid: str) -> None:
    with pytest.raises(SimulatorError) as caught:
        await simulator.get_refund(paid, "nope")
    assert caught.value.code == "refund_not_found"
    error = await refuse(simulator, "order_unknown", refund_id="r_1", refund_amount=1)
    assert error.status == 404
