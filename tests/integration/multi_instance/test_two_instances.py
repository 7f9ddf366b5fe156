"""Two instances serve one shop: a customer's event stream is open on A while Cashfree's
webhook for the payment reaches B. A's stream must show it at once, carried by the event
bus, not found by A's own gateway watcher (whose interval is set far beyond the test).

On PostgreSQL the bus is the default one (LISTEN/NOTIFY on the store's database); on
SQLite it is Redis (EVENTS_URL). A third case takes the bus away: A's stream still shows
the payment, by re-reading the store each watch interval while the bus is gone.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.events import broker as broker_module
from adapters.events.broker import BrokerEventBus
from adapters.store.sql.store import SqlStore
from integration.web_checkout.live_server import LiveServer
from integration.web_checkout.sse import events

from ..brokers import kill_connections, private_channel, require_postgres, require_redis
from ..stores import sql_database
from .cluster import (
    StandaloneSimulator,
    create_order,
    instance,
    pay,
    standalone_simulator,
    webhook_deliveries,
)

# Far beyond the test: only the bus (or the fallback) can tell A's stream anything.
NEVER_SECONDS = 600.0
FALLBACK_WATCH_SECONDS = 0.2
STEP_TIMEOUT = 5.0

Events = AsyncIterator[tuple[str, dict[str, Any]]]


@pytest.fixture
def simulator() -> Iterator[StandaloneSimulator]:
    with standalone_simulator() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def next_event(stream: Events) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(anext(stream), STEP_TIMEOUT)


async def until_watched(server: LiveServer, order_id: str) -> None:
    watcher = server.container.order_watcher()
    for _ in range(250):
        if watcher.watcher_count(order_id) == 1:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the stream did not start watching")


async def payment_on_b_reaches_the_stream_on_a(
    client: httpx.AsyncClient, simulator: StandaloneSimulator, a: LiveServer, b: LiveServer
) -> str:
    """Create on B, stream on A, pay: the webhook goes to B; A's stream ends with SUCCESS."""
    order_id = await create_order(client, b)
    async with client.stream("GET", f"{a.base_url}/api/payment/events/{order_id}") as response:
        stream = events(response)
        name, view = await next_event(stream)
        assert (name, view["status"]) == ("status", "PENDING")
        await until_watched(a, order_id)
        await pay(client, simulator, order_id)
        name, view = await next_event(stream)
        assert (name, view["status"], view["order_id"]) == ("final", "SUCCESS", order_id)
    [delivery] = await webhook_deliveries(client, simulator)
    assert delivery["url"] == f"{b.base_url}/api/payment/webhook"
    assert delivery["status"] == 200
    return order_id


@pytest.mark.services
async def test_postgresql_a_payment_confirmed_on_b_reaches_a_stream_on_a(
    tmp_path: Path, simulator: StandaloneSimulator, client: httpx.AsyncClient
) -> None:
    await require_postgres()
    url, schema, drop = await sql_database("postgresql", tmp_path)
    channel = private_channel()
    try:
        with (
            instance(
                tmp_path / "a",
                simulator,
                store=SqlStore(url, schema=schema),
                store_url=url,
                events_channel=channel,
                watch_interval_seconds=NEVER_SECONDS,
            ) as a,
            instance(
                tmp_path / "b",
                simulator,
                store=SqlStore(url, schema=schema),
                store_url=url,
                events_channel=channel,
            ) as b,
        ):
            bus = a.container.event_bus()
            assert isinstance(bus, BrokerEventBus) and bus.description.startswith("postgresql")
            order_id = await payment_on_b_reaches_the_stream_on_a(client, simulator, a, b)
            assert a.container.order_watcher().gateway_calls(order_id) == 0
    finally:
        await drop()


@pytest.mark.services
async def test_sqlite_with_redis_a_payment_confirmed_on_b_reaches_a_stream_on_a(
    tmp_path: Path, simulator: StandaloneSimulator, client: httpx.AsyncClient
) -> None:
    redis_url = await require_redis()
    shared = {
        "store_url": f"sqlite:///{tmp_path / 'shop.db'}",
        "events_url": redis_url,
        "events_channel": private_channel(),
    }
    with (
        instance(tmp_path, simulator, watch_interval_seconds=NEVER_SECONDS, **shared) as a,
        instance(tmp_path, simulator, **shared) as b,
    ):
        order_id = await payment_on_b_reaches_the_stream_on_a(client, simulator, a, b)
        assert a.container.order_watcher().gateway_calls(order_id) == 0


@pytest.mark.services
async def test_a_stream_on_a_survives_a_losing_its_redis_connection(
    tmp_path: Path, simulator: StandaloneSimulator, client: httpx.AsyncClient
) -> None:
    redis_url = await require_redis()
    shared = {
        "store_url": f"sqlite:///{tmp_path / 'shop.db'}",
        "events_url": redis_url,
        "events_channel": private_channel(),
        "watch_interval_seconds": FALLBACK_WATCH_SECONDS,
    }
    with instance(tmp_path, simulator, **shared) as a, instance(tmp_path, simulator, **shared) as b:
        bus = a.container.event_bus()
        assert isinstance(bus, BrokerEventBus)
        order_id = await create_order(client, b)
        url = f"{a.base_url}/api/payment/events/{order_id}"
        async with client.stream("GET", url) as response:
            stream = events(response)
            assert (await next_event(stream))[1]["status"] == "PENDING"
            await until_watched(a, order_id)
            assert await kill_connections(redis_url, bus.connection_name) >= 1
            await pay(client, simulator, order_id)
            name, view = await next_event(stream)
            assert (name, view["status"]) == ("final", "SUCCESS")
        for _ in range(250):
            if bus.connected and bus.connections == 2:
                break
            await asyncio.sleep(0.02)
        assert (bus.connected, bus.connections) == (True, 2), "the bus did not reconnect"


async def test_without_a_reachable_bus_a_stream_falls_back_to_the_watch_interval(
    tmp_path: Path,
    simulator: StandaloneSimulator,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broker_module, "CONNECT_WAIT_SECONDS", 0.2)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    shared = {
        "store_url": f"sqlite:///{tmp_path / 'shop.db'}",
        "events_url": f"redis://127.0.0.1:{dead_port}/0",
        "watch_interval_seconds": FALLBACK_WATCH_SECONDS,
    }
    with instance(tmp_path, simulator, **shared) as a, instance(tmp_path, simulator, **shared) as b:
        assert not a.container.event_bus().connected  # type: ignore[attr-defined]
        await payment_on_b_reaches_the_stream_on_a(client, simulator, a, b)
