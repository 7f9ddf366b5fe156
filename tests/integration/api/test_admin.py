import pytest

from .harness import Service, running_service

ADMIN_ROUTES = [
    ("GET", "/api/payment/credits"),
    ("GET", "/api/payment/failed-payments"),
    ("GET", "/api/payment/stats"),
    ("POST", "/api/payment/credits/reset"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer "])
async def test_admin_routes_need_the_token(
    service: Service, method: str, path: str, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = await service.client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False


async def test_credits_failed_payments_and_stats(service: Service) -> None:
    paid = await service.create_order("100.00")
    await service.attempt(paid["order_id"], "FAILED", "Card declined")
    await service.attempt(paid["order_id"], "SUCCESS")
    other = await service.create_order("50.00")
    await service.attempt(other["order_id"], "USER_DROPPED")

    credits = (await service.client.get("/api/payment/credits", headers=service.admin)).json()
    data = credits["data"]
    assert credits["success"] is True
    assert data["totalCredits"] == 1
    assert [p["orderId"] for p in data["payments"]] == [paid["order_id"]]
    assert data["payments"][0]["transactionId"]
    assert data["payments"][0]["customerEmail"] == "asha@example.com"
    assert {f["reason"] for f in data["failedPayments"]} >= {"Card declined"}
    assert {o["orderId"] for o in data["orders"]} == {paid["order_id"], other["order_id"]}

    failed = (
        await service.client.get("/api/payment/failed-payments", headers=service.admin)
    ).json()
    assert {f["status"] for f in failed["data"]} == {"FAILED", "USER_DROPPED"}

    stats = (await service.client.get("/api/payment/stats", headers=service.admin)).json()["data"]
    assert stats["totalPayments"] == 1
    assert stats["totalAmount"] == 100.0
    assert stats["totalFailures"] == 2
    assert stats["totalDropOuts"] == 1, "drop-outs are told apart from declines"
    assert stats["successRate"] == 50.0


async def test_paging_is_validated(service: Service) -> None:
    response = await service.client.get("/api/payment/credits?limit=0", headers=service.admin)
    assert response.status_code == 400


async def test_reset_clears_everything(service: Service) -> None:
    order = await service.create_order()
    await service.attempt(order["order_id"], "SUCCESS")
    response = await service.client.post("/api/payment/credits/reset", headers=service.admin)
    assert response.status_code == 200
    assert await service.ledger_entries() == 0


async def test_reset_is_403_in_production() -> None:
    async with running_service(
        cashfree_environment="PRODUCTION",
        payment_gateway="cashfree",
        cashfree_base_url="http://127.0.0.1:9/pg",
    ) as service:
        response = await service.client.post("/api/payment/credits/reset", headers=service.admin)
        assert response.status_code == 403


async def test_health(service: Service) -> None:
    body = (await service.client.get("/health")).json()
    assert body["status"] == "healthy"
    assert body["environment"] == "SANDBOX"
    assert body["gateway"] == "fake"
    assert body["store"]
    assert body["uptime"] >= 0
    assert body["leader"] is True, "a lone instance runs the background work"
