"""Refunds, cancellation and reconciliation over HTTP: admin only, idempotent by refund_id,
never more than was paid even when two refunds race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from .harness import CUSTOMER, Service, running_service

JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"


async def paid_order(service: Service, amount: str = "499.00") -> str:
    order = await service.create_order(amount)
    await service.attempt(order["order_id"], "SUCCESS")
    order_id: str = order["order_id"]
    return order_id


async def refund(service: Service, order_id: str, **body: Any) -> tuple[int, dict[str, Any]]:
    response = await service.client.post(
        f"/api/payment/orders/{order_id}/refunds", json=body, headers=service.admin
    )
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/payment/orders/ORDER_X/refunds"),
        ("GET", "/api/payment/orders/ORDER_X/refunds"),
        ("GET", "/api/payment/refunds"),
        ("GET", "/api/payment/reconciliation"),
    ],
)
async def test_refund_routes_need_the_admin_token(service: Service, method: str, path: str) -> None:
    response = await service.client.request(method, path, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


async def test_a_partial_refund_is_recorded_and_listed(service: Service) -> None:
    order_id = await paid_order(service)
    status, body = await refund(
        service, order_id, amount="200.50", reason="Customer asked", refund_id="rf_one"
    )
    assert status == 201, body
    data = body["data"]
    assert data["refundId"] == "rf_one"
    assert data["orderId"] == order_id
    assert data["amount"] == 200.5
    assert data["state"] in ("PENDING", "SUCCESS")

    listed = await service.client.get(
        f"/api/payment/orders/{order_id}/refunds", headers=service.admin
    )
    assert [r["refundId"] for r in listed.json()["data"]] == ["rf_one"]
    recent = await service.client.get("/api/payment/refunds", headers=service.admin)
    assert [r["refundId"] for r in recent.json()["data"]] == ["rf_one"]


async def test_the_orders_report_says_what_each_order_refunded(service: Service) -> None:
    """An order stays PAID when refunded: its view (the orders report's, the customer
    account's) carries what was refunded or is being."""
    refunded = await paid_order(service, "300.00")
    untouched = await paid_order(service, "50.00")
    for refund_id, amount in (("rf_a", "100.00"), ("rf_b", "25.50")):
        status, body = await refund(
            service, refunded, amount=amount, reason="Seats cancelled", refund_id=refund_id
        )
        assert status == 201, body

    credits = await service.client.get("/api/payment/credits", headers=service.admin)

    customer = credits.json()["data"]["orders"][0]["customerId"]
    account = await service.client.get(f"/api/payment/customers/{customer}", headers=service.admin)
    for listed in (credits.json()["data"]["orders"], account.json()["data"]["orders"]):
        orders = {o["orderId"]: o for o in listed}
        assert orders[refunded]["status"] == "PAID"
        assert orders[refunded]["refunded"] + orders[refunded]["refunding"] == 125.5
        assert (orders[untouched]["refunded"], orders[untouched]["refunding"]) == (0, 0)


async def test_the_customer_status_of_a_refunded_order_says_so(service: Service) -> None:
    refunded = await paid_order(service, "300.00")
    untouched = await paid_order(service, "50.00")
    status, body = await refund(
        service, refunded, amount="120.00", reason="Seats cancelled", refund_id="rf_status"
    )
    assert status == 201, body

    answer = (await service.client.get(f"/api/payment/status/{refunded}")).json()
    plain = (await service.client.get(f"/api/payment/status/{untouched}")).json()

    assert answer["status"] == "SUCCESS"
    assert answer["refunded"] + answer["refunding"] == 120.0
    assert "refunded" not in plain and "refunding" not in plain


async def test_the_same_refund_id_and_body_answers_the_first_refund(service: Service) -> None:
    order_id = await paid_order(service)
    body = {"amount": "100.00", "reason": "Duplicate charge", "refund_id": "rf_same"}
    first_status, first = await refund(service, order_id, **body)
    again_status, again = await refund(service, order_id, **body)
    assert (first_status, again_status) == (201, 200)
    assert again["data"]["refundId"] == first["data"]["refundId"]
    assert again["data"]["createdAt"] == first["data"]["createdAt"]
    listed = await service.client.get(
        f"/api/payment/orders/{order_id}/refunds", headers=service.admin
    )
    assert len(listed.json()["data"]) == 1


async def test_the_same_refund_id_with_another_body_is_409(service: Service) -> None:
    order_id = await paid_order(service)
    await refund(service, order_id, amount="100.00", reason="Duplicate charge", refund_id="rf_x")
    status, body = await refund(
        service, order_id, amount="150.00", reason="Duplicate charge", refund_id="rf_x"
    )
    assert status == 409
    assert body["success"] is False


async def test_more_than_remains_is_400_with_the_remaining_amount(service: Service) -> None:
    order_id = await paid_order(service, "300.00")
    status, _ = await refund(service, order_id, amount="200.00", reason="Partial", refund_id="rf_a")
    assert status == 201
    status, body = await refund(
        service, order_id, amount="100.01", reason="Partial", refund_id="rf_b"
    )
    assert status == 400
    assert body["remaining"] == 100.0
    assert body["fields"][0]["field"] == "amount"


async def test_two_concurrent_refunds_beyond_the_paid_amount_one_wins(service: Service) -> None:
    order_id = await paid_order(service, "499.00")
    outcomes = await asyncio.gather(
        refund(service, order_id, amount="300.00", reason="Race one", refund_id="rf_race_1"),
        refund(service, order_id, amount="300.00", reason="Race two", refund_id="rf_race_2"),
    )
    statuses = sorted(status for status, _ in outcomes)
    assert statuses[0] == 201
    assert 400 <= statuses[1] < 500
    listed = await service.client.get(
        f"/api/payment/orders/{order_id}/refunds", headers=service.admin
    )
    assert len(listed.json()["data"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "10.00", "reason": "ok reason", "refund_id": "a b"}, "refund_id"),
        ({"amount": "10.00", "refund_id": "rf_ok1"}, "reason"),
        ({"amount": "10.00", "reason": "no", "refund_id": "rf_ok2"}, "reason"),
        ({"amount": "-1", "reason": "ok reason", "refund_id": "rf_ok3"}, "amount"),
        ({"amount": "1.001", "reason": "ok reason", "refund_id": "rf_ok4"}, "amount"),
    ],
)
async def test_invalid_refund_requests_are_400(
    service: Service, body: dict[str, Any], field: str
) -> None:
    order_id = await paid_order(service)
    status, answer = await refund(service, order_id, **body)
    assert status == 400, answer
    assert answer["fields"][0]["field"] == field


async def test_an_unpaid_order_is_not_refundable(service: Service) -> None:
    order = await service.create_order()
    status, body = await refund(
        service, order["order_id"], amount="1.00", reason="Nothing paid", refund_id="rf_np"
    )
    assert status == 409
    assert "paid" in body["error"]


async def test_an_unknown_order_is_404(service: Service) -> None:
    status, _ = await refund(
        service, "ORDER_UNKNOWN", amount="1.00", reason="No order", refund_id="rf_unknown"
    )
    assert status == 404


async def test_a_refund_shows_in_the_stats(service: Service) -> None:
    order_id = await paid_order(service, "400.00")
    await refund(service, order_id, amount="100.00", reason="Partial", refund_id="rf_stats")
    stats = (await service.client.get("/api/payment/stats", headers=service.admin)).json()
    data = stats["data"]
    assert data["paidAfterClose"] == 0
    assert {"refundedAmount", "refundCount", "netRevenue"} <= data.keys()
    assert data["netRevenue"] == data["totalAmount"] - data["refundedAmount"]


async def test_the_admin_cancels_an_open_order(service: Service) -> None:
    order = await service.create_order()
    response = await service.client.post(
        f"/api/payment/orders/{order['order_id']}/cancel", headers=service.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "TERMINATED"
    assert response.json()["data"]["paidAfterClose"] is False


async def test_a_paid_order_is_not_cancellable(service: Service) -> None:
    order_id = await paid_order(service)
    response = await service.client.post(
        f"/api/payment/orders/{order_id}/cancel", headers=service.admin
    )
    assert response.status_code == 409


async def test_the_reconciliation_route_shows_the_last_run(service: Service) -> None:
    before = await service.client.get("/api/payment/reconciliation", headers=service.admin)
    assert before.json()["data"]["lastRun"] is None
    await service.container.reconciler().run_once()
    after = await service.client.get("/api/payment/reconciliation", headers=service.admin)
    run = after.json()["data"]["lastRun"]
    assert run["checked"] >= 0
    assert isinstance(run["changes"], list)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'jwt.db'}", auth_mode="jwt", jwt_secret=JWT_SECRET
    ) as running:
        yield running


def bearer(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode({'sub': subject}, JWT_SECRET, 'HS256')}"}


async def test_in_jwt_mode_the_owner_cancels_and_others_get_404(shop: Service) -> None:
    created = await shop.client.post(
        "/api/payment/create-order",
        json={"amount": "99.00", **CUSTOMER},
        headers=bearer("owner_1"),
    )
    order_id = created.json()["order_id"]
    path = f"/api/payment/orders/{order_id}/cancel"
    other = await shop.client.post(path, headers=bearer("someone_else"))
    assert other.status_code == 404
    anonymous = await shop.client.post(path)
    assert anonymous.status_code == 401
    own = await shop.client.post(path, headers=bearer("owner_1"))
    assert own.status_code == 200, own.text
    assert own.json()["data"]["order_status"] == "TERMINATED"
    assert "customerEmail" not in own.json()["data"]


async def settled(service: Service, order_id: str) -> list[dict[str, Any]]:
    """The order's refunds once none is PENDING (the simulator's webhook settles them)."""
    for _ in range(200):
        listed = await service.client.get(
            f"/api/payment/orders/{order_id}/refunds", headers=service.admin
        )
        refunds: list[dict[str, Any]] = listed.json()["data"]
        if all(r["state"] != "PENDING" for r in refunds):
            return refunds
        await asyncio.sleep(0.02)
    raise AssertionError(f"refunds still pending: {refunds}")


async def test_a_full_refund_settles_and_nets_the_revenue_to_zero(service: Service) -> None:
    order_id = await paid_order(service, "250.00")
    status, _ = await refund(service, order_id, amount="250.00", reason="Full", refund_id="rf_f")
    assert status == 201
    assert [r["state"] for r in await settled(service, order_id)] == ["SUCCESS"]
    stats = (await service.client.get("/api/payment/stats", headers=service.admin)).json()["data"]
    assert (stats["refundCount"], stats["refundedAmount"], stats["netRevenue"]) == (1, 250.0, 0.0)
    done = await service.client.get("/api/payment/refunds?state=success", headers=service.admin)
    assert [r["refundId"] for r in done.json()["data"]] == ["rf_f"]
    pending = await service.client.get("/api/payment/refunds?state=PENDING", headers=service.admin)
    assert pending.json()["data"] == []
    status, body = await refund(service, order_id, amount="1.00", reason="More", refund_id="rf_g")
    assert status == 400
    assert body["remaining"] == 0.0


async def test_a_returned_refunds_bank_reference_reaches_the_operator_and_the_customer(
    service: Service,
) -> None:
    """The ARN comes with the refund's SUCCESS webhook: in the refund's view, the customer's
    status answer and the operator's search."""
    order_id = await paid_order(service, "250.00")
    status, _ = await refund(service, order_id, amount="100.00", reason="Part", refund_id="rf_b")
    assert status == 201

    [done] = await settled(service, order_id)

    assert done["state"] == "SUCCESS" and done["arn"].startswith("RF")
    answer = (await service.client.get(f"/api/payment/status/{order_id}")).json()
    assert answer["refund_references"] == [done["arn"]]
    found = await service.client.get(
        "/api/payment/search", params={"q": done["arn"]}, headers=service.admin
    )
    assert [o["orderId"] for o in found.json()["data"]["orders"]] == [order_id]
    assert found.json()["data"]["orders"][0]["refundReferences"] == [done["arn"]]
    report = await service.client.get("/api/payment/credits", headers=service.admin)
    [row] = [o for o in report.json()["data"]["orders"] if o["orderId"] == order_id]
    assert row["refundReferences"] == [done["arn"]]
    untouched = await paid_order(service, "50.00")
    plain = (await service.client.get(f"/api/payment/status/{untouched}")).json()
    assert "refund_references" not in plain


async def test_an_unknown_refund_state_filter_is_400(service: Service) -> None:
    response = await service.client.get("/api/payment/refunds?state=DONE", headers=service.admin)
    assert response.status_code == 400


async def test_in_none_mode_the_order_id_is_the_key_to_cancel(service: Service) -> None:
    order = await service.create_order()
    response = await service.client.post(f"/api/payment/orders/{order['order_id']}/cancel")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["order_status"] == "TERMINATED"
    assert "customerEmail" not in data


async def test_cancelling_an_unknown_order_is_404(service: Service) -> None:
    response = await service.client.post(
        "/api/payment/orders/ORDER_UNKNOWN/cancel", headers=service.admin
    )
    assert response.status_code == 404


async def test_in_jwt_mode_the_admin_cancels_any_order(shop: Service) -> None:
    created = await shop.client.post(
        "/api/payment/create-order",
        json={"amount": "99.00", **CUSTOMER},
        headers=bearer("owner_2"),
    )
    order_id = created.json()["order_id"]
    response = await shop.client.post(f"/api/payment/orders/{order_id}/cancel", headers=shop.admin)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "TERMINATED"


async def test_a_success_after_expiry_is_flagged_in_orders_and_stats(service: Service) -> None:
    order = await service.create_order("120.00")
    order_id = order["order_id"]
    simulator = service.container.simulator()
    pending = await simulator.record_attempt(order_id, "PENDING")
    await simulator.expire_order(order_id)
    status = await service.client.get(f"/api/payment/status/{order_id}")
    assert status.json()["order_status"] == "EXPIRED"

    await simulator.record_attempt(order_id, "SUCCESS", cf_payment_id=pending["cf_payment_id"])
    await service.client.post("/api/payment/verify", json={"order_id": order_id})

    credits = await service.client.get("/api/payment/credits", headers=service.admin)
    [view] = [o for o in credits.json()["data"]["orders"] if o["orderId"] == order_id]
    assert (view["status"], view["paidAfterClose"]) == ("PAID", True)
    stats = (await service.client.get("/api/payment/stats", headers=service.admin)).json()["data"]
    assert stats["paidAfterClose"] == 1
    assert stats["totalCredits"] == 1
