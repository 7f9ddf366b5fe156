"""50 concurrent deliveries of one success webhook, racing status polls: one ledger entry."""

import asyncio

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
