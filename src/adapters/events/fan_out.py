"""This process's subscribers of each order, and the wake-ups they wait for.

Every bus delivers through one of these: the in-process bus alone, the shared buses for
what this process commits (at once, without a round trip) and for what they hear from
other instances. A wake-up is a flag, not a queue: a stream re-reads the order from the
store when woken, so any number of changes before it reads again cost one read, and a
slow stream never slows the payment path down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

# Even a bus that hears every instance may lose a message on the way (a broker restart
# between a publish and its delivery): a stream re-reads this often whatever the bus says.
RESYNC_SECONDS = 30.0


class OrderSubscription:
    """One subscriber's wake-ups for one order (the `OrderChanges` port)."""

    def __init__(self, hears_everything: Callable[[], bool]) -> None:
        self._hears_everything = hears_everything
        self._changed = asyncio.Event()

    def wake(self) -> None:
        self._changed.set()

    async def wait(self, fallback_seconds: float) -> None:
        """See `OrderChanges.wait`: a change or a bus transition wakes it; the timeout is
        `fallback_seconds` while the bus is deaf to other instances, else RESYNC_SECONDS."""
        timeout = (
            RESYNC_SECONDS if self._hears_everything() else min(fallback_seconds, RESYNC_SECONDS)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        self._changed.clear()


class LocalFanOut:
    """The subscriptions of this process, by order id.

    `hears_everything` tells whether the bus currently receives every instance's
    changes (the in-process bus always does; a shared bus while it is connected).
    """

    def __init__(self, hears_everything: Callable[[], bool]) -> None:
        self._hears_everything = hears_everything
        self._subscriptions: dict[str, set[OrderSubscription]] = {}

    def wake(self, order_id: str) -> None:
        for subscription in self._subscriptions.get(order_id, ()):
            subscription.wake()

    def wake_all(self) -> None:
        """Every subscriber re-reads: the bus was lost or found again."""
        for subscriptions in self._subscriptions.values():
            for subscription in subscriptions:
                subscription.wake()

    def subscriber_count(self, order_id: str) -> int:
        return len(self._subscriptions.get(order_id, ()))

    @asynccontextmanager
    async def subscribe(self, order_id: str) -> AsyncIterator[OrderSubscription]:
        subscription = OrderSubscription(self._hears_everything)
        self._subscriptions.setdefault(order_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscriptions = self._subscriptions.get(order_id)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._subscriptions[order_id]
