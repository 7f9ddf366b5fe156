"""Public inputs that once answered 500: each now gets a 4xx JSON answer and writes nothing.

Hostile text (NUL, which PostgreSQL refuses, and unpaired surrogates, which no UTF-8
encoder takes) is tried on every store; the rest on SQLite, the default store.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cashfree_simulator.wire import sign

from .accounts_harness import JWT_SECRET, bearer, plans_file, token
from .harness import CUSTOMER, Service, running_service
from .test_webhook import success_body

DEEP = b"[" * 990 + b"]" * 990
NUL = "ORDER_\x00abcdef"
SURROGATE = "ORDER_\ud800abcdef"
JSON = {"content-type": "application/json"}


def assert_json_4xx(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    return body


async def nothing_written(service: Service) -> None:
    stats = await service.client.get("/api/payment/stats", headers=service.admin)
    assert stats.json()["data"]["totalOrders"] == 0


def signed_headers(body: bytes, ts: str | None = None) -> dict[str, str]:
    ts = ts if ts is not None else str(int(time.time() * 1000))
    return {
        **JSON,
        "x-webhook-timestamp": ts,
        "x-webhook-signature": sign("test-secret-key", ts, body),
    }


# --- x-webhook-timestamp -------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp", ["\u00b2", "1" * 4301], ids=["superscript-two", "4301-digits"]
)
async def test_webhook_timestamps_python_cannot_read_are_401(
    service: Service, timestamp: str
) -> None:
    body = success_body("ORDER_X")
    headers: dict[str, str | bytes] = {**signed_headers(body, ts=timestamp)}
    # Header bytes reach the app decoded as Latin-1: byte 0xB2 is '\u00b2'.
    headers["x-webhook-timestamp"] = timestamp.encode("latin-1")
    response = await service.client.post("/api/payment/webhook", content=body, headers=headers)
    assert_json_4xx(response, 401)


# --- deeply nested JSON ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/payment/create-order", "/api/payment/verify"])
async def test_deeply_nested_json_is_a_400(service: Service, path: str) -> None:
    response = await service.client.post(path, content=DEEP, headers=JSON)
    assert_json_4xx(response, 400)
    await nothing_written(service)


async def test_a_signed_deeply_nested_webhook_is_a_400(service: Service) -> None:
    body = b'{"type": "PAYMENT_SUCCESS_WEBHOOK", "data": ' + DEEP + b"}"
    response = await service.client.post(
        "/api/payment/webhook", content=body, headers=signed_headers(body)
    )
    assert_json_4xx(response, 400)


# --- NUL and unpaired surrogates, on every store ---------------------------------------


def _json_text(value: dict[str, Any]) -> bytes:
    """JSON with lone surrogates written as \\u escapes, as a hostile client sends them."""
    return json.dumps(value, ensure_ascii=True).encode()


@pytest.mark.parametrize("order_id", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_hostile_order_ids_in_bodies_are_4xx(
    any_store_service: Service, order_id: str
) -> None:
    service = any_store_service
    for path in ("/api/payment/verify", "/api/payment/verify-payment"):
        response = await service.client.post(
            path, content=_json_text({"order_id": order_id, "orderId": order_id}), headers=JSON
        )
        assert_json_4xx(response, 400, 404)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customerName", "Asha\x00Rao"),
        ("customerName", "Asha\ud800Rao"),
        ("customerEmail", "asha\x00@example.com"),
        ("customerEmail", "asha\udfff@example.com"),
        ("customerPhone", "98765\x0043210"),
    ],
    ids=["name-nul", "name-surrogate", "email-nul", "email-surrogate", "phone-nul"],
)
async def test_hostile_customer_fields_are_400_on_every_store(
    any_store_service: Service, field: str, value: str
) -> None:
    service = any_store_service
    body = _json_text({"amount": "499", **CUSTOMER, field: value})
    response = await service.client.post("/api/payment/create-order", content=body, headers=JSON)
    answer = assert_json_4xx(response, 400)
    assert [f["field"] for f in answer["fields"]] == [field]
    await nothing_written(service)


async def test_hostile_path_ids_are_4xx_on_every_store(any_store_service: Service) -> None:
    service = any_store_service
    admin = service.admin
    # A path cannot carry a surrogate (its bytes decode to U+FFFD): NUL and controls it can.
    for raw in ("ORDER_%00abc", "ORDER_%07abc", "ORDER_%E2%80%8Babc"):
        calls = [
            ("GET", f"/api/payment/status/{raw}", {}, None),
            ("GET", f"/api/payment/events/{raw}", {}, None),
            ("POST", f"/api/payment/orders/{raw}/cancel", {}, None),
            ("POST", f"/api/payment/orders/{raw}/cancel", admin, None),
            ("GET", f"/api/payment/orders/{raw}/refunds", admin, None),
            ("POST", f"/api/payment/orders/{raw}/refunds", admin, {"amount": 1, "reason": "dup"}),
            ("GET", f"/api/payment/customers/{raw}", admin, None),
            (
                "POST",
                f"/api/payment/customers/{raw}/adjustments",
                admin,
                {"credits": 1, "note": "n"},
            ),
            ("PUT", f"/api/payment/customers/{raw}/referral-agent", admin, {"agentId": "agent_1"}),
            ("GET", f"/api/payment/agents/{raw}/referrals", admin, None),
        ]
        for method, path, headers, body in calls:
            response = await service.client.request(method, path, headers=headers, json=body)
            assert_json_4xx(response, 400, 404)


async def test_hostile_admin_text_is_400_on_every_store(any_store_service: Service) -> None:
    service = any_store_service
    order = await service.create_order()
    await service.attempt(order["order_id"], "SUCCESS")
    customer = order["customer_id"]
    for text in ("bad\x00note", "bad\ud800note"):
        refund = _json_text({"amount": "1.00", "reason": text, "refund_id": "refund_1"})
        response = await service.client.post(
            f"/api/payment/orders/{order['order_id']}/refunds",
            content=refund,
            headers={**JSON, **service.admin},
        )
        assert_json_4xx(response, 400)
        adjustment = _json_text({"credits": 1, "note": text})
        response = await service.client.post(
            f"/api/payment/customers/{customer}/adjustments",
            content=adjustment,
            headers={**JSON, **service.admin},
        )
        assert_json_4xx(response, 400)
    refunds = await service.client.get("/api/payment/refunds", headers=service.admin)
    assert refunds.json()["data"] == []


@pytest.fixture
async def jwt_shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}",
        plans_file=plans_file(tmp_path),
        auth_mode="jwt",
        jwt_secret=JWT_SECRET,
    ) as running:
        yield running


async def test_hostile_notification_ids_are_400(jwt_shop: Service) -> None:
    for ids in (["msg_\x00"], ["msg_\ud800"]):
        response = await jwt_shop.client.post(
            "/api/payment/me/notifications/read",
            content=_json_text({"ids": ids}),
            headers={**JSON, **bearer(token())},
        )
        assert_json_4xx(response, 400)


# --- signed values the columns cannot hold, on every store --------------------------------


def _payment_webhook(order_id: str, **payment: Any) -> bytes:
    body = json.loads(success_body(order_id))
    body["data"]["payment"].update(payment)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "payment",
    [
        {"cf_payment_id": "9" * 101},
        {"payment_amount": 10**10},
        {"payment_amount": 12345678901.5},
    ],
    ids=["payment-id-101", "amount-1e10", "amount-over-1e10"],
)
async def test_signed_unstorable_webhooks_are_acknowledged_not_retried(
    any_store_service: Service, payment: dict[str, Any]
) -> None:
    service = any_store_service
    order = await service.create_order()
    body = _payment_webhook(order["order_id"], **payment)
    response = await service.client.post(
        "/api/payment/webhook", content=body, headers=signed_headers(body)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "status": "ignored"}
    status = await service.client.get(f"/api/payment/status/{order['order_id']}")
    assert status.json()["attempts"] == []
    assert await service.ledger_entries() == 0


async def test_signed_webhooks_with_unstorable_text_and_times_still_apply(
    any_store_service: Service,
) -> None:
    service = any_store_service
    order = await service.create_order()
    body = _payment_webhook(
        order["order_id"],
        payment_group="g" * 150,
        payment_message="paid\x00",
        payment_time="0001-01-01T00:00:00+05:30",
        payment_completion_time="9999-12-31T23:59:59-05:00",
    )
    response = await service.client.post(
        "/api/payment/webhook", content=body, headers=signed_headers(body)
    )
    assert response.status_code == 200, response.text
    status = (await service.client.get(f"/api/payment/status/{order['order_id']}")).json()
    assert status["status"] == "SUCCESS"
    [attempt] = status["attempts"]
    assert attempt["method"] == "g" * 100
    assert attempt["message"] == "paid"
    assert attempt["at"].startswith(str(time.gmtime().tm_year))
    assert await service.ledger_entries() == 1


# --- paging ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/payment/credits",
        "/api/payment/failed-payments",
        "/api/payment/refunds",
        "/api/payment/subscriptions",
    ],
)
@pytest.mark.parametrize(
    "query",
    ["offset=9223372036854775808", "offset=99999999999999999999999", "limit=\u0661\u0660"],
    ids=["offset-2^63", "offset-1e23", "arabic-indic-limit"],
)
async def test_paging_beyond_what_sqlite_holds_is_a_400(
    service: Service, path: str, query: str
) -> None:
    response = await service.client.get(f"{path}?{query}", headers=service.admin)
    assert_json_4xx(response, 400)


async def test_the_largest_offset_answers_an_empty_page(service: Service) -> None:
    await service.create_order()
    response = await service.client.get(
        "/api/payment/credits?offset=1000000000", headers=service.admin
    )
    assert response.status_code == 200
    assert response.json()["data"]["orders"] == []


# --- only JSON creates an order ----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/plain; charset=utf-8",
        None,
    ],
)
async def test_create_order_takes_only_json(service: Service, content_type: str | None) -> None:
    """A cross-site form (or a no-cors fetch) can send these without a preflight."""
    body = json.dumps({"amount": "499", **CUSTOMER}).encode()
    headers = {} if content_type is None else {"content-type": content_type}
    response = await service.client.post("/api/payment/create-order", content=body, headers=headers)
    answer = assert_json_4xx(response, 415)
    assert "application/json" in answer["error"]
    await nothing_written(service)


async def test_create_order_takes_json_with_a_charset(service: Service) -> None:
    body = json.dumps({"amount": "499", **CUSTOMER}).encode()
    response = await service.client.post(
        "/api/payment/create-order",
        content=body,
        headers={"content-type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


# --- what Indian customers type -----------------------------------------------------------


@pytest.mark.parametrize("phone", ["+91 98765 43210", "09876543210", "98765-43210"])
async def test_phones_as_customers_type_them_are_stored_as_10_digits(
    service: Service, phone: str
) -> None:
    response = await service.client.post(
        "/api/payment/create-order", json={"amount": "499", **CUSTOMER, "customerPhone": phone}
    )
    assert response.status_code == 200, response.text
    customer = response.json()["customer_id"]
    account = await service.client.get(f"/api/payment/customers/{customer}", headers=service.admin)
    assert account.json()["data"]["phone"] == "9876543210"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customerName", "Al"),
        ("customerName", "Asha\u200bRao"),
        ("customerName", "Asha\x07Rao"),
        ("amount", "\uff11\uff10\uff10"),
        ("amount", "\u0661\u0660"),
        ("amount", "1_000"),
        ("amount", "1e2"),
    ],
    ids=[
        "name-2",
        "name-zero-width",
        "name-bell",
        "full-width",
        "arabic-indic",
        "underscore",
        "exponent",
    ],
)
async def test_what_cashfree_would_refuse_is_refused_first(
    service: Service, field: str, value: str
) -> None:
    response = await service.client.post(
        "/api/payment/create-order", json={"amount": "499", **CUSTOMER, field: value}
    )
    answer = assert_json_4xx(response, 400)
    assert [f["field"] for f in answer["fields"]] == [field]
    message = answer["fields"][0]["message"]
    assert message[0].isupper() and message.startswith(("Enter ", "Use "))
    await nothing_written(service)
