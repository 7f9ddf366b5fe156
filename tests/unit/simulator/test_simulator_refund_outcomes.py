"""Refund outcomes forced through the simulator: left PENDING, then settled with a signed
REFUND_STATUS_WEBHOOK; FAILED and CANCELLED give their amount back."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from starlette.applications import Starlette

from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.http_app import control_routes
from cashfree_simulator.simulator import CashfreeSimulator
from cashfree_simulator.wire import sign

from .conftest import Receiver, order_body


@pytest.fixture
async def paid(simulator: CashfreeSimulator) -> str:
    await simulator.create_order(order_body())
    await simulator.record_attempt("order_1001", "SUCCESS")
    return "order_1001"


def refund_webhooks(receiver: Receiver) -> list[dict[str, object]]:
    bodies = [json.loads(r.content) for r in receiver.requests]
    return [b["data"]["refund"] for b in bodies if b["type"] == "REFUND_STATUS_WEBHOOK"]


async def test_a_refund_left_pending_waits_for_its_settlement(
    simulator: CashfreeSimulator,
    paid: str,
    receiver: Receiver,
) -> None:
    simulator.force_next_refund_outcome("PENDING")
    created = await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": 100})
    assert created["refund_status"] == "PENDING"
    assert (await simulator.get_refund(paid, "r_1"))["refund_status"] == "PENDING"
    assert refund_webhooks(receiver) == []
    settled = await simulator.settle_refund(paid, "r_1", "SUCCESS")
    assert settled["refund_status"] == "SUCCESS" and "refund_arn" in settled
    [hook] = refund_webhooks(receiver)
    assert hook["refund_id"] == "r_1" and hook["refund_status"] == "SUCCESS"
    assert "_held" not in hook
    again = await simulator.settle_refund(paid, "r_1", "SUCCESS")
    assert again == settled and len(refund_webhooks(receiver)) == 1
    with pytest.raises(SimulatorError) as caught:
        await simulator.settle_refund(paid, "r_1", "FAILED")
    assert caught.value.code == "refund_final"
    nxt = await simulator.create_refund(paid, {"refund_id": "r_2", "refund_amount": 1})
    assert nxt["refund_status"] == "PENDING"  # forcing is for one refund only
    assert (await simulator.get_refund(paid, "r_2"))["refund_status"] == "SUCCESS"


@pytest.mark.parametrize("outcome", ["FAILED", "CANCELLED"])
async def test_a_failed_or_cancelled_refund_gives_its_amount_back(
    simulator: CashfreeSimulator,
    paid: str,
    receiver: Receiver,
    outcome: str,
) -> None:
    simulator.force_next_refund_outcome(outcome)
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": Decimal("499")})
    [hook] = refund_webhooks(receiver)
    assert hook["refund_status"] == outcome
    whole = await simulator.create_refund(paid, {"refund_id": "r_2", "refund_amount": 499})
    assert whole["refund_amount"] == 499


async def test_unknown_outcomes_and_refunds_are_refused(
    simulator: CashfreeSimulator,
    paid: str,
) -> None:
    with pytest.raises(SimulatorError):
        simulator.force_next_refund_outcome("ONHOLD")
    with pytest.raises(SimulatorError):
        await simulator.settle_refund(paid, "r_1", "PENDING")
    with pytest.raises(SimulatorError) as caught:
        await simulator.settle_refund(paid, "r_missing", "SUCCESS")
    assert caught.value.status == 404


async def test_the_control_api_forces_and_settles_refunds(
    simulator: CashfreeSimulator, receiver: Receiver
) -> None:
    app = Starlette(routes=control_routes(simulator))
    await simulator.create_order(order_body(order_id="order_http"))
    await simulator.record_attempt("order_http", "SUCCESS")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        forced = await client.post("/control/refunds/next-outcome", json={"outcome": "PENDING"})
        assert forced.status_code == 200
        bad = await client.post("/control/refunds/next-outcome", json={"outcome": "MAYBE"})
        assert bad.status_code == 400
        await simulator.create_refund("order_http", {"refund_id": "r_h", "refund_amount": 5})
        settled = await client.post(
            "/control/orders/order_http/refunds/r_h", json={"outcome": "CANCELLED"}
        )
        assert settled.status_code == 200
        assert settled.json()["refund_status"] == "CANCELLED"
    request = receiver.requests[-1]
    timestamp = request.headers["x-webhook-timestamp"]
    assert request.headers["x-webhook-signature"] == sign(
        simulator.secret, timestamp, request.content
    )


async def test_a_refund_settled_before_its_banks_reference_takes_it_later(
    simulator: CashfreeSimulator, paid: str, receiver: Receiver
) -> None:
    simulator.force_next_refund_outcome("PENDING")
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": 100})
    settled = await simulator.settle_refund(paid, "r_1", "SUCCESS", arn=None)
    assert settled["refund_status"] == "SUCCESS" and "refund_arn" not in settled
    later = await simulator.settle_refund(paid, "r_1", "SUCCESS", arn="RF_BANK_1")
    assert later["refund_arn"] == "RF_BANK_1"
    assert (await simulator.get_refund(paid, "r_1"))["refund_arn"] == "RF_BANK_1"
    again = await simulator.settle_refund(paid, "r_1", "SUCCESS", arn="RF_OTHER")
    assert again == later, "a reference once given stays"
    hooks = refund_webhooks(receiver)
    assert [hook.get("refund_arn") for hook in hooks] == [None, "RF_BANK_1"]
    assert all(hook["refund_status"] == "SUCCESS" for hook in hooks)


async def test_a_later_settlement_without_a_reference_makes_one_up(
    simulator: CashfreeSimulator, paid: str, receiver: Receiver
) -> None:
    simulator.force_next_refund_outcome("PENDING")
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": 100})
    await simulator.settle_refund(paid, "r_1", "SUCCESS", arn=None)
    still = await simulator.settle_refund(paid, "r_1", "SUCCESS", arn=None)
    assert "refund_arn" not in still and len(refund_webhooks(receiver)) == 1
    later = await simulator.settle_refund(paid, "r_1", "SUCCESS")
    assert str(later["refund_arn"]).startswith("RF")
    assert len(refund_webhooks(receiver)) == 2


async def test_the_control_api_settles_a_refund_with_its_reference_or_without(
    simulator: CashfreeSimulator, paid: str, receiver: Receiver
) -> None:
    app = Starlette(routes=control_routes(simulator))
    simulator.force_next_refund_outcome("PENDING")
    await simulator.create_refund(paid, {"refund_id": "r_1", "refund_amount": 5})
    url = f"/control/orders/{paid}/refunds/r_1"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        for arn in ("", 7, "R" * 51):
            bad = await client.post(url, json={"outcome": "SUCCESS", "arn": arn})
            assert bad.status_code == 400, arn
        first = await client.post(url, json={"outcome": "SUCCESS", "arn": None})
        assert first.status_code == 200 and "refund_arn" not in first.json()
        second = await client.post(url, json={"outcome": "SUCCESS", "arn": "RF0000000777"})
        assert second.json()["refund_arn"] == "RF0000000777"
    assert [hook.get("refund_arn") for hook in refund_webhooks(receiver)] == [None, "RF0000000777"]
