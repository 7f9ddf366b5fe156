"""An event bus shared by every process of the shop through a broker (PostgreSQL
LISTEN/NOTIFY or Redis pub/sub), over one connection per process.

Publishing never waits for the broker: committed events wake this process's subscribers
at once, and one message per order goes to a bounded queue that a sender drains over the
connection. Messages from other instances wake the subscribers of their order; the bus
skips its own (they were delivered locally already).

The connection is watched: when it is lost, the bus reconnects with backoff (50 ms
doubling to 5 s) and keeps what it could not send for the next connection. While it is
down every subscriber is woken and falls back to re-reading its order each watch
interval (the order watcher keeps the store current meanwhile); when it is back every
subscriber is woken again, since a change may have passed unheard.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

import structlog

from adapters.events.fan_out import LocalFanOut, OrderSubscription
from adapters.events.wire import decode, encode, messages_for
from domain.events import Event

log = structlog.get_logger(__name__)

CONNECT_WAIT_SECONDS = 5.0
FIRST_RETRY_SECONDS = 0.05
MAX_RETRY_SECONDS = 5.0
# A connection that lived this long was healthy: the next loss retries quickly again.
HEALTHY_SECONDS = 5.0
MAX_PENDING = 10_000
BATCH = 100
CLOSE_SECONDS = 1.0

OnMessage = Callable[[str | bytes], None]


class BrokerLink(Protocol):
    """One live connection to the broker, listening on the bus's channel."""

    async def send(self, payloads: Sequence[str]) -> None:
        """Publish the payloads on the channel; raises if the connection failed."""
        ...

    async def listen(self) -> None:
        """Hand every message to the callback given at open; raise once the connection
        is lost (found by the broker closing it or by a heartbeat going unanswered)."""
        ...

    async def aclose(self) -> None: ...


OpenLink = Callable[[str, OnMessage], Awaitable[BrokerLink]]


class BrokerEventBus:
    """`open_link(connection_name, on_message)` connects and subscribes, or raises."""

    def __init__(self, description: str, open_link: OpenLink) -> None:
        self.description = description
        self.origin = secrets.token_hex(8)
        self._open_link = open_link
        self._local = LocalFanOut(hears_everything=lambda: self._connected)
        self._connected = False
        self._pending: deque[str] = deque()
        self._dropped = 0
        self._has_pending = asyncio.Event()
        self._up = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self.connections = 0

    @property
    def connection_name(self) -> str:
        """How the broker knows this bus's connection (application or client name)."""
        return f"checkout-events-{self.origin}"

    @property
    def connected(self) -> bool:
        return self._connected

    def subscriber_count(self, order_id: str) -> int:
        return self._local.subscriber_count(order_id)

    @property
    def pending(self) -> int:
        """Messages waiting for the connection."""
        return len(self._pending)

    async def start(self) -> None:
        if self._runner is None:
            self._closing.clear()
            self._runner = asyncio.get_running_loop().create_task(self._run())
        try:
            await asyncio.wait_for(self._up.wait(), CONNECT_WAIT_SECONDS)
        except TimeoutError:
            log.warning(
                "event bus not connected yet: event streams fall back to the order watcher",
                bus=self.description,
            )

    async def aclose(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing.set()
        self._has_pending.set()
        await asyncio.wait({runner}, timeout=CLOSE_SECONDS)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        if self._pending:
            log.warning("event bus closed with messages unsent", count=len(self._pending))

    async def publish(self, events: Sequence[Event]) -> None:
        try:
            pairs = [(event.order_id, type(event).__name__) for event in events]
            for order_id in dict.fromkeys(order_id for order_id, _ in pairs):
                self._local.wake(order_id)
            for message in messages_for(self.origin, pairs):
                payload = encode(message)
                if payload is None:
                    log.warning("event too large for the bus", order_id=message.order_id[:64])
                    continue
                self._enqueue(payload)
            self._has_pending.set()
        except Exception:
            log.exception("event bus could not queue events", bus=self.description)

    @asynccontextmanager
    async def subscribe(self, order_id: str) -> AsyncIterator[OrderSubscription]:
        """Wake-ups for `order_id`, from this process and every other, while the block runs."""
        async with self._local.subscribe(order_id) as subscription:
            yield subscription

    def _enqueue(self, payload: str) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending.popleft()
            self._dropped += 1
            if self._dropped == 1:
                log.warning(
                    "event bus queue full: dropping the oldest messages",
                    bus=self.description,
                    limit=MAX_PENDING,
                )
        self._pending.append(payload)

    def _received(self, payload: str | bytes) -> None:
        message = decode(payload)
        if message is None or message.origin == self.origin:
            return
        self._local.wake(message.order_id)

    async def _run(self) -> None:
        """Connect, serve until the connection is lost, wait, connect again: until closed."""
        loop = asyncio.get_running_loop()
        delay = FIRST_RETRY_SECONDS
        failing = False
        while not self._closing.is_set():
            try:
                link = await self._open_link(self.connection_name, self._received)
            except Exception as exc:
                if not failing:
                    log.warning(
                        "event bus cannot connect: retrying with backoff",
                        bus=self.description,
                        error=type(exc).__name__,
                    )
                failing = True
                await self._pause(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            failing = False
            since = loop.time()
            self._went_up()
            try:
                await self._serve(link)
            except Exception as exc:
                if not self._closing.is_set():
                    log.warning(
                        "event bus connection lost: event streams fall back to the order "
                        "watcher until it is back",
                        bus=self.description,
                        error=type(exc).__name__,
                    )
            finally:
                self._went_down()
                with contextlib.suppress(Exception):
                    await link.aclose()
            if loop.time() - since >= HEALTHY_SECONDS:
                delay = FIRST_RETRY_SECONDS
            await self._pause(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _serve(self, link: BrokerLink) -> None:
        """Send and listen until the connection fails (raises) or the bus closes and
        has sent what it held (returns)."""
        loop = asyncio.get_running_loop()
        sender = loop.create_task(self._send_pending(link))
        listener = loop.create_task(link.listen())
        try:
            done, _ = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, listener):
                task.cancel()
            await asyncio.gather(sender, listener, return_exceptions=True)
        if listener in done:
            listener.result()
            raise ConnectionError("the broker stopped delivering")
        sender.result()

    async def _send_pending(self, link: BrokerLink) -> None:
        while True:
            if not self._pending:
                if self._closing.is_set():
                    return
                self._has_pending.clear()
                await self._has_pending.wait()
                continue
            batch = [self._pending.popleft() for _ in range(min(BATCH, len(self._pending)))]
            try:
                await link.send(batch)
            except BaseException:
                self._pending.extendleft(reversed(batch))
                raise

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _went_up(self) -> None:
        self._connected = True
        self._up.set()
        self.connections += 1
        if self._dropped:
            log.warning("event bus dropped messages while down", count=self._dropped)
            self._dropped = 0
        log.info("event bus connected", bus=self.description, connections=self.connections)
        self._local.wake_all()

    def _went_down(self) -> None:
        self._connected = False
        self._up.clear()
        self._local.wake_all()
