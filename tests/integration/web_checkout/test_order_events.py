"""GET /api/payment/events/{order_id} against the live app and its Cashfree simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integration.web_checkout.live_server import LiveServer
from integration.web_checkout.sse import events

CUSTOMER = {
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}
Events = AsyncIterator[tuple[str, dict[str, Any]]]
STEP_TIMEOUT = 5.0


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        yield http


async def create_order(client: httpx.AsyncClient, amount: str = "149.00") -> str:
    response = await client.post("/api/payment/create-order", json={"amount": amount, **CUSTOMER})
    assert response.status_code == 200, response.text
    order_id: str = response.json()["order_id"]
    return order_id


async def attempt(
    client: httpx.AsyncClient, order_id: str, outcome: str, message: str = ""
) -> None:
    body: dict[str, Any] = {"outcome": outcome}
    if message:
        body["message"] = message
    response = await client.post(f"/_fake-cashfree/control/orders/{order_id}/attempts", json=body)
    assert response.status_code == 200, response.text


async def next_event(stream: Events) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(anext(stream), STEP_TIMEOUT)


async def until_watchers(server: LiveServer, order_id: str, count: int) -> None:
    watcher = server.container.order_watcher()
    for _ in range(250):
        if watcher.watcher_count(order_id) == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} watchers, found {watcher.watcher_count(order_id)}")


async def test_unknown_order_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/payment/events/ORDER_DOES_NOT_EXIST")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Order not found"}


async def test_stream_reports_each_change_then_a_final_event(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    order_id = await create_order(client)
    async with client.stream("GET", f"/api/payment/events/{order_id}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        assert await next_event(stream) == ("status", await status(client, order_id))
        await attempt(client, order_id, "FAILED", "Insufficient funds in account")
        name, view = await next_event(stream)
        assert (name, view["status"], view["reason"]) == (
            "status",
            "FAILED",
            "Insufficient funds in account",
        )
        await attempt(client, order_id, "SUCCESS")
        name, view = await next_event(stream)
        assert (name, view["status"], view["order_id"]) == ("final", "SUCCESS", order_id)
        assert [a["status"] for a in view["attempts"]] == ["FAILED", "SUCCESS"]
        assert "customerEmail" not in str(view) and CUSTOMER["customerEmail"] not in str(view)
        with pytest.raises(StopAsyncIteration):
            await next_event(stream)
    await until_watchers(server, order_id, 0)


async def test_watcher_finds_a_failure_whose_webhook_was_lost(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    order_id = await create_order(client)
    response = await client.post("/_fake-cashfree/control/webhooks/mode", json={"mode": "drop"})
    assert response.status_code == 200
    async with client.stream("GET", f"/api/payment/events/{order_id}") as response:
        stream = events(response)
        assert (await next_event(stream))[1]["status"] == "PENDING"
        await attempt(client, order_id, "FAILED", "Card declined by issuer")
        name, view = await next_event(stream)
        assert (name, view["status"]) == ("status", "FAILED")
        assert view["reason"] == "Card declined by issuer"
    # Webhooks are dropped, so only the watcher's own gateway check can have found it
    # (whether its first check came before the attempt or after depends on timing).
    assert server.container.order_watcher().gateway_calls(order_id) >= 1


async def test_a_paid_order_gets_one_final_event_and_no_watcher(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    order_id = await create_order(client)
    await attempt(client, order_id, "SUCCESS")
    async with client.stream("GET", f"/api/payment/events/{order_id}") as response:
        received = [item async for item in events(response)]
    assert [(name, view["status"]) for name, view in received] == [("final", "SUCCESS")]
    assert server.container.order_watcher().gateway_calls(order_id) == 0


async def test_an_expired_order_ends_the_stream(client: httpx.AsyncClient) -> None:
    order_id = await create_order(client)
    async with client.stream("GET", f"/api/payment/events/{order_id}") as response:
        stream = events(response)
        assert (await next_event(stream))[0] == "status"
        expired = await client.post(f"/_fake-cashfree/control/orders/{order_id}/expire")
        assert expired.status_code == 200
        name, view = await next_event(stream)
        assert (name, view["status"]) == ("final", "EXPIRED")


async def test_every_open_stream_holds_the_watcher_until_it_closes(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    order_id = await create_order(client)
    first = client.stream("GET", f"/api/payment/events/{order_id}")
    second = client.stream("GET", f"/api/payment/events/{order_id}")
    async with first as one:
        one_events = events(one)
        await next_event(one_events)
        async with second as two:
            two_events = events(two)
            await next_event(two_events)
            await until_watchers(server, order_id, 2)
            assert server.container.order_watcher().is_polling(order_id)
        await until_watchers(server, order_id, 1)
    await until_watchers(server, order_id, 0)
    assert not server.container.order_watcher().is_polling(order_id)


async def status(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/payment/status/{order_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body
