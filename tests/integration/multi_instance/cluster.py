"""Several instances of the service serving one shop, as an operator runs them: each its
own app, container and uvicorn server (in threads of the test process), sharing one store,
one event bus and one standalone Cashfree simulator that they reach over HTTP with the
real gateway adapter. Shared by the two-instance tests and bench/cross_instance_events.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from application.ports import Store
from cashfree_simulator import build_simulator, create_simulator_app
from integration.web_checkout.live_server import LiveServer, live_server, served

APP_ID = "TESTCLUSTERAPP"
SECRET = "cfsk_ma_test_cluster_secret_0123456789"
CUSTOMER = {
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}


@dataclass
class StandaloneSimulator:
    base_url: str

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/pg"


@contextmanager
def standalone_simulator() -> Iterator[StandaloneSimulator]:
    """The Cashfree simulator on a port of its own, as `checkout fake-gateway` runs it."""
    simulator = build_simulator(APP_ID, SECRET)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await simulator.aclose()

    app = Starlette(routes=[Mount("", create_simulator_app(simulator))], lifespan=lifespan)
    with served(app) as base_url:
        yield StandaloneSimulator(base_url)


@contextmanager
def instance(
    store_dir: Path,
    simulator: StandaloneSimulator,
    store: Store | None = None,
    **settings: Any,
) -> Iterator[LiveServer]:
    """One instance on the real Cashfree adapter pointed at the standalone simulator."""
    with live_server(
        store_dir,
        store=store,
        payment_gateway="cashfree",
        cashfree_app_id=APP_ID,
        cashfree_secret_key=SECRET,
        cashfree_base_url=simulator.api_base,
        **settings,
    ) as server:
        yield server


async def create_order(client: httpx.AsyncClient, server: LiveServer) -> str:
    response = await client.post(
        f"{server.base_url}/api/payment/create-order", json={"amount": "149.00", **CUSTOMER}
    )
    assert response.status_code == 200, response.text
    order_id: str = response.json()["order_id"]
    return order_id


async def pay(client: httpx.AsyncClient, simulator: StandaloneSimulator, order_id: str) -> None:
    """A successful attempt; the simulator delivers its signed webhook to the order's
    notify URL before it answers."""
    response = await client.post(
        f"{simulator.base_url}/control/orders/{order_id}/attempts", json={"outcome": "SUCCESS"}
    )
    assert response.status_code == 200, response.text


async def webhook_deliveries(
    client: httpx.AsyncClient, simulator: StandaloneSimulator
) -> list[dict[str, Any]]:
    response = await client.get(f"{simulator.base_url}/control/webhooks")
    assert response.status_code == 200
    log: list[dict[str, Any]] = response.json()
    return log
