"""In-process fan-out of committed domain events to subscribers of one order.

Each subscriber gets its own bounded queue; a subscriber too slow to keep up loses the
oldest events rather than slowing the payment path down (it can always re-read status).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import structlog

from domain.events import Event

QUEUE_SIZE = 64
log = structlog.get_logger(__name__)


class InProcessEventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            for queue in tuple(self._subscribers.get(event.order_id, ())):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, order_id: str) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue receiving every event of `order_id` published while the block runs."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers[order_id].add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(order_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[order_id]
