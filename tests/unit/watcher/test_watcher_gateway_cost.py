"""What watching costs the gateway: one call per watched order per interval.

100 orders, each watched by 3 event streams, through the real ConfirmPayment over a
gateway that counts its calls. Each check used to read both the payments and the order
(two calls), so 100 watched orders cost 200 calls per interval.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AsyncExitStack

from adapters.store.memory import MemoryStore
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.watcher import ORDER_STATUS_EVERY, OrderWatcher

from ..application.fakes import CountingIds, FixedClock, RecordingPublisher, ScriptedGateway
from .test_order_watcher import ManualSleep, settle

ORDERS = 100
STREAMS_PER_ORDER = 3
INTERVALS = 2 * ORDER_STATUS_EVERY


async def test_a_hundred_watched_orders_cost_a_hundred_calls_per_interval() -> None:
    gateway, clock = ScriptedGateway(), FixedClock()
    units = UnitOfWorkFactory(MemoryStore(), RecordingPublisher())
    create = CreatePayment(
        units, gateway, clock, CountingIds(), "http://shop.test/r", "http://shop.test/w"
    )
    order_ids = [
        (
            await create.execute(
                CreatePaymentCommand("10.00", "Asha Rao", "asha@example.com", "9876543210")
            )
        ).order_id
        for _ in range(ORDERS)
    ]
    sleep = ManualSleep()
    watcher = OrderWatcher(ConfirmPayment(units, gateway, clock), interval_seconds=1, sleep=sleep)
    gateway.calls.clear()
    per_interval: list[int] = []
    async with AsyncExitStack() as streams:
        for order_id in order_ids:
            for _ in range(STREAMS_PER_ORDER):
                await streams.enter_async_context(watcher.watch(order_id))
        await settle()
        assert gateway.calls == [], "the first check waits one interval"
        for _ in range(INTERVALS):
            await sleep.tick()
            await settle()
            per_interval.append(len(gateway.calls) - sum(per_interval))
    assert per_interval == [ORDERS] * INTERVALS
    # every fifth check reads the order's status (expiry) instead of its payments
    assert Counter(gateway.calls) == {"list_payments": ORDERS * 8, "get_order": ORDERS * 2}
    assert watcher.total_gateway_calls == ORDERS * INTERVALS
