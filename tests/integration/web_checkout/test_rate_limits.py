"""429 with Retry-After: order creation and status checks per client address, event
streams per address and in total (the streams against the live app, since they stay open);
two instances counting in one Redis hold a client to the limits once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.settings import Settings
from integration.brokers import private_channel, require_redis
from integration.web_checkout.live_server import LiveServer, build_app, live_server

CUSTOMER = {
    "amount": "10.00",
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}
STEP_TIMEOUT = 5.0


def asgi_client(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_create_order_is_limited_per_client_address() -> None:
    settings = Settings(
        store_url="memory://", payment_gateway="fake", rate_limit_create_order="3/minute"
    )
    app, _ = build_app(settings)
    async with (
        app.router.lifespan_context(app),
        asgi_client(app, "203.0.113.7") as first,
        asgi_client(app, "203.0.113.8") as second,
    ):
        for _ in range(3):
            assert (await first.post("/api/payment/create-order", json=CUSTOMER)).status_code == 200
        refused = await first.post("/api/payment/create-order", json=CUSTOMER)
        assert refused.status_code == 429
        assert refused.json() == {
            "success": False,
            "error": "Too many orders from this address; try again later",
        }
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await second.post("/api/payment/create-order", json=CUSTOMER)).status_code == 200


@pytest.mark.services
async def test_two_instances_sharing_redis_hold_a_client_to_one_limit() -> None:
    redis_url = await require_redis()
    shared = {
        "store_url": "memory://",
        "payment_gateway": "fake",
        "events_url": redis_url,
        "events_channel": private_channel(),
        "rate_limit_create_order": "3/minute",
        "rate_limit_status": "3/minute",
    }
    a, container_a = build_app(Settings(**shared))
    b, container_b = build_app(Settings(**shared))
    assert container_a.rate_counts().shared and container_b.rate_counts().shared
    async with (
        a.router.lifespan_context(a),
        b.router.lifespan_context(b),
        asgi_client(a, "203.0.113.7") as on_a,
        asgi_client(b, "203.0.113.7") as on_b,
    ):
        created = [
            await client.post("/api/payment/create-order", json=CUSTOMER)
            for client in (on_a, on_b, on_a)
        ]
        assert [response.status_code for response in created] == [200, 200, 200]
        for client in (on_b, on_a):
            refused = await client.post("/api/payment/create-order", json=CUSTOMER)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        # the status limit has windows of its own, though its rate is the same
        order_id = created[1].json()["order_id"]
        assert (await on_b.get(f"/api/payment/status/{order_id}")).status_code == 200


async def test_status_polls_and_verifications_share_one_limit_per_client_address() -> None:
    settings = Settings(store_url="memory://", payment_gateway="fake", rate_limit_status="4/minute")
    app, _ = build_app(settings)
    async with (
        app.router.lifespan_context(app),
        asgi_client(app, "203.0.113.7") as first,
        asgi_client(app, "203.0.113.8") as second,
    ):
        order_id = (await first.post("/api/payment/create-order", json=CUSTOMER)).json()["order_id"]
        status = f"/api/payment/status/{order_id}"
        verify = {"order_id": order_id}
        assert (await first.get(status)).status_code == 200
        assert (await first.post("/api/payment/verify", json=verify)).status_code == 200
        assert (await first.get(status)).status_code == 200
        assert (await first.post("/api/payment/verify-payment", json=verify)).status_code == 200
        for refused in (
            await first.get(status),
            await first.post("/api/payment/verify", json=verify),
        ):
            assert refused.status_code == 429
            assert refused.json() == {
                "success": False,
                "error": "Too many status checks from this address; try again later",
            }
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await second.get(status)).status_code == 200


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with live_server(tmp_path, rate_limit_streams_per_client=2, max_open_streams=3) as running:
        yield running


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        yield http


async def open_stream(
    stack: AsyncExitStack, client: httpx.AsyncClient, order_id: str
) -> httpx.Response:
    response = await stack.enter_async_context(
        client.stream("GET", f"/api/payment/events/{order_id}")
    )
    if response.status_code == 200:
        lines = response.aiter_lines()
        # the stack holds the reader: one dropped early is finalized and closes its stream
        stack.push_async_callback(lines.aclose)
        await asyncio.wait_for(anext(lines), STEP_TIMEOUT)  # the first event has arrived
    else:
        await response.aread()
    return response


async def test_event_streams_are_limited_per_client_and_freed_when_closed(
    client: httpx.AsyncClient, server: LiveServer
) -> None:
    order = await client.post("/api/payment/create-order", json=CUSTOMER)
    order_id = order.json()["order_id"]
    slots = server.container.stream_slots()
    async with AsyncExitStack() as first_two:
        for _ in range(2):
            assert (await open_stream(first_two, client, order_id)).status_code == 200
        async with AsyncExitStack() as third:
            refused = await open_stream(third, client, order_id)
            assert refused.status_code == 429
            assert refused.json() == {
                "success": False,
                "error": "Too many open event streams from this address",
            }
            assert int(refused.headers["retry-after"]) > 0
        assert slots.open == 2
    for _ in range(250):
        if slots.open == 0:
            break
        await asyncio.sleep(0.02)
    assert slots.open == 0
    async with AsyncExitStack() as again:
        assert (await open_stream(again, client, order_id)).status_code == 200


async def test_event_streams_are_limited_in_total(tmp_path: Path) -> None:
    with live_server(tmp_path, rate_limit_streams_per_client=5, max_open_streams=2) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            order = await http.post("/api/payment/create-order", json=CUSTOMER)
            order_id = order.json()["order_id"]
            async with AsyncExitStack() as streams:
                for _ in range(2):
                    assert (await open_stream(streams, http, order_id)).status_code == 200
                refused = await open_stream(streams, http, order_id)
                assert refused.status_code == 429
                assert refused.json()["error"] == "Too many open event streams; try again later"
                assert "retry-after" in refused.headers
