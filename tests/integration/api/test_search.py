"""GET /api/payment/search: the operator finds an order or a customer by whatever a
support request names, however the customer wrote it."""

from __future__ import annotations

import io
from typing import Any

import pytest

from .harness import CUSTOMER, Service, running_service

RAVI = {
    "customerName": "Ravi Kumar",
    "customerEmail": "ravi@example.com",
    "customerPhone": "9123456780",
}


async def _order(service: Service, who: dict[str, str]) -> dict[str, Any]:
    response = await service.client.post(
        "/api/payment/create-order", json={"amount": "250.00", **who}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _search(service: Service, q: str) -> dict[str, Any]:
    response = await service.client.get(
        "/api/payment/search", params={"q": q}, headers=service.admin
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    data: dict[str, Any] = body["data"]
    return data


async def test_an_order_is_found_by_its_id_and_by_a_payment_id(service: Service) -> None:
    asha = await _order(service, CUSTOMER)
    await _order(service, RAVI)
    declined = await service.attempt(asha["order_id"], "FAILED", "Card declined")
    paid = await service.attempt(asha["order_id"], "SUCCESS")

    by_id = await _search(service, f"  {asha['order_id']} ")
    assert by_id["query"] == asha["order_id"]
    assert [o["orderId"] for o in by_id["orders"]] == [asha["order_id"]]
    assert by_id["customers"] == []
    found = by_id["orders"][0]
    assert found["status"] == "PAID" and found["customerId"] == asha["customer_id"]
    assert len(found["attempts"]) == 2

    for payment in (declined, paid):
        by_payment = await _search(service, str(payment["cf_payment_id"]))
        assert [o["orderId"] for o in by_payment["orders"]] == [asha["order_id"]]


async def test_an_order_is_found_by_what_cashfree_and_the_bank_call_it(
    service: Service,
) -> None:
    """A bank statement's UTR, Cashfree's order id, a refund's id or Cashfree's id."""
    asha = await _order(service, CUSTOMER)
    await _order(service, RAVI)
    paid = await service.attempt(asha["order_id"], "SUCCESS")
    refunded = await service.client.post(
        f"/api/payment/orders/{asha['order_id']}/refunds",
        json={"amount": "10.00", "reason": "customer asked", "refund_id": "refund_asha"},
        headers=service.admin,
    )
    assert refunded.status_code in (200, 201), refunded.text
    refund = refunded.json()["data"]
    assert paid["bank_reference"] and refund["gatewayRefundId"]

    references = (
        paid["bank_reference"],
        paid["payment_gateway_details"]["gateway_order_id"],
        "refund_asha",
        refund["gatewayRefundId"],
    )
    for reference in references:
        found = await _search(service, str(reference))
        assert [o["orderId"] for o in found["orders"]] == [asha["order_id"]], reference
    [attempt] = found["orders"][0]["attempts"]
    assert attempt["bank_reference"] == paid["bank_reference"]
    assert found["orders"][0]["refunded"] + found["orders"][0]["refunding"] == 10.0
    assert [r["refundId"] for r in found["refunds"]] == ["refund_asha"]
    nothing = await _search(service, "asha@example.com")
    assert nothing["orders"] == [] and nothing["refunds"] == []


@pytest.mark.parametrize(
    "written",
    ["asha@example.com", " ASHA@Example.COM ", "9876543210", "+91 98765 43210", "098765-43210"],
)
async def test_a_customer_is_found_by_email_or_phone_as_written(
    service: Service, written: str
) -> None:
    asha = await _order(service, CUSTOMER)
    await _order(service, RAVI)

    found = await _search(service, written)

    assert [c["customerId"] for c in found["customers"]] == [asha["customer_id"]]
    customer = found["customers"][0]
    assert (customer["name"], customer["email"], customer["phone"]) == (
        "Asha Rao",
        "asha@example.com",
        "9876543210",
    )
    assert customer["earlierContact"] is False
    assert found["orders"] == []


async def test_a_customer_is_found_by_the_phone_an_earlier_order_was_paid_with(
    service: Service,
) -> None:
    """The profile keeps the latest contact details; a support request may quote the
    phone of an earlier order, and the answer says so."""
    asha = await _order(service, CUSTOMER)
    await _order(service, {**CUSTOMER, "customerPhone": "+91 90000 00002"})

    by_earlier = await _search(service, "98765 43210")
    by_latest = await _search(service, "9000000002")

    assert [c["customerId"] for c in by_earlier["customers"]] == [asha["customer_id"]]
    assert by_earlier["customers"][0]["phone"] == "9000000002"
    assert by_earlier["customers"][0]["earlierContact"] is True
    assert [c["customerId"] for c in by_latest["customers"]] == [asha["customer_id"]]
    assert by_latest["customers"][0]["earlierContact"] is False


async def test_a_customer_is_found_by_id(service: Service) -> None:
    ravi = await _order(service, RAVI)

    found = await _search(service, ravi["customer_id"])

    assert [c["customerId"] for c in found["customers"]] == [ravi["customer_id"]]


async def test_nothing_found_is_an_empty_answer(service: Service) -> None:
    await _order(service, CUSTOMER)

    found = await _search(service, "ORDER_NOSUCHTHING")

    assert found == {"query": "ORDER_NOSUCHTHING", "orders": [], "customers": [], "refunds": []}


@pytest.mark.parametrize("q", [None, "", "   ", "x" * 255, "ORDER_\x00", "tab\there"])
async def test_a_missing_or_unreadable_query_is_400(service: Service, q: str | None) -> None:
    params = {} if q is None else {"q": q}
    response = await service.client.get("/api/payment/search", params=params, headers=service.admin)
    assert response.status_code == 400
    assert "q must be 1 to 254 printable characters" in response.json()["error"]


async def test_the_search_needs_the_admin_token(service: Service) -> None:
    response = await service.client.get("/api/payment/search", params={"q": "asha@example.com"})
    assert response.status_code == 401


async def test_what_was_searched_for_never_reaches_the_log(rendered_log: io.StringIO) -> None:
    """An operator pastes customers' e-mails and phone numbers: the request's log line
    carries its path, not its query."""
    async with running_service() as service:
        await _order(service, CUSTOMER)
        for written in ("asha@example.com", "+91 98765 43210"):
            await _search(service, written)
    logged = rendered_log.getvalue()
    assert "/api/payment/search" in logged
    for personal in ("asha@example.com", "98765", "Asha Rao"):
        assert personal not in logged
