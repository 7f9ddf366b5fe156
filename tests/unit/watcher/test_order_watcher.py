"""OrderWatcher: one loop and one gateway call in flight per order, however many watch."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from application.errors import GatewayUnavailable, OrderNotFound
from application.watcher import OrderWatcher
from domain.customer import Customer
from domain.money import Money
from domain.order import AttemptStatus, Order, PaymentAttempt

NOW = datetime(2025, 1, 1, tzinfo=UTC)
INTERVAL = 1.0


def active_order(order_id: str = "order_1") -> Order:
    order = Order.create(
        order_id,
        Money.of("10.00"),
        Customer.create("Asha Rao", "a@example.com", "9876543210"),
        NOW,
        customer_id="cus_asha",
    )
    order.activate("cf_1", "session_1", NOW)
    return order


def paid(order: Order) -> Order:
    order.record_attempt(
        PaymentAttempt("pay_1", AttemptStatus.SUCCESS, order.amount, NOW, method="upi"), NOW
    )
    return order


class FakeConfirm:
    """Counts gateway confirmations; can hold them open or fail them."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self.calls: dict[str, int] = {}
        self.gate: asyncio.Event | None = None
        self.error: Exception | None = None

    async def execute(
        self, order_id: str, *, check_order_status: bool = True, check_payments: bool = True
    ) -> Order:
        self.calls[order_id] = self.calls.get(order_id, 0) + 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.order

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class ManualSleep:
    """Stands in for asyncio.sleep: a sleeper wakes only when the test ticks."""

    def __init__(self) -> None:
        self.sleepers: list[asyncio.Future[None]] = []
        self.requested: list[float] = []

    async def __call__(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sleepers.append(future)
        self.requested.append(seconds)
        await future

    @property
    def waiting(self) -> int:
        return sum(1 for f in self.sleepers if not f.done())

    async def tick(self) -> None:
        """One interval passes for every loop that is sleeping."""
        sleepers, self.sleepers = self.sleepers, []
        for future in sleepers:
            if not future.done():
                future.set_result(None)
        await settle()


async def settle() -> None:
    """Let every ready task run until it blocks again."""
    for _ in range(20):
        await asyncio.sleep(0)


def make_watcher(order: Order | None = None) -> tuple[OrderWatcher, FakeConfirm, ManualSleep]:
    confirm = FakeConfirm(order or active_order())
    sleep = ManualSleep()
    return OrderWatcher(confirm=confirm, interval_seconds=INTERVAL, sleep=sleep), confirm, sleep


async def watched_calls(watchers: int, ticks: int) -> int:
    watcher, confirm, sleep = make_watcher()
    async with AsyncExitStack() as stack:
        for _ in range(watchers):
            await stack.enter_async_context(watcher.watch("order_1"))
        await settle()
        for _ in range(ticks):
            await sleep.tick()
        assert watcher.gateway_calls("order_1") == confirm.calls["order_1"]
        return confirm.calls["order_1"]


async def test_one_watcher_confirms_after_one_interval_then_once_per_interval() -> None:
    watcher, confirm, sleep = make_watcher()
    async with watcher.watch("order_1"):
        await settle()
        assert confirm.total == 0
        assert sleep.requested == [INTERVAL]
        await sleep.tick()
        assert confirm.total == 1
        await sleep.tick()
        await sleep.tick()
        assert confirm.total == 3


async def test_a_watch_shorter_than_an_interval_costs_the_gateway_nothing() -> None:
    watcher, confirm, sleep = make_watcher()
    async with watcher.watch("order_1"):
        await settle()
    await sleep.tick()
    assert confirm.total == 0
    assert not watcher.is_polling("order_1")


async def test_a_thousand_watchers_cost_the_gateway_what_one_costs() -> None:
    one = await watched_calls(watchers=1, ticks=5)
    thousand = await watched_calls(watchers=1000, ticks=5)
    assert one == thousand == 5


async def test_polling_stops_when_the_last_watcher_leaves() -> None:
    watcher, confirm, sleep = make_watcher()
    async with watcher.watch("order_1"):
        async with watcher.watch("order_1"):
            await settle()
        assert watcher.is_polling("order_1")
        await sleep.tick()
        assert confirm.total == 1
    assert not watcher.is_polling("order_1")
    assert watcher.watcher_count("order_1") == 0
    await sleep.tick()
    assert confirm.total == 1


async def test_polling_stops_once_the_order_is_final() -> None:
    watcher, confirm, sleep = make_watcher(paid(active_order()))
    async with watcher.watch("order_1"):
        await settle()
        await sleep.tick()
        await sleep.tick()
        assert confirm.total == 1
        assert not watcher.is_polling("order_1")
        assert sleep.waiting == 0


async def test_concurrent_confirmations_share_one_gateway_call() -> None:
    watcher, confirm, _ = make_watcher()
    confirm.gate = asyncio.Event()
    waiting = [asyncio.create_task(watcher.confirm("order_1")) for _ in range(50)]
    await settle()
    confirm.gate.set()
    orders = await asyncio.gather(*waiting)
    assert confirm.total == 1
    assert all(order is confirm.order for order in orders)
    await watcher.confirm("order_1")
    assert confirm.total == 2


async def test_a_request_joins_the_watchers_call_in_flight() -> None:
    watcher, confirm, sleep = make_watcher()
    confirm.gate = asyncio.Event()
    async with watcher.watch("order_1"):
        await settle()
        await sleep.tick()
        assert confirm.total == 1, "the watcher's own call is in flight"
        request = asyncio.create_task(watcher.confirm("order_1"))
        await settle()
        confirm.gate.set()
        await request
        assert confirm.total == 1


async def test_leaving_does_not_cancel_the_call_others_wait_for() -> None:
    watcher, confirm, sleep = make_watcher()
    confirm.gate = asyncio.Event()
    async with watcher.watch("order_1"):
        await settle()
        await sleep.tick()
        assert confirm.total == 1, "the watcher's own call is in flight"
        request = asyncio.create_task(watcher.confirm("order_1"))
        await settle()
    confirm.gate.set()
    assert await request is confirm.order
    assert confirm.total == 1


async def test_gateway_errors_are_retried_next_interval() -> None:
    watcher, confirm, sleep = make_watcher()
    confirm.error = GatewayUnavailable("timeout")
    async with watcher.watch("order_1"):
        await settle()
        await sleep.tick()
        await sleep.tick()
        assert confirm.total == 2
        assert watcher.is_polling("order_1")


async def test_unknown_order_stops_polling() -> None:
    watcher, confirm, sleep = make_watcher()
    confirm.error = OrderNotFound("order_1")
    async with watcher.watch("order_1"):
        await settle()
        await sleep.tick()
        await sleep.tick()
        assert confirm.total == 1
        assert not watcher.is_polling("order_1")


async def test_each_order_has_its_own_loop() -> None:
    watcher, confirm, sleep = make_watcher()
    async with watcher.watch("order_1"), watcher.watch("order_2"), watcher.watch("order_2"):
        await settle()
        await sleep.tick()
        await sleep.tick()
    assert confirm.calls == {"order_1": 2, "order_2": 2}
    assert watcher.total_gateway_calls == 4


async def test_real_sleep_keeps_polling_until_the_watcher_leaves() -> None:
    third_call = asyncio.Event()

    class CountingConfirm(FakeConfirm):
        async def execute(
            self, order_id: str, *, check_order_status: bool = True, check_payments: bool = True
        ) -> Order:
            if self.total == 2:
                third_call.set()
            return await super().execute(
                order_id, check_order_status=check_order_status, check_payments=check_payments
            )

    confirm = CountingConfirm(active_order())
    watcher = OrderWatcher(confirm=confirm, interval_seconds=0.01)
    async with watcher.watch("order_1"):
        await asyncio.wait_for(third_call.wait(), timeout=5)
    calls_when_left = confirm.total
    assert not watcher.is_polling("order_1")
    await asyncio.sleep(0.05)
    assert confirm.total == calls_when_left >= 3


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval"):
        OrderWatcher(confirm=FakeConfirm(active_order()), interval_seconds=0)
