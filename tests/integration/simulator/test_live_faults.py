"""Timeouts and connection resets need a real socket: the simulator on a free loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from cashfree_simulator import create_simulator_app
from cashfree_simulator.clock import SystemClock
from cashfree_simulator.simulator import CashfreeSimulator
from cashfree_simulator.webhooks import WebhookDispatcher

from .conftest import APP_ID, PG_HEADERS, SECRET, order_request


@pytest.fixture
async def live() -> AsyncIterator[tuple[CashfreeSimulator, str]]:
    async with httpx.AsyncClient() as outbound:
        webhooks = WebhookDispatcher(SECRET, outbound, SystemClock())
        simulator = CashfreeSimulator(APP_ID, SECRET, SystemClock(), webhooks)
        app = create_simulator_app(simulator, hang_seconds=0.5)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield simulator, f"http://127.0.0.1:{port}"
        server.should_exit = True
        await task
        await webhooks.aclose()


async def test_a_timeout_fault_times_the_client_out_but_the_order_exists(
    live: tuple[CashfreeSimulator, str],
) -> None:
    simulator, base_url = live
    simulator.set_fault("create_order", "timeout", count=1)
    headers = {**PG_HEADERS, "x-idempotency-key": "live-1"}
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                "/pg/orders",
                json=order_request(),
                headers=headers,
                timeout=httpx.Timeout(5.0, read=0.1),
            )
        retried = await client.post("/pg/orders", json=order_request(), headers=headers)
    assert retried.status_code == 200
    assert retried.json()["order_id"] == "order_2001"


async def test_a_reset_fault_breaks_the_connection(
    live: tuple[CashfreeSimulator, str],
) -> None:
    simulator, base_url = live
    await simulator.create_order(order_request())
    simulator.set_fault("get_order", "reset", count=1)
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        with pytest.raises(httpx.TransportError):
            await client.get("/pg/orders/order_2001", headers=PG_HEADERS)
        after = await client.get("/pg/orders/order_2001", headers=PG_HEADERS)
    assert after.status_code == 200
