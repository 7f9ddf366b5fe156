"""Crash safety on every durable store (issue 10): a real `checkout serve` process under
concurrent signed success webhooks for distinct orders is killed with SIGKILL mid-storm
and started again on the same store. Every webhook it answered 2xx before it died has
exactly one grant and no order has two; delivered again, every webhook is answered and
every order still has exactly one."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx

from ..processes import Process, create_orders, grants, pay_at_gateway, processes, success_webhook

ORDERS = 120
ACKNOWLEDGED_BEFORE_KILL = 40
CONCURRENCY = 16


class Acknowledged(set[str]):
    """Orders whose webhook was answered 2xx; `reached` is set once there are `enough`."""

    def __init__(self, enough: int = 0) -> None:
        super().__init__()
        self.enough = enough
        self.reached = asyncio.Event()

    def add(self, order_id: str) -> None:
        super().add(order_id)
        if len(self) >= self.enough:
            self.reached.set()


async def _deliver_all(
    server: Process, webhooks: dict[str, tuple[bytes, dict[str, str]]], acknowledged: Acknowledged
) -> list[tuple[str, int]]:
    """Send every webhook, CONCURRENCY at a time; add the 2xx ones to `acknowledged`;
    return the other answers. A call the server did not live to answer is no answer."""
    limit = asyncio.Semaphore(CONCURRENCY)
    refused: list[tuple[str, int]] = []

    async def deliver(client: httpx.AsyncClient, order_id: str) -> None:
        body, headers = webhooks[order_id]
        async with limit:
            try:
                response = await client.post(
                    f"{server.url}/api/payment/webhook", content=body, headers=headers
                )
            except httpx.TransportError:
                return
        if 200 <= response.status_code < 300:
            acknowledged.add(order_id)
        else:
            refused.append((order_id, response.status_code))

    async with httpx.AsyncClient(timeout=60.0) as client:
        await asyncio.gather(*(deliver(client, order_id) for order_id in webhooks))
    return refused


async def test_sigkill_mid_storm_keeps_every_acknowledged_grant_once(
    shared_store: str, simulator: Process, tmp_path: Path
) -> None:
    with processes(tmp_path / "run") as started:
        server = started.server("server", shared_store, simulator)
        await server.ready()
        order_ids = await create_orders(server, ORDERS)
        payments = await pay_at_gateway(simulator, order_ids)
        webhooks = {order_id: success_webhook(payments[order_id]) for order_id in order_ids}
        acknowledged = Acknowledged(ACKNOWLEDGED_BEFORE_KILL)

        storm = asyncio.ensure_future(_deliver_all(server, webhooks, acknowledged))
        await asyncio.wait(
            [storm, asyncio.ensure_future(acknowledged.reached.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )
        server.kill()
        refused = await storm
        assert refused == [], "every answer before the kill is 2xx"
        assert ACKNOWLEDGED_BEFORE_KILL <= len(acknowledged) < ORDERS, "killed mid-storm"

        restarted = started.server("restarted", shared_store, simulator)
        await restarted.ready()
        granted = Counter(await grants(restarted))
        assert {order_id: granted[order_id] for order_id in acknowledged} == dict.fromkeys(
            acknowledged, 1
        ), "every acknowledged webhook has its grant"
        assert set(granted.values()) == {1}, "no order has two grants"
        assert set(granted) <= set(order_ids)

        redelivered = Acknowledged()
        assert await _deliver_all(restarted, webhooks, redelivered) == []
        assert redelivered == set(order_ids)
        assert Counter(await grants(restarted)) == dict.fromkeys(order_ids, 1)
