"""The shared event buses against real brokers: PostgreSQL LISTEN/NOTIFY and Redis pub/sub.

Two buses on one channel stand for two instances of the service. Each test has a
channel of its own; connections are killed from the server side to show the bus finds
the loss, wakes its streams, reconnects and carries events again.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from adapters.events import broker as broker_module
from adapters.events.broker import BrokerEventBus
from adapters.events.postgres import postgres_event_bus
from adapters.events.redis import redis_event_bus
from domain.events import Event, OrderPaid
from domain.money import Money

from ..brokers import kill_connections, private_channel, require_postgres, require_redis

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SHORT = 0.2  # how long a test waits to show nothing happened
BOUND = 5.0  # how long a test waits for what must happen
KINDS = [
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("redis", marks=pytest.mark.services),
]


def paid(order_id: str) -> list[Event]:
    return [OrderPaid(order_id, NOW, "pay_1", Money.of("10.00"))]


async def woken(changes: object, fallback: float = BOUND, within: float = BOUND) -> bool:
    try:
        await asyncio.wait_for(changes.wait(fallback), within)  # type: ignore[attr-defined]
    except TimeoutError:
        return False
    return True


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(int(BOUND / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within the bound")


def bus_on(kind: str, url: str, channel: str) -> BrokerEventBus:
    if kind == "redis":
        return redis_event_bus(url, channel)
    return postgres_event_bus(url, channel)


@pytest.fixture
async def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        return await require_redis()
    # the store's URL form: the bus takes STORE_URL as it is when EVENTS_URL is unset
    return (await require_postgres()).replace("postgresql://", "postgresql+asyncpg://")


@pytest.fixture
async def instances(
    request: pytest.FixtureRequest, broker_url: str
) -> AsyncIterator[tuple[BrokerEventBus, BrokerEventBus]]:
    channel = private_channel()
    a = bus_on(request.param, broker_url, channel)
    b = bus_on(request.param, broker_url, channel)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


@pytest.mark.parametrize(("broker_url", "instances"), [(k, k) for k in KINDS], indirect=True)
async def test_an_event_reaches_the_streams_of_the_other_instance(
    instances: tuple[BrokerEventBus, BrokerEventBus],
) -> None:
    a, b = instances
    assert a.connected and b.connected
    async with a.subscribe("order_1") as on_a, b.subscribe("order_2") as on_b:
        await b.publish(paid("order_1"))
        assert await woken(on_a)
        await a.publish(paid("order_2"))
        assert await woken(on_b)
        assert not await woken(on_a, within=SHORT), "order_2's event woke order_1's stream"


@pytest.mark.parametrize(("broker_url", "instances"), [(k, k) for k in KINDS], indirect=True)
async def test_another_channel_hears_nothing(
    request: pytest.FixtureRequest,
    broker_url: str,
    instances: tuple[BrokerEventBus, BrokerEventBus],
) -> None:
    a, b = instances
    kind = "redis" if broker_url.startswith("redis") else "postgresql"
    elsewhere = bus_on(kind, broker_url, private_channel())
    await elsewhere.start()
    try:
        async with elsewhere.subscribe("order_1") as other, a.subscribe("order_1") as on_a:
            await b.publish(paid("order_1"))
            assert await woken(on_a)
            assert not await woken(other, within=SHORT)
    finally:
        await elsewhere.aclose()


@pytest.mark.parametrize(("broker_url", "instances"), [(k, k) for k in KINDS], indirect=True)
async def test_a_killed_connection_is_reestablished_and_events_flow_again(
    broker_url: str, instances: tuple[BrokerEventBus, BrokerEventBus]
) -> None:
    a, b = instances
    async with a.subscribe("order_1") as on_a:
        waiting = asyncio.create_task(woken(on_a))
        await asyncio.sleep(0)
        assert await kill_connections(broker_url, a.connection_name) >= 1
        assert await waiting, "the lost connection woke the stream"
        await until(lambda: a.connections == 2 and a.connected)
        await woken(on_a, within=SHORT)  # the reconnection's wake-up, if not yet taken
        await b.publish(paid("order_1"))
        assert await woken(on_a), "no event arrived over the new connection"


@pytest.mark.parametrize("kind", ["postgresql", "redis"])
async def test_an_unreachable_broker_leaves_streams_on_the_fallback(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(broker_module, "CONNECT_WAIT_SECONDS", 0.3)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0" if kind == "redis" else f"postgresql://x@127.0.0.1:{port}/x"
    bus = bus_on(kind, url, private_channel())
    await bus.start()
    try:
        assert not bus.connected
        async with bus.subscribe("order_1") as changes:
            await bus.publish(paid("order_1"))
            assert await woken(changes, within=SHORT), "a local event needs no broker"
            assert await woken(changes, fallback=0.05, within=BOUND), "the stream hangs"
        assert bus.pending == 1
    finally:
        await bus.aclose()
