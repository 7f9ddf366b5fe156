"""The simulator served by uvicorn on a free loopback port, and the real adapter aimed at it.

The server runs as a task on the test's own event loop, so a test may drive the simulator's
Python scenario API (record an attempt, inject a fault) between adapter calls safely.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.ids import SecureIdGenerator
from cashfree_simulator import create_simulator_app
from cashfree_simulator.clock import SystemClock
from cashfree_simulator.simulator import CashfreeSimulator
from cashfree_simulator.webhooks import WebhookDispatcher

APP_ID = "TEST_APP_4c1f"
HANG_SECONDS = 1.0  # how long a "timeout" fault holds its answer: above the tests' read timeout
SECRET = "cfsk_ma_test_integration_9f8e7d6c5b4a_SECRET"


@dataclass
class LiveSimulator:
    simulator: CashfreeSimulator
    base_url: str

    def orders_held(self) -> int:
        """How many gateway orders exist."""
        return self.simulator.order_count()


def _webhook_sink(request: httpx.Request) -> httpx.Response:
    """Webhooks are not what these tests are about: the notify_url always answers 200."""
    return httpx.Response(200)


@pytest.fixture
async def live() -> AsyncIterator[LiveSimulator]:
    webhook_client = httpx.AsyncClient(transport=httpx.MockTransport(_webhook_sink))
    clock = SystemClock()
    simulator = CashfreeSimulator(
        APP_ID, SECRET, clock, WebhookDispatcher(SECRET, webhook_client, clock)
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_simulator_app(simulator, hang_seconds=HANG_SECONDS),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.01)
    try:
        yield LiveSimulator(simulator, f"http://127.0.0.1:{port}/pg")
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=5)
        await simulator.webhooks.aclose()
        await webhook_client.aclose()
        sock.close()


GatewayFactory = Callable[..., CashfreeHttpGateway]


@pytest.fixture
async def make_gateway(live: LiveSimulator) -> AsyncIterator[GatewayFactory]:
    """Build adapters against the live simulator (fast backoff); all are closed after."""
    made: list[CashfreeHttpGateway] = []

    def make(**overrides: Any) -> CashfreeHttpGateway:
        options: dict[str, Any] = {
            "app_id": APP_ID,
            "secret": SECRET,
            "base_url": live.base_url,
            "ids": SecureIdGenerator(),
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "read_timeout": 2.0,
        }
        options.update(overrides)
        gateway = CashfreeHttpGateway(**options)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.aclose()


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> CashfreeHttpGateway:
    return make_gateway()
