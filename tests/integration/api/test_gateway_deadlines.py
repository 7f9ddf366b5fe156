"""A slow, hung or failing gateway seen from the API: create-order answers 504 for a
timeout and 502 for other failures; status answers from the store within its own short
wait and says the gateway check is pending; verify waits for the gateway's answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from application.errors import GatewayTimeout, GatewayUnavailable

from .harness import CUSTOMER, Service, running_service

STATUS_FIELDS = {
    "success",
    "status",
    "order_id",
    "order_status",
    "amount",
    "currency",
    "attempts",
    "purchase",
}
# Generous bounds on waits the issue names; without the deadlines each would hang far longer.
BOUND = 5


@pytest.fixture
async def quick(tmp_path: Path) -> AsyncIterator[Service]:
    """Status waits 0.05 s for its gateway check; a gateway call gets 0.5 s in all."""
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}",
        status_gateway_wait_seconds=0.05,
        cashfree_deadline_seconds=0.5,
    ) as running:
        yield running


async def create_order(service: Service) -> Any:
    return await service.client.post(
        "/api/payment/create-order", json={"amount": "499.00", **CUSTOMER}
    )


async def test_a_gateway_timeout_on_create_order_answers_504(service: Service) -> None:
    service.container.simulator().set_fault("create_order", "timeout", count=1)
    response = await create_order(service)
    assert response.status_code == 504
    assert response.json() == {"success": False, "error": GatewayTimeout.public_message}


async def test_other_gateway_failures_answer_502(service: Service) -> None:
    service.container.simulator().set_fault("create_order", "5xx", count=1)
    response = await create_order(service)
    assert response.status_code == 502
    assert response.json() == {"success": False, "error": GatewayUnavailable.public_message}


async def test_the_fake_gateway_keeps_the_deadline_too(quick: Service) -> None:
    quick.container.simulator().set_latency("create_order", 60)
    response = await asyncio.wait_for(create_order(quick), timeout=BOUND)
    assert response.status_code == 504


async def test_status_answers_the_stored_order_while_the_check_is_pending(
    service: Service,
) -> None:
    """With the default wait (STATUS_GATEWAY_WAIT_SECONDS=2) and a gateway that hangs."""
    order = await service.create_order()
    service.container.simulator().set_latency("list_payments", 60)

    response = await asyncio.wait_for(
        service.client.get(f"/api/payment/status/{order['order_id']}"), timeout=BOUND
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATUS_FIELDS | {"gatewayCheck"}
    assert body["gatewayCheck"] == "pending"
    assert body["status"] == "PENDING" and body["order_status"] == "ACTIVE"


async def test_a_pending_check_goes_on_and_the_next_polls_see_its_answer(
    quick: Service,
) -> None:
    order_id = (await quick.create_order())["order_id"]
    simulator = quick.container.simulator()
    await simulator.set_webhook_mode("drop")
    await quick.attempt(order_id, "SUCCESS")
    simulator.set_latency("list_payments", 0.3)

    first = (await quick.client.get(f"/api/payment/status/{order_id}")).json()
    assert (first["status"], first["gatewayCheck"]) == ("PENDING", "pending")

    async def paid() -> dict[str, Any]:
        while True:
            body: dict[str, Any] = (
                await quick.client.get(f"/api/payment/status/{order_id}")
            ).json()
            if body["status"] == "SUCCESS":
                return body
            await asyncio.sleep(0.05)

    last = await asyncio.wait_for(paid(), timeout=BOUND)
    assert "gatewayCheck" not in last
    assert quick.container.order_watcher().gateway_calls(order_id) == 1, (
        "one check, not one per poll"
    )
    assert await quick.ledger_entries() == 1


async def test_status_says_when_the_gateway_could_not_be_asked(quick: Service) -> None:
    order_id = (await quick.create_order())["order_id"]
    quick.container.simulator().set_fault("list_payments", "5xx", count=None)
    body = (await quick.client.get(f"/api/payment/status/{order_id}")).json()
    assert (body["status"], body["gatewayCheck"]) == ("PENDING", "unavailable")


async def test_verify_waits_for_the_gateway_beyond_the_status_wait(quick: Service) -> None:
    order_id = (await quick.create_order())["order_id"]
    simulator = quick.container.simulator()
    await simulator.set_webhook_mode("drop")
    await quick.attempt(order_id, "SUCCESS")
    simulator.set_latency("list_payments", 0.3)

    body = (await quick.client.post("/api/payment/verify", json={"order_id": order_id})).json()

    assert body["verified"] is True and body["status"] == "SUCCESS"
    assert "gatewayCheck" not in body
