import json
import time

from cashfree_simulator.wire import sign

from .harness import Service

URL = "/api/payment/webhook"


def success_body(order_id: str, amount: str = "499.00", payment_id: int = 77) -> bytes:
    return json.dumps(
        {
            "data": {
                "order": {
                    "order_id": order_id,
                    "order_amount": float(amount),
                    "order_currency": "INR",
                },
                "payment": {
                    "cf_payment_id": payment_id,
                    "payment_status": "SUCCESS",
                    "payment_amount": float(amount),
                    "payment_currency": "INR",
                    "payment_message": "Transaction successful",
                    "payment_time": "2026-01-01T12:00:00+05:30",
                    "payment_group": "upi",
                },
                "customer_details": {},
            },
            "event_time": "2026-01-01T12:00:01+05:30",
            "type": "PAYMENT_SUCCESS_WEBHOOK",
        }
    ).encode()


def signed(body: bytes, secret: str = "test-secret-key", ts: str | None = None) -> dict[str, str]:
    ts = ts or str(int(time.time() * 1000))
    return {
        "content-type": "application/json",
        "x-webhook-timestamp": ts,
        "x-webhook-signature": sign(secret, ts, body),
        "x-webhook-version": "2025-01-01",
    }


async def test_the_simulator_webhook_pays_the_order(service: Service) -> None:
    order = await service.create_order()
    await service.attempt(order["order_id"], "SUCCESS")
    log = await service.webhooks()
    assert log[-1]["status"] == 200
    assert json.loads(log[-1]["body"])["type"] == "PAYMENT_SUCCESS_WEBHOOK"
    assert await service.ledger_entries() == 1


async def test_a_replayed_delivery_byte_for_byte_credits_nothing_more(service: Service) -> None:
    order = await service.create_order()
    await service.attempt(order["order_id"], "SUCCESS")
    delivery = (await service.webhooks())[-1]
    for _ in range(3):
        response = await service.client.post(
            URL, content=delivery["body"].encode(), headers=delivery["headers"]
        )
        assert response.status_code == 200
    assert await service.ledger_entries() == 1


async def test_a_bad_signature_is_401_and_writes_nothing(service: Service) -> None:
    order = await service.create_order()
    body = success_body(order["order_id"])
    headers = signed(body, secret="not-our-secret")
    response = await service.client.post(URL, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert await service.ledger_entries() == 0
    status = (await service.client.get(f"/api/payment/status/{order['order_id']}")).json()
    assert status["attempts"] == []


async def test_a_body_changed_after_signing_is_401(service: Service) -> None:
    order = await service.create_order()
    body = success_body(order["order_id"])
    headers = signed(body)
    response = await service.client.post(
        URL, content=body.replace(b"499.0", b"1.0"), headers=headers
    )
    assert response.status_code == 401
    assert await service.ledger_entries() == 0


async def test_missing_headers_are_401(service: Service) -> None:
    order = await service.create_order()
    response = await service.client.post(URL, content=success_body(order["order_id"]))
    assert response.status_code == 401


async def test_a_stale_timestamp_is_refused(service: Service) -> None:
    order = await service.create_order()
    body = success_body(order["order_id"])
    stale = str(int((time.time() - 3600) * 1000))
    response = await service.client.post(URL, content=body, headers=signed(body, ts=stale))
    assert response.status_code == 401


async def test_a_signed_success_pays_and_credits(service: Service) -> None:
    order = await service.create_order()
    body = success_body(order["order_id"])
    response = await service.client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200
    assert await service.ledger_entries() == 1


async def test_a_signed_success_for_a_wrong_amount_is_not_credited(service: Service) -> None:
    order = await service.create_order("499.00")
    body = success_body(order["order_id"], amount="1.00")
    response = await service.client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200
    assert await service.ledger_entries() == 0
    status = (await service.client.get(f"/api/payment/status/{order['order_id']}")).json()
    assert status["attempts"][0]["mismatch"] is True
    assert status["status"] == "PENDING"


async def test_unknown_event_types_are_acknowledged_and_ignored(service: Service) -> None:
    body = json.dumps({"type": "SETTLEMENT_WEBHOOK", "data": {}}).encode()
    response = await service.client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"


async def test_a_signed_but_malformed_payment_webhook_is_400(service: Service) -> None:
    body = json.dumps({"type": "PAYMENT_SUCCESS_WEBHOOK", "data": {"order": {}}}).encode()
    response = await service.client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 400
