"""The /pg API over HTTP: Cashfree's paths, headers, status codes and schemas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import PG_HEADERS, Harness, order_request
from .openapi import assert_matches


async def create(harness: Harness, order_id: str = "order_2001") -> dict[str, object]:
    response = await harness.client.post(
        "/pg/orders", json=order_request(order_id), headers=PG_HEADERS
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def paid_order(harness: Harness) -> str:
    await create(harness)
    await harness.simulator.record_attempt("order_2001", "FAILED")
    await harness.simulator.record_attempt("order_2001", "SUCCESS")
    return "order_2001"


async def test_create_order_answers_an_order_entity(harness: Harness) -> None:
    order = await create(harness)
    assert_matches("OrderEntity", order)
    assert order["order_amount"] == 1250.75
    assert order["order_status"] == "ACTIVE"
    assert order["order_tags"] == {"plan": "monthly"}


async def test_amounts_travel_as_exact_json_numbers(harness: Harness) -> None:
    response = await harness.client.post(
        "/pg/orders", json=order_request(order_amount=10.1), headers=PG_HEADERS
    )
    assert b'"order_amount":10.1' in response.content
    assert await harness.simulator.get_order("order_2001") == {
        **response.json(parse_float=Decimal),
    }


async def test_get_and_terminate_order(harness: Harness) -> None:
    await create(harness)
    fetched = await harness.client.get("/pg/orders/order_2001", headers=PG_HEADERS)
    assert fetched.status_code == 200
    assert_matches("OrderEntity", fetched.json())

    terminated = await harness.client.patch(
        "/pg/orders/order_2001", json={"order_status": "TERMINATED"}, headers=PG_HEADERS
    )
    assert terminated.status_code == 200
    assert_matches("OrderEntity", terminated.json())
    assert terminated.json()["order_status"] == "TERMINATED"


async def test_payments_list_and_single_payment(harness: Harness) -> None:
    await paid_order(harness)
    listed = await harness.client.get("/pg/orders/order_2001/payments", headers=PG_HEADERS)
    assert listed.status_code == 200
    payments = listed.json()
    assert [p["payment_status"] for p in payments] == ["FAILED", "SUCCESS"]
    for payment in payments:
        assert_matches("PaymentEntity", payment)
        assert isinstance(payment["cf_payment_id"], str)

    cf_payment_id = payments[1]["cf_payment_id"]
    single = await harness.client.get(
        f"/pg/orders/order_2001/payments/{cf_payment_id}", headers=PG_HEADERS
    )
    assert single.status_code == 200
    assert_matches("PaymentEntity", single.json())
    assert single.json() == payments[1]


@pytest.mark.parametrize("method", ["credit_card", "debit_card", "net_banking", "wallet"])
async def test_every_payment_method_fits_the_schema(harness: Harness, method: str) -> None:
    await create(harness)
    await harness.simulator.record_attempt("order_2001", "FAILED", method=method)
    listed = await harness.client.get("/pg/orders/order_2001/payments", headers=PG_HEADERS)
    assert_matches("PaymentEntity", listed.json()[0])


async def test_refunds_create_list_and_get(harness: Harness) -> None:
    order_id = await paid_order(harness)
    created = await harness.client.post(
        f"/pg/orders/{order_id}/refunds",
        json={"refund_id": "refund_9", "refund_amount": 250.75, "refund_note": "goodwill"},
        headers={**PG_HEADERS, "x-idempotency-key": "refund-key"},
    )
    assert created.status_code == 200, created.text
    assert_matches("RefundEntity", created.json())
    assert created.json()["refund_status"] == "PENDING"

    listed = await harness.client.get(f"/pg/orders/{order_id}/refunds", headers=PG_HEADERS)
    assert listed.status_code == 200
    for refund in listed.json():
        assert_matches("RefundEntity", refund)
    single = await harness.client.get(f"/pg/orders/{order_id}/refunds/refund_9", headers=PG_HEADERS)
    assert single.status_code == 200
    assert_matches("RefundEntity", single.json())
    assert single.json()["refund_status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/pg/orders/order_none"),
        ("PATCH", "/pg/orders/order_none"),
        ("GET", "/pg/orders/order_none/payments"),
        ("GET", "/pg/orders/order_none/payments/1"),
        ("GET", "/pg/orders/order_none/refunds"),
        ("GET", "/pg/orders/order_none/refunds/r_1"),
    ],
)
async def test_unknown_orders_are_cashfrees_404(harness: Harness, method: str, path: str) -> None:
    body = {"order_status": "TERMINATED"} if method == "PATCH" else None
    response = await harness.client.request(method, path, json=body, headers=PG_HEADERS)
    assert response.status_code == 404
    assert_matches("ApiError404", response.json())
    assert response.json() == {
        "message": "Order not found",
        "code": "order_not_found",
        "type": "invalid_request_error",
    }


async def test_validation_errors_are_400_bad_request_errors(harness: Harness) -> None:
    response = await harness.client.post(
        "/pg/orders", json=order_request(order_amount=0.5), headers=PG_HEADERS
    )
    assert response.status_code == 400
    assert_matches("BadRequestError", response.json())
    assert response.json()["code"] == "order_amount_invalid"


async def test_duplicate_order_is_a_409(harness: Harness) -> None:
    await create(harness)
    again = await harness.client.post("/pg/orders", json=order_request(), headers=PG_HEADERS)
    assert again.status_code == 409
    assert_matches("ApiError409", again.json())
    assert again.json()["code"] == "order_already_exists"


async def test_idempotency_key_replays_or_refuses(harness: Harness) -> None:
    headers = {**PG_HEADERS, "x-idempotency-key": "create-2001"}
    first = await harness.client.post("/pg/orders", json=order_request(), headers=headers)
    again = await harness.client.post("/pg/orders", json=order_request(), headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()

    other = await harness.client.post(
        "/pg/orders", json=order_request(order_amount=99), headers=headers
    )
    assert other.status_code == 422
    assert_matches("IdempotencyError", other.json())
    assert other.json()["type"] == "idempotency_error"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-client-id": "SIM_TEST_APP", "x-api-version": "2025-01-01"},
        {"x-client-id": "SIM_TEST_APP", "x-client-secret": "wrong", "x-api-version": "2025-01-01"},
        {
            "x-client-id": "OTHER",
            "x-client-secret": "sim-test-secret",
            "x-api-version": "2025-01-01",
        },
    ],
)
async def test_bad_credentials_are_401(harness: Harness, headers: dict[str, str]) -> None:
    response = await harness.client.post("/pg/orders", json=order_request(), headers=headers)
    assert response.status_code == 401
    assert_matches("AuthenticationError", response.json())
    assert response.json() == {
        "message": "authentication Failed",
        "code": "request_failed",
        "type": "authentication_error",
    }
    assert "sim-test-secret" not in response.text


@pytest.mark.parametrize("version", [None, "latest"])
async def test_a_missing_or_malformed_api_version_is_400(
    harness: Harness, version: str | None
) -> None:
    headers = {k: v for k, v in PG_HEADERS.items() if k != "x-api-version"}
    if version is not None:
        headers["x-api-version"] = version
    response = await harness.client.get("/pg/orders/order_2001", headers=headers)
    assert response.status_code == 400
    assert_matches("BadRequestError", response.json())


async def test_malformed_json_is_400(harness: Harness) -> None:
    response = await harness.client.post("/pg/orders", content=b'{"order_id": ', headers=PG_HEADERS)
    assert response.status_code == 400
    assert_matches("BadRequestError", response.json())


async def test_a_json_array_body_is_400(harness: Harness) -> None:
    response = await harness.client.post("/pg/orders", json=[1, 2], headers=PG_HEADERS)
    assert response.status_code == 400


async def test_bodies_over_64_kib_are_refused(harness: Harness) -> None:
    big = order_request(order_note="n" * (65 * 1024))
    response = await harness.client.post("/pg/orders", json=big, headers=PG_HEADERS)
    assert response.status_code == 413
    assert response.json()["type"] == "invalid_request_error"


async def test_unknown_paths_answer_in_cashfrees_shape(harness: Harness) -> None:
    response = await harness.client.get("/pg/customers", headers=PG_HEADERS)
    assert response.status_code == 404
    assert_matches("BadRequestError", response.json())


async def test_request_id_is_echoed(harness: Harness) -> None:
    response = await harness.client.get(
        "/pg/orders/order_none", headers={**PG_HEADERS, "x-request-id": "req-77"}
    )
    assert response.headers["x-request-id"] == "req-77"
    assert response.headers["x-api-version"] == "2025-01-01"


async def test_the_hosted_checkout_shares_the_simulator(harness: Harness) -> None:
    order = await create(harness)
    page = await harness.client.get(f"/checkout/{order['payment_session_id']}")
    api = await harness.client.get("/pg/orders/order_2001", headers=PG_HEADERS)
    assert page.status_code == 200
    assert "order_2001" in page.text
    assert api.json()["payment_session_id"] == order["payment_session_id"]
