"""AUTH_MODE=jwt: the customer routes need a valid token; an order is its customer's alone."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from .accounts_harness import JWT_SECRET, bearer, buy_plan, order_plan, plans_file, token
from .harness import CUSTOMER, Service, running_service


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}",
        plans_file=plans_file(tmp_path),
        auth_mode="jwt",
        jwt_secret=JWT_SECRET,
    ) as running:
        yield running


def _bad_tokens() -> dict[str, str]:
    now = int(time.time())
    return {
        "wrong secret": token(secret="another-secret-that-is-long-enough-0123"),
        "expired": token(exp=now - 60),
        "not yet valid": token(nbf=now + 600),
        "no sub": token(subject=None),
        "empty sub": token(subject=""),
        "sub with spaces": token(subject="user 42"),
        "sub too long": token(subject="u" * 51),
        "sub too short": token(subject="ab"),
        "sub with a pipe": token(subject="auth0|user-42"),
        "sub not text": token(subject=42),
        "bad referral agent": token(referral_agent="agent one"),
        "alg none": jwt.encode({"sub": "user_42"}, key=None, algorithm="none"),
        "HS512": jwt.encode({"sub": "user_42"}, JWT_SECRET * 2, algorithm="HS512"),
        "garbage": "not-a-jwt",
    }


CUSTOMER_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/payment/create-order", {"planId": "premium-monthly", **CUSTOMER}),
    ("POST", "/api/payment/verify", {"orderId": "ORDER_DOESNOTEXIST"}),
    ("POST", "/api/payment/verify-payment", {"orderId": "ORDER_DOESNOTEXIST"}),
    ("GET", "/api/payment/me", None),
    ("GET", "/api/payment/me/notifications", None),
    ("POST", "/api/payment/me/notifications/read", {"ids": ["n1"]}),
]


@pytest.mark.parametrize(("method", "path", "body"), CUSTOMER_ROUTES)
@pytest.mark.parametrize("auth", [None, "Basic dXNlcjpwdw==", "Bearer ", "Bearer not-a-jwt"])
async def test_customer_routes_need_a_bearer_token(
    shop: Service, method: str, path: str, body: dict[str, Any] | None, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = await shop.client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["error"].startswith("Customer authentication required")


@pytest.mark.parametrize("case", sorted(_bad_tokens()))
async def test_invalid_tokens_are_401(shop: Service, case: str) -> None:
    response = await shop.client.get("/api/payment/me", headers=bearer(_bad_tokens()[case]))
    assert response.status_code == 401, case
    assert response.json()["success"] is False


async def test_the_token_names_the_customer_of_a_new_order(shop: Service) -> None:
    order = await order_plan(shop, "premium-monthly", bearer(token("auth0_user-42")))
    assert order["customer_id"] == "auth0_user-42"
    assert order["planId"] == "premium-monthly"


async def test_only_the_orders_customer_may_verify_it(shop: Service) -> None:
    order = await buy_plan(shop, "premium-monthly", bearer(token("owner")))
    for path in ("/api/payment/verify", "/api/payment/verify-payment"):
        stranger = await shop.client.post(
            path, json={"orderId": order["order_id"]}, headers=bearer(token("stranger"))
        )
        assert stranger.status_code == 404
        assert stranger.json() == {"success": False, "error": "Order not found"}
        owner = await shop.client.post(
            path, json={"orderId": order["order_id"]}, headers=bearer(token("owner"))
        )
        assert owner.status_code == 200
        assert owner.json()["verified"] is True


async def test_me_shows_balance_ledger_subscriptions_and_orders(shop: Service) -> None:
    headers = bearer(token("user_42"))
    order = await buy_plan(shop, "premium-monthly", headers)
    response = await shop.client.get("/api/payment/me", headers=headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["customerId"] == "user_42"
    assert data["balance"] == 2
    assert [(line["kind"], line["credits"], line["orderId"]) for line in data["ledger"]] == [
        ("grant", 2, order["order_id"])
    ]
    assert data["ledgerMore"] is False
    paged = await shop.client.get("/api/payment/me?ledgerOffset=1", headers=headers)
    assert (paged.json()["data"]["ledger"], paged.json()["data"]["balance"]) == ([], 2)
    [subscription] = data["subscriptions"]
    assert subscription["kind"] == "premium"
    assert subscription["planId"] == "premium-monthly"
    assert subscription["active"] is True
    assert subscription["endsAt"] > subscription["startsAt"]
    assert [p["orderId"] for p in subscription["periods"]] == [order["order_id"]]
    [mine] = data["orders"]
    assert mine["orderId"] == order["order_id"]
    assert mine["paymentStatus"] == "SUCCESS"
    assert mine["purchase"]["planId"] == "premium-monthly"
    assert "customerEmail" not in response.text


async def test_me_of_a_customer_who_never_paid_is_empty(shop: Service) -> None:
    response = await shop.client.get("/api/payment/me", headers=bearer(token("newcomer")))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data == {
        "customerId": "newcomer",
        "balance": 0,
        "ledger": [],
        "ledgerMore": False,
        "subscriptions": [],
        "orders": [],
    }


async def test_me_shows_only_the_callers_orders(shop: Service) -> None:
    await buy_plan(shop, "credits-10", bearer(token("someone-else")))
    data = (await shop.client.get("/api/payment/me", headers=bearer(token("user_42")))).json()
    assert data["data"]["orders"] == [] and data["data"]["balance"] == 0


async def test_the_referral_agent_claim_earns_the_agent_a_commission(shop: Service) -> None:
    headers = bearer(token("referred", referral_agent="agent-7"))
    order = await buy_plan(shop, "premium-monthly", headers)
    response = await shop.client.get("/api/payment/agents/agent-7/referrals", headers=shop.admin)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["count"] == 1
    assert data["totalAmount"] == 299.0
    assert data["totalCommission"] == 29.9
    assert [(r["orderId"], r["customerId"]) for r in data["referrals"]] == [
        (order["order_id"], "referred")
    ]


async def test_notifications_list_and_mark_read(shop: Service) -> None:
    headers = bearer(token("user_42"))
    await buy_plan(shop, "premium-monthly", headers)
    response = await shop.client.get("/api/payment/me/notifications", headers=headers)
    assert response.status_code == 200
    notes = response.json()["data"]
    assert notes and all(n["read"] is False and n["readAt"] is None for n in notes)
    ids = [n["id"] for n in notes]
    marked = await shop.client.post(
        "/api/payment/me/notifications/read", json={"ids": ids}, headers=headers
    )
    assert marked.status_code == 200
    assert marked.json()["data"]["marked"] == len(ids)
    after = (await shop.client.get("/api/payment/me/notifications", headers=headers)).json()
    assert all(n["read"] is True for n in after["data"])


async def test_a_customer_cannot_mark_anothers_notifications(shop: Service) -> None:
    await buy_plan(shop, "premium-monthly", bearer(token("owner")))
    notes = (
        await shop.client.get("/api/payment/me/notifications", headers=bearer(token("owner")))
    ).json()["data"]
    marked = await shop.client.post(
        "/api/payment/me/notifications/read",
        json={"ids": [n["id"] for n in notes]},
        headers=bearer(token("stranger")),
    )
    assert marked.json()["data"]["marked"] == 0


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": "n1"}, {"ids": [1]}, {"ids": [""]}])
async def test_mark_read_validates_the_ids(shop: Service, body: dict[str, Any]) -> None:
    response = await shop.client.post(
        "/api/payment/me/notifications/read", json=body, headers=bearer(token())
    )
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == "ids"


async def test_notifications_paging_is_validated(shop: Service) -> None:
    response = await shop.client.get(
        "/api/payment/me/notifications?limit=0", headers=bearer(token())
    )
    assert response.status_code == 400


async def test_the_status_route_and_webhook_stay_public(shop: Service) -> None:
    order = await buy_plan(shop, "credits-10", bearer(token("owner")))
    response = await shop.client.get(f"/api/payment/status/{order['order_id']}")
    assert response.status_code == 200
    assert [w["status"] for w in await shop.webhooks()][-1] == 200
