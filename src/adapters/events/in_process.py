"""The event bus of a shop served by one process: committed events wake this process's
subscribers directly (EVENTS_URL unset with a store other than PostgreSQL, or memory://).

It hears every change only because no other process changes the shop: `checkout serve
--workers N` refuses it for N > 1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from adapters.events.fan_out import LocalFanOut, OrderSubscription
from domain.events import Event


class InProcessEventBus:
    description = "in-process"

    def __init__(self) -> None:
        self._local = LocalFanOut(hears_everything=lambda: True)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def publish(self, events: Sequence[Event]) -> None:
        for order_id in dict.fromkeys(event.order_id for event in events):
            self._local.wake(order_id)

    @asynccontextmanager
    async def subscribe(self, order_id: str) -> AsyncIterator[OrderSubscription]:
        """Wake-ups for every event of `order_id` published while the block runs."""
        async with self._local.subscribe(order_id) as subscription:
            yield subscription

    def subscriber_count(self, order_id: str) -> int:
        return self._local.subscriber_count(order_id)
