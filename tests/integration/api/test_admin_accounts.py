"""The operator's account routes: customers, adjustments, referral agents, subscriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.customer import customer_id_for_email

from .accounts_harness import buy_plan, plans_file
from .harness import CUSTOMER, Service, running_service

ASHA = customer_id_for_email(CUSTOMER["customerEmail"])
ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", f"/api/payment/customers/{ASHA}", None),
    ("POST", f"/api/payment/customers/{ASHA}/adjustments", {"credits": 1, "note": "gift"}),
    ("PUT", f"/api/payment/customers/{ASHA}/referral-agent", {"agentId": "agent-1"}),
    ("GET", "/api/payment/agents/agent-1/referrals", None),
    ("GET", "/api/payment/subscriptions?active=1", None),
]


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}", plans_file=plans_file(tmp_path)
    ) as running:
        yield running


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Bearer "])
async def test_account_admin_routes_need_the_admin_token(
    shop: Service, method: str, path: str, body: dict[str, Any] | None, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = await shop.client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False


async def test_the_customer_page_shows_profile_balance_subscriptions_and_orders(
    shop: Service,
) -> None:
    order = await buy_plan(shop, "premium-monthly")
    response = await shop.client.get(f"/api/payment/customers/{ASHA}", headers=shop.admin)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["customerId"] == ASHA
    assert (data["name"], data["email"], data["phone"]) == (
        CUSTOMER["customerName"],
        CUSTOMER["customerEmail"],
        CUSTOMER["customerPhone"],
    )
    assert data["referralAgent"] is None
    assert data["balance"] == 2
    [subscription] = data["subscriptions"]
    assert (subscription["kind"], subscription["active"]) == ("premium", True)
    assert subscription["endsAt"]
    assert [o["orderId"] for o in data["orders"]] == [order["order_id"]]
    assert data["contacts"] == [CUSTOMER["customerPhone"], CUSTOMER["customerEmail"]]


async def test_the_customer_page_lists_every_contact_their_orders_were_paid_with(
    shop: Service,
) -> None:
    for phone in ("9876543210", "+91 90000 00002"):
        body = {"amount": "10.00", **CUSTOMER, "customerPhone": phone}
        created = await shop.client.post("/api/payment/create-order", json=body)
        assert created.status_code == 200, created.text

    response = await shop.client.get(f"/api/payment/customers/{ASHA}", headers=shop.admin)

    data = response.json()["data"]
    assert data["phone"] == "9000000002"
    assert data["contacts"] == ["9000000002", "9876543210", CUSTOMER["customerEmail"]]


async def test_an_unknown_customer_is_404(shop: Service) -> None:
    response = await shop.client.get("/api/payment/customers/cus_nobody", headers=shop.admin)
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Customer not found"}


async def test_an_overlong_customer_id_is_400(shop: Service) -> None:
    response = await shop.client.get(f"/api/payment/customers/{'c' * 101}", headers=shop.admin)
    assert response.status_code == 400


async def test_an_adjustment_is_201_with_its_entry_and_changes_the_balance(shop: Service) -> None:
    await buy_plan(shop, "premium-monthly")
    response = await shop.client.post(
        f"/api/payment/customers/{ASHA}/adjustments",
        json={"credits": -2, "note": "used offline"},
        headers=shop.admin,
    )
    assert response.status_code == 201, response.text
    entry = response.json()["data"]
    assert (entry["kind"], entry["credits"], entry["note"]) == ("adjustment", -2, "used offline")
    assert entry["customerId"] == ASHA and entry["entryId"]
    account = (await shop.client.get(f"/api/payment/customers/{ASHA}", headers=shop.admin)).json()[
        "data"
    ]
    assert account["balance"] == 0
    assert [line["kind"] for line in account["ledger"]] == ["adjustment", "grant"]  # newest first


async def test_the_ledger_comes_a_page_at_a_time_newest_first(shop: Service) -> None:
    await buy_plan(shop, "premium-monthly")  # a grant of 2 credits
    for credits in (1, 2, 3):
        response = await shop.client.post(
            f"/api/payment/customers/{ASHA}/adjustments",
            json={"credits": credits, "note": f"gift {credits}"},
            headers=shop.admin,
        )
        assert response.status_code == 201

    async def page(query: str) -> dict[str, Any]:
        url = f"/api/payment/customers/{ASHA}{query}"
        response = await shop.client.get(url, headers=shop.admin)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    first, second = await page("?ledgerLimit=3"), await page("?ledgerLimit=3&ledgerOffset=3")
    assert [line["credits"] for line in first["ledger"]] == [3, 2, 1]
    assert [line["kind"] for line in second["ledger"]] == ["grant"]
    assert (first["ledgerMore"], second["ledgerMore"]) == (True, False)
    assert first["balance"] == second["balance"] == 8  # every entry, whatever the page
    whole = await page("")
    assert len(whole["ledger"]) == 4 and whole["ledgerMore"] is False
    assert (await page("?ledgerOffset=10"))["ledger"] == []


@pytest.mark.parametrize("query", ["?ledgerLimit=0", "?ledgerLimit=501", "?ledgerOffset=-1"])
async def test_a_bad_ledger_page_is_400_naming_it(shop: Service, query: str) -> None:
    response = await shop.client.get(f"/api/payment/customers/{ASHA}{query}", headers=shop.admin)
    assert response.status_code == 400
    assert "ledgerLimit" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credits": 0, "note": "zero"}, "credits"),
        ({"credits": True, "note": "bool"}, "credits"),
        ({"credits": 1.5, "note": "fraction"}, "credits"),
        ({"credits": "3", "note": "text"}, "credits"),
        ({"credits": 3}, "note"),
        ({"credits": 3, "note": "   "}, "note"),
    ],
)
async def test_invalid_adjustments_are_400(shop: Service, body: dict[str, Any], field: str) -> None:
    await buy_plan(shop, "premium-monthly")
    response = await shop.client.post(
        f"/api/payment/customers/{ASHA}/adjustments", json=body, headers=shop.admin
    )
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == field


async def test_an_overlong_note_is_400(shop: Service) -> None:
    await buy_plan(shop, "premium-monthly")
    response = await shop.client.post(
        f"/api/payment/customers/{ASHA}/adjustments",
        json={"credits": 1, "note": "n" * 501},
        headers=shop.admin,
    )
    assert response.status_code == 400


async def test_an_adjustment_for_an_unknown_customer_is_404(shop: Service) -> None:
    response = await shop.client.post(
        "/api/payment/customers/cus_nobody/adjustments",
        json={"credits": 5, "note": "gift"},
        headers=shop.admin,
    )
    assert response.status_code == 404


async def test_an_adjustment_below_zero_is_409(shop: Service) -> None:
    await buy_plan(shop, "premium-monthly")
    response = await shop.client.post(
        f"/api/payment/customers/{ASHA}/adjustments",
        json={"credits": -3, "note": "too many"},
        headers=shop.admin,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False and body["balance"] == 2


async def test_a_referral_agent_set_by_the_operator_earns_on_later_orders(shop: Service) -> None:
    await buy_plan(shop, "credits-10")
    response = await shop.client.put(
        f"/api/payment/customers/{ASHA}/referral-agent",
        json={"agentId": "agent-1"},
        headers=shop.admin,
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"customerId": ASHA, "referralAgent": "agent-1"}
    later = await buy_plan(shop, "premium-monthly")
    data = (
        await shop.client.get("/api/payment/agents/agent-1/referrals", headers=shop.admin)
    ).json()["data"]
    assert data["agentId"] == "agent-1"
    assert data["count"] == 1
    assert (data["totalAmount"], data["totalCommission"]) == (299.0, 29.9)
    [record] = data["referrals"]
    assert (record["orderId"], record["commission"], record["status"]) == (
        later["order_id"],
        29.9,
        "active",
    )


@pytest.mark.parametrize("body", [{}, {"agentId": ""}, {"agentId": "a b"}, {"agentId": 7}])
async def test_an_invalid_agent_id_is_400(shop: Service, body: dict[str, Any]) -> None:
    await buy_plan(shop, "credits-10")
    response = await shop.client.put(
        f"/api/payment/customers/{ASHA}/referral-agent", json=body, headers=shop.admin
    )
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == "agentId"


async def test_setting_the_agent_of_an_unknown_customer_is_404(shop: Service) -> None:
    response = await shop.client.put(
        "/api/payment/customers/cus_nobody/referral-agent",
        json={"agentId": "agent-1"},
        headers=shop.admin,
    )
    assert response.status_code == 404


async def test_an_agent_without_referrals_has_empty_totals(shop: Service) -> None:
    response = await shop.client.get("/api/payment/agents/nobody/referrals", headers=shop.admin)
    assert response.status_code == 200
    assert response.json()["data"] == {
        "agentId": "nobody",
        "count": 0,
        "totalAmount": 0.0,
        "totalCommission": 0.0,
        "referrals": [],
    }


async def test_active_subscriptions_for_the_dashboard(shop: Service) -> None:
    order = await buy_plan(shop, "premium-monthly")
    await buy_plan(shop, "credits-10")
    response = await shop.client.get("/api/payment/subscriptions?active=1", headers=shop.admin)
    assert response.status_code == 200
    [subscription] = response.json()["data"]
    assert subscription["customerId"] == ASHA
    assert subscription["kind"] == "premium"
    assert subscription["active"] is True
    assert subscription["endsAt"] > subscription["startsAt"]
    assert [p["orderId"] for p in subscription["periods"]] == [order["order_id"]]


@pytest.mark.parametrize("query", ["active=0", "limit=0", "offset=-1", "limit=x"])
async def test_subscription_listing_parameters_are_validated(shop: Service, query: str) -> None:
    response = await shop.client.get(f"/api/payment/subscriptions?{query}", headers=shop.admin)
    assert response.status_code == 400
