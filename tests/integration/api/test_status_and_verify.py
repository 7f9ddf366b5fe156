import asyncio

from .harness import CUSTOMER, Service


async def test_unknown_order_is_404(service: Service) -> None:
    response = await service.client.get("/api/payment/status/ORDER_DOESNOTEXIST")
    assert response.status_code == 404
    assert response.json()["success"] is False


async def test_a_new_order_is_pending(service: Service) -> None:
    order = await service.create_order()
    response = await service.client.get(f"/api/payment/status/{order['order_id']}")
    body = response.json()
    assert body["status"] == "PENDING"
    assert body["attempts"] == []


async def test_a_failed_attempt_shows_at_once_and_carries_no_pii(service: Service) -> None:
    order = await service.create_order()
    await service.attempt(order["order_id"], "FAILED", "Insufficient funds")
    response = await service.client.get(f"/api/payment/status/{order['order_id']}")
    body = response.json()
    assert body["status"] == "FAILED"
    assert body["reason"] == "Insufficient funds"
    assert body["attempts"][0]["status"] == "FAILED"
    for value in CUSTOMER.values():
        assert value not in response.text


async def test_retry_after_failure_in_the_same_order_pays_once(service: Service) -> None:
    order = await service.create_order()
    await service.attempt(order["order_id"], "FAILED")
    await service.attempt(order["order_id"], "USER_DROPPED")
    await service.attempt(order["order_id"], "SUCCESS")
    body = (await service.client.get(f"/api/payment/status/{order['order_id']}")).json()
    assert body["status"] == "SUCCESS"
    assert body["transaction_id"]
    assert [a["status"] for a in body["attempts"]] == ["FAILED", "USER_DROPPED", "SUCCESS"]
    assert await service.ledger_entries() == 1


async def test_verify_reads_the_gateway_even_when_the_webhook_was_lost(service: Service) -> None:
    order = await service.create_order()
    await service.container.simulator().set_webhook_mode("drop")
    await service.attempt(order["order_id"], "SUCCESS")
    assert await service.ledger_entries() == 0
    response = await service.client.post(
        "/api/payment/verify", json={"order_id": order["order_id"]}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["verified"] is True and body["status"] == "SUCCESS"
    assert await service.ledger_entries() == 1


async def test_verify_accepts_the_academy_field_name(service: Service) -> None:
    order = await service.create_order()
    response = await service.client.post("/api/payment/verify", json={"orderId": order["order_id"]})
    assert response.json()["verified"] is False
    assert response.json()["status"] == "PENDING"


async def test_verify_unknown_order_is_404(service: Service) -> None:
    response = await service.client.post("/api/payment/verify", json={"order_id": "ORDER_NOPE"})
    assert response.status_code == 404


async def test_expired_order_reads_expired(service: Service) -> None:
    order = await service.create_order()
    await service.container.simulator().expire_order(order["order_id"])
    body = (await service.client.get(f"/api/payment/status/{order['order_id']}")).json()
    assert body["status"] == "EXPIRED"


async def test_concurrent_polls_share_one_gateway_confirmation(service: Service) -> None:
    order = await service.create_order()
    service.container.simulator().set_latency("list_payments", 0.2)
    polls = await asyncio.gather(
        *(service.client.get(f"/api/payment/status/{order['order_id']}") for _ in range(20))
    )
    assert {p.status_code for p in polls} == {200}
    assert service.container.order_watcher().gateway_calls(order["order_id"]) == 1
