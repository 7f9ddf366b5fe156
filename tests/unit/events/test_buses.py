"""The buses' behaviour without a server: the in-process bus, and the broker bus over a
broker kept in memory, whose connections the test can refuse, break and restore."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest

from adapters.events import broker as broker_module
from adapters.events import fan_out
from adapters.events.broker import BrokerEventBus, OnMessage
from adapters.events.in_process import InProcessEventBus
from adapters.events.wire import decode
from domain.events import Event, OrderCredited, OrderPaid
from domain.money import Money

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SHORT = 0.05  # how long a test waits to show nothing happened
BOUND = 5.0  # how long a test waits for what must happen


def paid(order_id: str) -> list[Event]:
    return [OrderPaid(order_id, NOW, "pay_1", Money.of("10.00")), OrderCredited(order_id, NOW, 1)]


async def woken(wait: Awaitable[None], within: float = SHORT) -> bool:
    try:
        await asyncio.wait_for(wait, within)
    except TimeoutError:
        return False
    return True


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(int(BOUND / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within the bound")


class FakeBroker:
    """Delivers what any link sends to every open link, the sender's own included (as
    PostgreSQL and Redis do), a little later, as over a network."""

    def __init__(self) -> None:
        self.links: list[FakeLink] = []
        self.refusing = False
        self.opened = 0
        self.sent: list[str] = []
        self.latency = 0.01

    async def open(self, name: str, on_message: OnMessage) -> FakeLink:
        if self.refusing:
            raise ConnectionRefusedError("broker down")
        self.opened += 1
        link = FakeLink(self, on_message)
        self.links.append(link)
        return link

    def kill_all(self) -> None:
        for link in list(self.links):
            link.kill()


class FakeLink:
    def __init__(self, broker: FakeBroker, on_message: OnMessage) -> None:
        self.broker = broker
        self.on_message = on_message
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sends_fail = False

    async def send(self, payloads: Sequence[str]) -> None:
        if self.lost.done() or self.sends_fail:
            raise ConnectionError("link lost")
        self.broker.sent += payloads
        loop = asyncio.get_running_loop()
        for link in list(self.broker.links):
            for payload in payloads:
                loop.call_later(self.broker.latency, link.on_message, payload)

    async def listen(self) -> None:
        await self.lost
        raise ConnectionError("link lost")

    def kill(self) -> None:
        if self in self.broker.links:
            self.broker.links.remove(self)
        if not self.lost.done():
            self.lost.set_result(None)

    async def aclose(self) -> None:
        self.kill()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_module, "FIRST_RETRY_SECONDS", 0.01)
    monkeypatch.setattr(broker_module, "MAX_RETRY_SECONDS", 0.02)
    monkeypatch.setattr(broker_module, "CONNECT_WAIT_SECONDS", 0.2)


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
async def instances(broker: FakeBroker) -> AsyncIterator[tuple[BrokerEventBus, BrokerEventBus]]:
    a = BrokerEventBus("fake", broker.open)
    b = BrokerEventBus("fake", broker.open)
    await a.start()
    await b.start()
    yield a, b
    await a.aclose()
    await b.aclose()


# --- in-process --------------------------------------------------------------------


async def test_in_process_publish_wakes_the_subscribers_of_that_order_only() -> None:
    bus = InProcessEventBus()
    async with bus.subscribe("o1") as one, bus.subscribe("o1") as two, bus.subscribe("o2") as other:
        await bus.publish(paid("o1"))
        assert await woken(one.wait(BOUND))
        assert await woken(two.wait(BOUND))
        assert not await woken(other.wait(BOUND))
        assert not await woken(one.wait(BOUND)), "two events, one wake-up: the stream reads once"
    assert bus.subscriber_count("o1") == bus.subscriber_count("o2") == 0


async def test_a_quiet_subscription_still_wakes_each_resync_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fan_out, "RESYNC_SECONDS", 0.02)
    bus = InProcessEventBus()
    async with bus.subscribe("o1") as changes:
        assert await woken(changes.wait(fallback_seconds=BOUND), within=BOUND)


# --- broker bus --------------------------------------------------------------------


async def test_an_event_wakes_local_subscribers_at_once_and_other_instances_through_the_broker(
    instances: tuple[BrokerEventBus, BrokerEventBus], broker: FakeBroker
) -> None:
    a, b = instances
    assert a.connected and b.connected
    async with a.subscribe("o1") as on_a, b.subscribe("o1") as on_b:
        await b.publish(paid("o1"))
        assert await woken(on_b.wait(BOUND)), "the publisher's own stream needs no broker"
        assert await woken(on_a.wait(BOUND), within=BOUND)
    await until(lambda: b.pending == 0)
    [payload] = broker.sent
    message = decode(payload)
    assert message is not None
    assert (message.origin, message.order_id) == (b.origin, "o1")
    assert message.types == ("OrderPaid", "OrderCredited")


async def test_the_publisher_skips_its_own_message_when_the_broker_echoes_it(
    instances: tuple[BrokerEventBus, BrokerEventBus], broker: FakeBroker
) -> None:
    a, _ = instances
    async with a.subscribe("o1") as changes:
        await a.publish(paid("o1"))
        assert await woken(changes.wait(BOUND))
        await until(lambda: len(broker.sent) == 1)
        assert not await woken(changes.wait(BOUND)), "the echo woke the local stream again"


async def test_a_lost_connection_wakes_every_stream_which_then_falls_back_to_polling(
    instances: tuple[BrokerEventBus, BrokerEventBus], broker: FakeBroker
) -> None:
    a, _ = instances
    async with a.subscribe("o1") as changes:
        broker.refusing = True
        waiting = asyncio.create_task(changes.wait(fallback_seconds=BOUND))
        await asyncio.sleep(0)
        broker.kill_all()
        assert await woken(waiting, within=BOUND), "the loss woke the stream"
        assert not a.connected
        assert await woken(changes.wait(fallback_seconds=0.02), within=BOUND), (
            "while the bus is down a stream re-reads every fallback period"
        )
        broker.refusing = False
        await until(lambda: a.connected)
        assert await woken(changes.wait(fallback_seconds=BOUND)), "the return woke it too"
        assert not await woken(changes.wait(fallback_seconds=0.02), within=0.1), (
            "connected again: no more fallback wake-ups"
        )


async def test_after_reconnecting_events_flow_again_and_what_waited_is_sent(
    instances: tuple[BrokerEventBus, BrokerEventBus], broker: FakeBroker
) -> None:
    a, b = instances
    async with a.subscribe("o1") as on_a, a.subscribe("o2") as later_on_a:
        broker.refusing = True
        broker.kill_all()
        await until(lambda: not a.connected and not b.connected)
        await b.publish(paid("o1"))
        assert b.pending == 1
        broker.refusing = False
        await until(lambda: a.connected and b.connected and b.pending == 0)
        await on_a.wait(BOUND)  # woken by the reconnection, by the held message, or both
        await later_on_a.wait(BOUND)
        await b.publish(paid("o2"))
        assert await woken(later_on_a.wait(BOUND), within=BOUND)
    assert broker.opened == 4


async def test_a_send_that_fails_is_sent_again_on_the_next_connection(
    instances: tuple[BrokerEventBus, BrokerEventBus], broker: FakeBroker
) -> None:
    a, b = instances
    [link_of_b] = [link for link in broker.links if link.on_message == b._received]
    link_of_b.sends_fail = True
    async with a.subscribe("o1") as on_a:
        await b.publish(paid("o1"))
        await until(lambda: broker.opened == 3)
        await until(lambda: b.pending == 0)
        assert await woken(on_a.wait(BOUND), within=BOUND)
    assert [decode(p).order_id for p in broker.sent if decode(p)] == ["o1"]


async def test_publish_never_raises_and_the_queue_keeps_the_newest(
    monkeypatch: pytest.MonkeyPatch, broker: FakeBroker
) -> None:
    monkeypatch.setattr(broker_module, "MAX_PENDING", 3)
    broker.refusing = True
    bus = BrokerEventBus("fake", broker.open)
    await bus.start()
    assert not bus.connected
    for order in ("o1", "o2", "o3", "o4", "o5"):
        await bus.publish(paid(order))
    assert bus.pending == 3
    broker.refusing = False
    await until(lambda: bus.pending == 0)
    await bus.aclose()
    assert [decode(p).order_id for p in broker.sent if decode(p)] == ["o3", "o4", "o5"]


async def test_a_bus_that_cannot_connect_still_serves_local_streams(broker: FakeBroker) -> None:
    broker.refusing = True
    bus = BrokerEventBus("fake", broker.open)
    await bus.start()
    try:
        async with bus.subscribe("o1") as changes:
            await bus.publish(paid("o1"))
            assert await woken(changes.wait(BOUND))
            assert await woken(changes.wait(fallback_seconds=0.02), within=BOUND)
    finally:
        await bus.aclose()


async def test_closing_sends_what_is_queued(broker: FakeBroker) -> None:
    bus = BrokerEventBus("fake", broker.open)
    await bus.start()
    await bus.publish(paid("o1"))
    await bus.aclose()
    assert len(broker.sent) == 1
    assert broker.links == []


async def test_a_closed_bus_can_start_again(broker: FakeBroker) -> None:
    bus = BrokerEventBus("fake", broker.open)
    await bus.start()
    await bus.aclose()
    await bus.start()
    assert bus.connected
    await bus.aclose()
    assert not bus.connected
