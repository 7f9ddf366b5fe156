"""Plans, plan orders and the academy's verify-payment, in AUTH_MODE=none (the default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.customer import customer_id_for_email
from entrypoints.settings import ConfigurationError

from .accounts_harness import bearer, buy_plan, order_plan, plans_file, token
from .harness import CUSTOMER, Service, running_service


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}", plans_file=plans_file(tmp_path)
    ) as running:
        yield running


async def test_plans_lists_the_active_plans_publicly(shop: Service) -> None:
    response = await shop.client.get("/api/payment/plans")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert [p["id"] for p in body["data"]] == ["credits-10", "premium-monthly"]
    monthly = body["data"][1]
    assert monthly == {
        "id": "premium-monthly",
        "name": "Premium, monthly",
        "description": "One month of Premium access and 2 credits.",
        "price": 299.0,
        "currency": "INR",
        "credits": 2,
        "period": "monthly",
        "kind": "premium",
    }
    assert body["data"][0]["period"] is None and body["data"][0]["kind"] is None


async def test_a_plan_order_takes_the_plans_price(shop: Service) -> None:
    order = await order_plan(shop, "premium-monthly")
    assert order["amount"] == 299.0
    assert order["planId"] == "premium-monthly"
    assert order["customer_id"] == customer_id_for_email(CUSTOMER["customerEmail"])


async def test_the_plans_own_price_may_be_sent_with_it(shop: Service) -> None:
    order = await order_plan(shop, "premium-monthly", amount="299.00")
    assert order["amount"] == 299.0


async def test_another_amount_with_a_plan_is_refused(shop: Service) -> None:
    response = await shop.client.post(
        "/api/payment/create-order",
        json={"planId": "premium-monthly", "amount": "1.00", **CUSTOMER},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert [f["field"] for f in body["fields"]] == ["amount"]


@pytest.mark.parametrize("plan_id", ["no-such-plan", "legacy", 42, ""])
async def test_unknown_or_retired_plans_are_refused_on_plan_id(
    shop: Service, plan_id: object
) -> None:
    response = await shop.client.post(
        "/api/payment/create-order", json={"planId": plan_id, **CUSTOMER}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Validation failed"
    assert "planId" in [f["field"] for f in body["fields"]]


async def test_a_free_amount_order_names_its_customer_and_no_plan(shop: Service) -> None:
    order = await shop.create_order("150.00")
    assert order["customer_id"] == customer_id_for_email("ASHA@example.com ")
    assert "planId" not in order


async def test_verify_payment_is_verify_under_the_academys_name(shop: Service) -> None:
    order = await buy_plan(shop, "premium-monthly")
    response = await shop.client.post(
        "/api/payment/verify-payment", json={"orderId": order["order_id"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True and body["status"] == "SUCCESS"
    assert body["order_id"] == order["order_id"]
    same = await shop.client.post("/api/payment/verify", json={"orderId": order["order_id"]})
    assert same.json() == body


async def test_verify_payment_errors(shop: Service) -> None:
    missing = await shop.client.post("/api/payment/verify-payment", json={})
    assert missing.status_code == 400
    unknown = await shop.client.post(
        "/api/payment/verify-payment", json={"orderId": "ORDER_DOESNOTEXIST"}
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"success": False, "error": "Order not found"}


@pytest.mark.parametrize("path", ["/api/payment/me", "/api/payment/me/notifications"])
async def test_customer_routes_do_not_exist_without_customer_auth(shop: Service, path: str) -> None:
    response = await shop.client.get(path, headers=bearer(token()))
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Not available when AUTH_MODE=none"}


async def test_mark_read_does_not_exist_without_customer_auth(shop: Service) -> None:
    response = await shop.client.post(
        "/api/payment/me/notifications/read", json={"ids": ["n1"]}, headers=bearer(token())
    )
    assert response.status_code == 404


async def test_a_malformed_plans_file_stops_start_up(tmp_path: Path) -> None:
    broken = tmp_path / "plans.toml"
    broken.write_text('[[plans]]\nid = "x"\nname = "X"\nprice = 1.5\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r'PLANS_FILE: .*plans\.toml: plan "x": price'):
        async with running_service("memory://", plans_file=broken):
            pass
