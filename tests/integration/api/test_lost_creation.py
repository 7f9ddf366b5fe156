"""Create-order's gateway answer lost (the simulator's timeout fault: the order is made,
the answer never comes), end to end: create-order answers 504, the gateway order is paid
anyway and its webhook credits it once; an unpaid one is terminated by the reconciler."""

from __future__ import annotations

from datetime import timedelta

from application.errors import GatewayTimeout
from domain.order import Order, OrderStatus

from .harness import CUSTOMER, Service
from .test_webhook import URL

LATER = timedelta(minutes=2)


async def orphan(service: Service) -> Order:
    """An order whose create-order timed out after the gateway had made it."""
    service.container.simulator().set_fault("create_order", "timeout", count=1)
    response = await service.client.post(
        "/api/payment/create-order", json={"amount": "499.00", **CUSTOMER}
    )
    assert response.status_code == 504
    assert response.json() == {"success": False, "error": GatewayTimeout.public_message}
    [newest] = await service.container.store().reports().recent_orders(1)
    held = await service.container.simulator().get_order(newest.order_id)
    assert held["order_status"] == "ACTIVE"
    return newest


async def test_a_payment_on_an_order_whose_answer_was_lost_is_credited_once(
    service: Service,
) -> None:
    order = await orphan(service)
    assert order.status is OrderStatus.CREATED

    await service.attempt(order.order_id, "SUCCESS")

    [delivery] = await service.webhooks()
    assert delivery["status"] == 200, delivery
    assert await service.ledger_entries() == 1
    status = (await service.client.get(f"/api/payment/status/{order.order_id}")).json()
    assert (status["status"], status["order_status"]) == ("SUCCESS", "PAID")

    replay = await service.client.post(
        URL, content=delivery["body"].encode(), headers=delivery["headers"]
    )
    assert replay.status_code == 200
    assert await service.ledger_entries() == 1
    run = await service.container.reconcile().run(now=order.created_at + LATER)
    assert run.changes == [], "a paid orphan is left as it is"


async def test_the_reconciler_terminates_an_unpaid_orphan_at_the_gateway(
    service: Service,
) -> None:
    order = await orphan(service)

    run = await service.container.reconcile().run(now=order.created_at + LATER)

    assert [(c.id, c.before, c.after) for c in run.changes] == [
        (order.order_id, "CREATED", "TERMINATED")
    ]
    held = await service.container.simulator().get_order(order.order_id)
    assert held["order_status"] == "TERMINATED"
    status = (await service.client.get(f"/api/payment/status/{order.order_id}")).json()
    assert status["status"] == "TERMINATED"
    assert await service.ledger_entries() == 0
