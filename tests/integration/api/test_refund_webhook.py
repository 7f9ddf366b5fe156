"""REFUND_STATUS_WEBHOOK through the route: verified, settles a known refund once, and an
unknown refund is logged and acknowledged."""

from __future__ import annotations

import json

from domain.money import Money
from domain.refunds import Refund, RefundState

from .harness import CUSTOMER, Service
from .test_webhook import URL, signed


def refund_webhook(order_id: str, refund_id: str, status: str, arn: str = "") -> bytes:
    refund: dict[str, object] = {
        "cf_refund_id": f"cf_{refund_id}",
        "refund_id": refund_id,
        "order_id": order_id,
        "refund_amount": 499.0,
        "refund_currency": "INR",
        "refund_status": status,
    }
    if arn:
        refund["refund_arn"] = arn
    return json.dumps({"type": "REFUND_STATUS_WEBHOOK", "data": {"refund": refund}}).encode()


async def _pending_refund(
    service: Service, amount: str = "499.00", plan_id: str | None = None
) -> tuple[str, str]:
    if plan_id is None:
        order = await service.create_order()
    else:
        created = await service.client.post(
            "/api/payment/create-order", json={"planId": plan_id, **CUSTOMER}
        )
        assert created.status_code == 200, created.text
        order = created.json()
    order_id = order["order_id"]
    await service.attempt(order_id, "SUCCESS")
    store = service.container.store()
    async with store.unit_of_work() as uow:
        paid = await uow.orders.get(order_id)
        assert paid is not None
        refund = Refund.request(
            "refund_hook",
            order_id,
            paid.customer_id,
            Money.of(amount),
            "customer asked",
            service.container.clock().now(),
            paid=paid.amount,
        )
        await uow.refunds.add(refund)
        await uow.commit()
    return order_id, paid.customer_id


async def test_a_refund_webhook_settles_the_refund_once(service: Service) -> None:
    order_id, customer_id = await _pending_refund(service)
    body = refund_webhook(order_id, "refund_hook", "SUCCESS")
    for _ in range(2):
        response = await service.client.post(URL, content=body, headers=signed(body))
        assert response.status_code == 200 and response.json()["status"] == "received"
    [refund] = await service.container.store().reports().refunds_of(order_id)
    assert (refund.state, refund.gateway_refund_id) == (RefundState.SUCCESS, "cf_refund_hook")
    lines = await service.container.store().reports().statement(customer_id, 100)
    assert sum(line.credits for line in lines) == 0


async def test_a_later_arn_is_recorded_told_to_the_customer_once_and_reverses_nothing(
    service: Service,
) -> None:
    order_id, customer_id = await _pending_refund(service, "249.50", plan_id="credits-10")
    first = refund_webhook(order_id, "refund_hook", "SUCCESS")
    later = refund_webhook(order_id, "refund_hook", "SUCCESS", arn="RF0000000042")
    for body in (first, later, later):
        response = await service.client.post(URL, content=body, headers=signed(body))
        assert response.status_code == 200 and response.json()["status"] == "received"
    [refund] = await service.container.store().reports().refunds_of(order_id)
    assert (refund.state, refund.arn) == (RefundState.SUCCESS, "RF0000000042")
    lines = await service.container.store().reports().statement(customer_id, 100)
    assert [line.credits for line in lines if line.refund_id] == [-5], "half of 10, once"
    inbox = await service.container.store().reports().notifications_of(customer_id, 100)
    refund_topics = [n.topic for n in inbox if n.topic.startswith("refund.")]
    assert sorted(refund_topics) == ["refund.referenced", "refund.succeeded"]
    [referenced] = [n for n in inbox if n.topic == "refund.referenced"]
    assert referenced.body.endswith("for order " + order_id + " is RF0000000042.")


async def test_an_unsigned_refund_webhook_is_401(service: Service) -> None:
    order_id, _ = await _pending_refund(service)
    body = refund_webhook(order_id, "refund_hook", "SUCCESS")
    response = await service.client.post(URL, content=body, headers=signed(body, secret="x"))
    assert response.status_code == 401
    [refund] = await service.container.store().reports().refunds_of(order_id)
    assert refund.state is RefundState.PENDING


async def test_a_webhook_for_an_unknown_refund_is_acknowledged(service: Service) -> None:
    body = refund_webhook("ORDER_UNKNOWN", "refund_unknown", "SUCCESS")
    response = await service.client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"


async def _refund_the_simulator_leaves_pending(service: Service, refund_id: str) -> str:
    """A paid order with a refund of 200.00 the simulator holds PENDING; the order's id."""
    order = await service.create_order()
    order_id: str = order["order_id"]
    await service.attempt(order_id, "SUCCESS")
    forced = await service.client.post(
        "/_fake-cashfree/control/refunds/next-outcome", json={"outcome": "PENDING"}
    )
    assert forced.status_code == 200
    refund = await service.container.refund_order().execute(
        order_id, refund_id, "200.00", "customer asked"
    )
    assert refund.state is RefundState.PENDING
    return order_id


async def test_a_refund_the_simulator_leaves_pending_is_settled_by_its_webhook(
    service: Service,
) -> None:
    order_id = await _refund_the_simulator_leaves_pending(service, "refund_sim")
    settled = await service.client.post(
        f"/_fake-cashfree/control/orders/{order_id}/refunds/refund_sim",
        json={"outcome": "SUCCESS"},
    )
    assert settled.status_code == 200
    [stored] = await service.container.store().reports().refunds_of(order_id)
    assert stored.state is RefundState.SUCCESS and stored.gateway_refund_id
    assert stored.arn.startswith("RF"), "the simulator's refund_arn"
    reports = service.container.store().reports()
    inbox = await reports.notifications_of(stored.customer_id, 100)
    [returned] = [n for n in inbox if n.topic == "refund.succeeded"]
    assert returned.body.endswith(f"Your bank's reference for it is {stored.arn}.")


async def test_a_bank_reference_the_simulator_sends_after_the_success_reaches_the_customer(
    service: Service,
) -> None:
    order_id = await _refund_the_simulator_leaves_pending(service, "refund_late")
    url = f"/_fake-cashfree/control/orders/{order_id}/refunds/refund_late"
    first = await service.client.post(url, json={"outcome": "SUCCESS", "arn": None})
    assert first.status_code == 200
    reports = service.container.store().reports()
    [refund] = await reports.refunds_of(order_id)
    assert (refund.state, refund.arn) == (RefundState.SUCCESS, "")
    later = await service.client.post(url, json={"outcome": "SUCCESS"})
    assert later.status_code == 200
    [refund] = await reports.refunds_of(order_id)
    assert refund.arn == later.json()["refund_arn"]
    inbox = await reports.notifications_of(refund.customer_id, 100)
    by_topic = {n.topic: n for n in inbox if n.topic.startswith("refund.")}
    assert sorted(by_topic) == ["refund.referenced", "refund.succeeded"]
    assert "reference" not in by_topic["refund.succeeded"].body
    assert by_topic["refund.referenced"].body.endswith(f" is {refund.arn}.")


async def test_a_refund_the_simulator_fails_frees_its_amount(service: Service) -> None:
    order = await service.create_order()
    order_id = order["order_id"]
    await service.attempt(order_id, "SUCCESS")
    await service.client.post(
        "/_fake-cashfree/control/refunds/next-outcome", json={"outcome": "CANCELLED"}
    )
    refund_order = service.container.refund_order()
    await refund_order.execute(order_id, "refund_c", "499.00", "customer asked")
    [stored] = await service.container.store().reports().refunds_of(order_id)
    assert stored.state is RefundState.CANCELLED
    whole = await refund_order.execute(order_id, "refund_d", "499.00", "customer asked")
    assert whole.state in (RefundState.PENDING, RefundState.SUCCESS)
    done = await service.container.store().reports().refunds_of(order_id)
    assert [r.state for r in done] == [RefundState.CANCELLED, RefundState.SUCCESS]
