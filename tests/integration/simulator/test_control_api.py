"""The /control scenario API over HTTP, and the webhooks it makes the simulator send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from cashfree_simulator import wire

from .conftest import NOTIFY_URL, PG_HEADERS, SECRET, Harness, order_request
from .openapi import assert_matches


async def eventually(condition: Callable[[], bool]) -> None:
    """Let background retries run until `condition` holds (bounded by iterations, not time)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("condition never held")


@pytest.fixture
async def order(harness: Harness) -> str:
    response = await harness.client.post("/pg/orders", json=order_request(), headers=PG_HEADERS)
    assert response.status_code == 200
    return "order_2001"


async def attempt(harness: Harness, order_id: str, **body: object) -> dict[str, object]:
    response = await harness.client.post(f"/control/orders/{order_id}/attempts", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_an_attempt_returns_its_payment_and_sends_a_verifiable_webhook(
    harness: Harness, order: str
) -> None:
    payment = await attempt(harness, order, outcome="FAILED", message="Card expired")
    assert_matches("PaymentEntity", payment)
    assert payment["payment_message"] == "Card expired"

    log = (await harness.client.get("/control/webhooks")).json()
    assert len(log) == 1
    entry = log[0]
    assert set(entry) == {"url", "headers", "body", "status", "attempt"}
    assert (entry["url"], entry["status"], entry["attempt"]) == (NOTIFY_URL, 200, 1)
    headers = entry["headers"]
    assert headers["x-webhook-signature"] == wire.sign(
        SECRET, headers["x-webhook-timestamp"], entry["body"].encode()
    )
    assert entry["body"].encode() == harness.merchant.received[0].content
    body = json.loads(entry["body"])
    assert body["type"] == "PAYMENT_FAILED_WEBHOOK"
    assert body["data"]["payment"]["cf_payment_id"] == int(str(payment["cf_payment_id"]))
    assert_matches("PaymentWebhookOrderEntity", body["data"]["order"])
    assert_matches("PaymentWebhookCustomerEntity", body["data"]["customer_details"])
    assert_matches("PaymentWebhookGatewayDetailsEntity", body["data"]["payment_gateway_details"])


async def test_pending_then_success_through_control(harness: Harness, order: str) -> None:
    pending = await attempt(harness, order, outcome="PENDING")
    paid = await attempt(harness, order, outcome="SUCCESS", cf_payment_id=pending["cf_payment_id"])
    assert paid["payment_status"] == "SUCCESS"
    fetched = await harness.client.get(f"/pg/orders/{order}", headers=PG_HEADERS)
    assert fetched.json()["order_status"] == "PAID"
    types = [json.loads(e["body"])["type"] for e in harness.simulator.webhook_log()]
    assert types == ["PAYMENT_SUCCESS_WEBHOOK"]


async def test_user_dropped_webhook_type(harness: Harness, order: str) -> None:
    await attempt(harness, order, outcome="USER_DROPPED", method="net_banking")
    (entry,) = (await harness.client.get("/control/webhooks")).json()
    assert json.loads(entry["body"])["type"] == "PAYMENT_USER_DROPPED_WEBHOOK"


async def test_a_refusing_merchant_gets_retries_on_a_compressed_schedule(
    harness: Harness, order: str
) -> None:
    harness.merchant.statuses = [500, 502]
    await attempt(harness, order, outcome="SUCCESS")
    await eventually(lambda: len(harness.simulator.webhook_log()) == 3)
    log = (await harness.client.get("/control/webhooks")).json()
    assert [(e["status"], e["attempt"]) for e in log] == [(500, 1), (502, 2), (200, 3)]
    assert len({e["headers"]["x-idempotency-key"] for e in log}) == 1


async def test_control_errors(harness: Harness, order: str) -> None:
    bad_outcome = await harness.client.post(
        f"/control/orders/{order}/attempts", json={"outcome": "MAYBE"}
    )
    assert bad_outcome.status_code == 400
    missing = await harness.client.post(
        "/control/orders/order_none/attempts", json={"outcome": "SUCCESS"}
    )
    assert missing.status_code == 404
    no_outcome = await harness.client.post(f"/control/orders/{order}/attempts", json={})
    assert no_outcome.status_code == 400


async def test_expire_through_control(harness: Harness, order: str) -> None:
    response = await harness.client.post(f"/control/orders/{order}/expire")
    assert response.status_code == 200
    assert response.json()["order_status"] == "EXPIRED"
    fetched = await harness.client.get(f"/pg/orders/{order}", headers=PG_HEADERS)
    assert fetched.json()["order_status"] == "EXPIRED"


async def test_forced_next_outcome(harness: Harness, order: str) -> None:
    response = await harness.client.post(
        "/control/next-outcome", json={"outcome": "FAILED", "message": "Bank down"}
    )
    assert response.status_code == 200
    session = (await harness.simulator.get_order(order))["payment_session_id"]
    payment = await harness.simulator.pay_with_session(session, "SUCCESS")
    assert (payment["payment_status"], payment["payment_message"]) == ("FAILED", "Bank down")


async def test_faults_through_control_hit_the_next_pg_calls(harness: Harness, order: str) -> None:
    response = await harness.client.post(
        "/control/faults", json={"endpoint": "get_order", "kind": "5xx", "count": 2}
    )
    assert response.json()["faults"] == {"get_order": {"kind": "5xx", "rate": 1.0, "count": 2}}
    statuses = [
        (await harness.client.get(f"/pg/orders/{order}", headers=PG_HEADERS)).status_code
        for _ in range(3)
    ]
    assert statuses == [500, 500, 200]


async def test_a_5xx_body_is_an_api_error(harness: Harness, order: str) -> None:
    await harness.client.post("/control/faults", json={"endpoint": "*", "kind": "5xx"})
    response = await harness.client.get(f"/pg/orders/{order}/payments", headers=PG_HEADERS)
    assert response.status_code == 500
    assert_matches("ApiError", response.json())
    cleared = await harness.client.delete("/control/faults")
    assert cleared.json() == {"latency": {}, "faults": {}}
    again = await harness.client.get(f"/pg/orders/{order}/payments", headers=PG_HEADERS)
    assert again.status_code == 200


async def test_latency_and_bad_fault_settings(harness: Harness) -> None:
    latency = await harness.client.post(
        "/control/latency", json={"endpoint": "list_payments", "seconds": 0.001}
    )
    assert latency.json()["latency"] == {"list_payments": 0.001}
    bad = await harness.client.post("/control/faults", json={"endpoint": "*", "kind": "boom"})
    assert bad.status_code == 400
    current = await harness.client.get("/control/faults")
    assert current.json()["faults"] == {}


async def test_webhook_modes_through_control(harness: Harness, order: str) -> None:
    dropped = await harness.client.post("/control/webhooks/mode", json={"mode": "drop"})
    assert dropped.status_code == 200
    await attempt(harness, order, outcome="FAILED")
    assert harness.merchant.received == []

    await harness.client.post("/control/webhooks/mode", json={"mode": "duplicate"})
    await attempt(harness, order, outcome="FAILED")
    assert len(harness.merchant.received) == 2

    bad = await harness.client.post("/control/webhooks/mode", json={"mode": "sideways"})
    assert bad.status_code == 400


async def test_replay_through_control(harness: Harness, order: str) -> None:
    await attempt(harness, order, outcome="SUCCESS")
    replayed = await harness.client.post("/control/webhooks/0/replay", json={})
    assert replayed.status_code == 200
    assert len(harness.merchant.received) == 2
    assert harness.merchant.received[0].content == harness.merchant.received[1].content
    missing = await harness.client.post("/control/webhooks/9/replay", json={})
    assert missing.status_code == 404


async def test_reset_through_control(harness: Harness, order: str) -> None:
    await attempt(harness, order, outcome="SUCCESS")
    response = await harness.client.post("/control/reset")
    assert response.status_code == 200
    assert (await harness.client.get("/control/webhooks")).json() == []
    fetched = await harness.client.get(f"/pg/orders/{order}", headers=PG_HEADERS)
    assert fetched.status_code == 404


async def test_every_control_answer_says_it_comes_from_a_test_double(
    harness: Harness, order: str
) -> None:
    answers = [
        await harness.client.post(f"/control/orders/{order}/attempts", json={"outcome": "FAILED"}),
        await harness.client.get("/control/webhooks"),
        await harness.client.get("/control/faults"),
        await harness.client.post("/control/next-outcome", json={}),  # a refusal too
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    for answer in answers:
        warning = answer.headers["x-test-double"]
        assert "NOT Cashfree" in warning and "customers' data" in warning
    api = await harness.client.get(f"/pg/orders/{order}", headers=PG_HEADERS)
    assert "x-test-double" not in api.headers
