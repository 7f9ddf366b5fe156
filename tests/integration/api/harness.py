"""The whole service in-process: the app over httpx's ASGI transport, with the Cashfree
simulator mounted and its webhooks delivered back into the same app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from dependency_injector import providers

from application.ports import Store
from entrypoints.container import Container, build_container
from entrypoints.settings import load_settings
from entrypoints.web.app import create_app

BASE = "http://testserver"
ADMIN_TOKEN = "test-admin-token-0123456789-abcdef"
CUSTOMER = {
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}


@dataclass
class Service:
    client: httpx.AsyncClient
    container: Container

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def create_order(self, amount: Any = "499.00") -> dict[str, Any]:
        response = await self.client.post(
            "/api/payment/create-order", json={"amount": amount, **CUSTOMER}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def attempt(
        self, order_id: str, outcome: str, message: str | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"outcome": outcome}
        if message is not None:
            payload["message"] = message
        response = await self.client.post(
            f"/_fake-cashfree/control/orders/{order_id}/attempts", json=payload
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def webhooks(self) -> list[dict[str, Any]]:
        response = await self.client.get("/_fake-cashfree/control/webhooks")
        assert response.status_code == 200
        log: list[dict[str, Any]] = response.json()
        return log

    async def ledger_entries(self) -> int:
        return (await self.container.store().reports().ledger_totals()).entries


@asynccontextmanager
async def running_service(
    store_url: str = "memory://", store: Store | None = None, **settings: Any
) -> AsyncIterator[Service]:
    """The service on `store_url`, or on an already made `store` (SQL servers in tests)."""
    defaults: dict[str, Any] = {
        "admin_token": ADMIN_TOKEN,
        "public_url": BASE,
        "payment_gateway": "fake",
        "cashfree_app_id": "TESTAPP",
        "cashfree_secret_key": "test-secret-key",
        "fake_webhook_time_scale": 10_000,
    }
    config = load_settings(store_url=store_url, **{**defaults, **settings})
    container = build_container(config)
    if store is not None:
        container.store.override(providers.Object(store))

    async def app_late_bound(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)

    webhook_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app_late_bound))
    container.webhook_http_client.override(providers.Object(webhook_client))
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE) as client,
    ):
        yield Service(client, container)
