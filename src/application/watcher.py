"""Ask the gateway about orders someone is watching, once per interval, never more.

The checkout page keeps an event stream open while the customer pays. Webhooks normally
tell us about a failed attempt within milliseconds, but they can be late or lost, so while
at least one customer watches a non-final order the service asks the gateway itself, one
interval after watching began and each interval after. Each watched order has at most one
polling loop and at most one gateway call in flight, however many pages (or requests)
watch it: 1,000 watchers cost the gateway what one costs.

A loop's check is one gateway call: it reads the order's payments (where an attempt fails
or succeeds), and every `ORDER_STATUS_EVERY`-th check the order's status instead (where it
expires or is terminated). So N watched orders cost N gateway calls per interval, however
many streams watch each and however many orders one client watches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

import structlog

from application.errors import ApplicationError, OrderNotFound
from domain.order import Order

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# A failure shows within one interval; an expiry within this many.
ORDER_STATUS_EVERY = 5


class Confirmer(Protocol):
    """The ConfirmPayment use case as the watcher needs it."""

    async def execute(
        self, order_id: str, *, check_order_status: bool = True, check_payments: bool = True
    ) -> Order: ...


class OrderWatcher:
    """One polling loop per watched order, single-flight gateway confirmation.

    `sleep` is injectable so tests can drive the interval by hand instead of by the clock.
    """

    def __init__(
        self,
        confirm: Confirmer,
        interval_seconds: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self._confirm = confirm
        self._interval = interval_seconds
        self._sleep = sleep
        self._watchers: dict[str, int] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._inflight: dict[str, asyncio.Task[Order]] = {}
        self._calls: dict[str, int] = {}

    @property
    def interval_seconds(self) -> float:
        return self._interval

    @asynccontextmanager
    async def watch(self, order_id: str) -> AsyncIterator[None]:
        """Keep the order polled while the block runs; the last watcher out stops it."""
        self._watchers[order_id] = self._watchers.get(order_id, 0) + 1
        self._ensure_loop(order_id)
        try:
            yield
        finally:
            remaining = self._watchers[order_id] - 1
            if remaining:
                self._watchers[order_id] = remaining
            else:
                del self._watchers[order_id]
                loop = self._loops.pop(order_id, None)
                if loop is not None:
                    loop.cancel()
                    await asyncio.wait([loop])

    async def confirm(self, order_id: str) -> Order:
        """Ask the gateway now (payments and order status), joining the call already in
        flight for this order if any."""
        return await self._single_flight(order_id, order_status=True, payments=True)

    async def _single_flight(self, order_id: str, *, order_status: bool, payments: bool) -> Order:
        task = self._inflight.get(order_id)
        if task is None:
            self._calls[order_id] = self._calls.get(order_id, 0) + 1
            confirmation = self._confirm.execute(
                order_id, check_order_status=order_status, check_payments=payments
            )
            task = asyncio.get_running_loop().create_task(confirmation)
            self._inflight[order_id] = task
            task.add_done_callback(lambda done: self._forget(order_id, done))
        # A cancelled watcher must not cancel the call other waiters share.
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        """Cancel the polling loops and their confirmations: at shutdown no stream or
        request is left to end them, and the store closes next."""
        loops = list(self._loops.values())
        calls = list(self._inflight.values())
        self._loops.clear()
        for task in (*loops, *calls):
            task.cancel()
        await asyncio.gather(*loops, *calls, return_exceptions=True)

    def watcher_count(self, order_id: str) -> int:
        return self._watchers.get(order_id, 0)

    def is_polling(self, order_id: str) -> bool:
        loop = self._loops.get(order_id)
        return loop is not None and not loop.done()

    def gateway_calls(self, order_id: str) -> int:
        """How many confirmations this watcher has started for the order."""
        return self._calls.get(order_id, 0)

    @property
    def total_gateway_calls(self) -> int:
        return sum(self._calls.values())

    def _forget(self, order_id: str, task: asyncio.Task[Order]) -> None:
        if self._inflight.get(order_id) is task:
            del self._inflight[order_id]
        if not task.cancelled():
            task.exception()  # mark retrieved: the awaiting loop or request reports it

    def _ensure_loop(self, order_id: str) -> None:
        if self.is_polling(order_id):
            return
        self._loops[order_id] = asyncio.get_running_loop().create_task(self._poll(order_id))

    async def _poll(self, order_id: str) -> None:
        """Wait one interval, then check, until the order is final or nobody watches.

        The first check waits too: whoever starts watching has just read the stored order,
        and what changes after that reaches them through the event bus, from whichever
        instance commits it. A failure whose webhook was lost is still found within one
        interval of the moment watching began or the attempt failed, whichever is later.
        """
        checks = 0
        while True:
            await self._sleep(self._interval)
            if not self._watchers.get(order_id):
                return
            checks += 1
            status_turn = checks % ORDER_STATUS_EVERY == 0
            try:
                order = await self._single_flight(
                    order_id, order_status=status_turn, payments=not status_turn
                )
            except OrderNotFound:
                return
            except ApplicationError as exc:
                log.warning("watcher could not confirm order", order_id=order_id, error=str(exc))
            except Exception:
                log.exception("watcher failed to confirm order", order_id=order_id)
            else:
                if order.status.is_final:
                    return
