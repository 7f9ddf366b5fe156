from decimal import Decimal

import pytest

from .harness import CUSTOMER, Service


async def test_create_order_answers_the_seed_shape(service: Service) -> None:
    body = await service.create_order("499.5")
    assert body["success"] is True
    assert body["order_id"].startswith("ORDER_") and len(body["order_id"]) >= 30
    assert body["payment_session_id"]
    assert body["environment"] == "SANDBOX"
    assert Decimal(str(body["amount"])) == Decimal("499.50")


async def test_order_ids_are_unguessable(service: Service) -> None:
    ids = {(await service.create_order())["order_id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i.removeprefix("ORDER_")) >= 26 for i in ids)


async def test_every_invalid_field_is_reported_at_once(service: Service) -> None:
    response = await service.client.post(
        "/api/payment/create-order",
        json={"amount": 0, "customerName": "A", "customerEmail": "no", "customerPhone": "12"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Validation failed"
    assert len(body["details"]) == 4
    assert [f["field"] for f in body["fields"]] == [
        "amount",
        "customerName",
        "customerEmail",
        "customerPhone",
    ]


@pytest.mark.parametrize("amount", ["1e3", 10.555, "NaN", True, None, "0.99", 500000.01])
async def test_bad_amounts_are_refused(service: Service, amount: object) -> None:
    response = await service.client.post(
        "/api/payment/create-order", json={"amount": amount, **CUSTOMER}
    )
    # "1e3" is not a plain decimal: Python reads it as 1000, a person may not.
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == "amount"


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 400),
        (b"[1,2]", 400),
        (b"", 400),
        (b'{"amount": NaN}', 400),
        (b'{"amount": "\xff"}', 400),
    ],
)
async def test_malformed_bodies_are_400_not_500(
    service: Service, content: bytes, status: int
) -> None:
    response = await service.client.post(
        "/api/payment/create-order", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["success"] is False


async def test_bodies_over_64_kib_are_413(service: Service) -> None:
    big = b'{"customerName": "' + b"a" * (64 * 1024) + b'"}'
    response = await service.client.post(
        "/api/payment/create-order", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["success"] is False


async def test_unknown_routes_are_json_404(service: Service) -> None:
    response = await service.client.get("/api/payment/nope")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Endpoint not found"}
