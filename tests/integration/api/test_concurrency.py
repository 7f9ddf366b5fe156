"""Concurrent webhooks and status polls for one order: one ledger entry, every valid
delivery applied (200), on every store."""

import asyncio
import json

from .harness import Service
from .test_webhook import URL, signed, success_body


async def test_concurrent_webhooks_and_polls_credit_exactly_once(
    any_store_service: Service,
) -> None:
    service = any_store_service
    order = await service.create_order("499.00")
    order_id = order["order_id"]
    await service.container.simulator().set_webhook_mode("drop")
    attempt = await service.attempt(order_id, "SUCCESS")
    body = success_body(order_id, "499.00", payment_id=attempt["cf_payment_id"])
    headers = signed(body)

    deliveries = [service.client.post(URL, content=body, headers=headers) for _ in range(50)]
    polls = [service.client.get(f"/api/payment/status/{order_id}") for _ in range(20)]
    responses = await asyncio.gather(*deliveries, *polls)

    assert [r.status_code for r in responses] == [200] * 70
    assert await service.ledger_entries() == 1
    final = (await service.client.get(f"/api/payment/status/{order_id}")).json()
    assert final["status"] == "SUCCESS"
    assert len(final["attempts"]) == 1
    reports = service.container.store().reports()
    [paid] = await reports.recent_orders(1)
    notified = [n.topic for n in await reports.notifications_of(paid.customer_id, 100)]
    assert notified == ["payment.succeeded"]


def failure_body(order_id: str, payment_id: int) -> bytes:
    """A PAYMENT_FAILED_WEBHOOK for attempt `payment_id` of the order."""
    body = json.loads(success_body(order_id, "499.00", payment_id=payment_id))
    body["type"] = "PAYMENT_FAILED_WEBHOOK"
    body["data"]["payment"].update(
        payment_status="FAILED", payment_message="Transaction declined by bank"
    )
    return json.dumps(body).encode()


async def test_racing_webhooks_that_each_change_one_order_are_all_applied(
    any_store_service: Service,
) -> None:
    """40 failed attempts and 10 deliveries of the success, all at once, on one order:
    each failure is a write of its own, so the writers conflict again and again. With 20
    immediate retries PostgreSQL and MariaDB answered some of them 409 (dropped by the
    sender after its retries); with jittered backoff every one is applied."""
    service = any_store_service
    order_id = (await service.create_order("499.00"))["order_id"]
    bodies = [failure_body(order_id, 1000 + n) for n in range(40)]
    bodies += [success_body(order_id, "499.00", payment_id=77)] * 10

    responses = await asyncio.gather(
        *(service.client.post(URL, content=body, headers=signed(body)) for body in bodies)
    )

    assert [r.status_code for r in responses] == [200] * 50, {r.text for r in responses}
    assert await service.ledger_entries() == 1
    final = (await service.client.get(f"/api/payment/status/{order_id}")).json()
    assert final["status"] == "SUCCESS"
    assert len(final["attempts"]) == 41
