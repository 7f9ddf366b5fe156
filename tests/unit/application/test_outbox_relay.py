"""The outbox relay: delivery, retries on the backoff schedule, and a loop that never dies;
the inbox use cases. On the memory store with a fixed clock and scripted notifiers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.store.memory import MemoryStore, MemoryUnitOfWork
from application.errors import DeliveryFailed
from application.outbox_relay import OutboxRelay
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.notifications import ListNotifications, MarkNotificationsRead
from domain.errors import InvalidField
from domain.events import OrderPaid, PaymentAttemptFailed
from domain.money import Money
from domain.notifications import OutboxMessage, notifications_for

from ..domain.factories import T0
from .fakes import FixedClock, RecordingPublisher

CUSTOMER = "cus_a"


class ScriptedNotifier:
    """Fails the first `failures` deliveries (with `error`), then takes every message."""

    def __init__(
        self, name: str = "scripted", failures: int = 0, error: Exception | None = None
    ) -> None:
        self.name = name
        self.failures = failures
        self.error = error or DeliveryFailed("receiver answered HTTP 503")
        self.calls: list[str] = []
        self.delivered: list[str] = []

    async def deliver(self, message: OutboxMessage) -> None:
        self.calls.append(message.message_id)
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        self.delivered.append(message.message_id)


class HangingNotifier:
    name = "hanging"

    async def deliver(self, message: OutboxMessage) -> None:
        await asyncio.sleep(3600)


def paid(order_id: str) -> OutboxMessage:
    event = OrderPaid(order_id, T0, "p1", Money.of("10.00"))
    return notifications_for([event], {order_id: CUSTOMER})[0]


async def put(units: UnitOfWorkFactory, *messages: OutboxMessage) -> None:
    async with units() as uow:
        for message in messages:
            await uow.outbox.add(message)
        await uow.commit()


async def waiting(units: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with units() as uow:
        return await uow.outbox.due(T0 + timedelta(days=365), 100)


def relay(units: UnitOfWorkFactory, *notifiers: object, **options: object) -> OutboxRelay:
    return OutboxRelay(units, notifiers, FixedClock(), 1.0, **options)  # type: ignore[arg-type]


async def test_due_messages_go_to_every_notifier_once(units: UnitOfWorkFactory) -> None:
    first, second = ScriptedNotifier("first"), ScriptedNotifier("second")
    a, b = paid("ORDER_A"), paid("ORDER_B")
    await put(units, a, b)
    outbox = relay(units, first, second)
    assert await outbox.run_once(T0) == 2
    assert (
        sorted(first.delivered) == sorted(second.delivered) == sorted([a.message_id, b.message_id])
    )
    assert await outbox.run_once(T0 + timedelta(hours=1)) == 0
    assert len(first.calls) == 2
    assert await waiting(units) == []


async def test_a_failure_is_retried_on_the_backoff_schedule(units: UnitOfWorkFactory) -> None:
    notifier = ScriptedNotifier(failures=3)
    message = paid("ORDER_A")
    await put(units, message)
    outbox = relay(units, notifier)
    now = T0
    for attempts, delay in ((1, 1), (2, 2), (3, 4)):
        assert await outbox.run_once(now) == 0
        [stored] = await waiting(units)
        assert stored.attempts == attempts
        assert stored.last_error == "scripted: receiver answered HTTP 503"
        assert stored.next_attempt_at == now + timedelta(seconds=delay)
        # not due before its time
        assert await outbox.run_once(stored.next_attempt_at - timedelta(microseconds=1)) == 0
        now = stored.next_attempt_at
    assert await outbox.run_once(now) == 1
    assert notifier.calls == [message.message_id] * 4
    assert await waiting(units) == []


async def test_one_failing_notifier_fails_the_message_for_all(units: UnitOfWorkFactory) -> None:
    log, broken = ScriptedNotifier("log"), ScriptedNotifier("webhook", failures=1)
    await put(units, paid("ORDER_A"))
    outbox = relay(units, log, broken)
    assert await outbox.run_once(T0) == 0
    assert await outbox.run_once(T0 + timedelta(seconds=1)) == 1
    assert len(log.delivered) == 2  # at least once: the retry goes to every notifier


async def test_unexpected_errors_and_timeouts_are_failures_without_details(
    units: UnitOfWorkFactory,
) -> None:
    secret_error = RuntimeError("https://user:token@receiver.test/hook")
    await put(units, paid("ORDER_A"), paid("ORDER_B"))
    outbox = relay(units, ScriptedNotifier(failures=1, error=secret_error), delivery_timeout=0.05)
    await outbox.run_once(T0)
    errors = sorted(m.last_error or "" for m in await waiting(units))
    assert errors == ["scripted: RuntimeError"]
    hanging = relay(units, HangingNotifier(), delivery_timeout=0.05)
    assert await hanging.run_once(T0 + timedelta(hours=1)) == 0
    assert {m.last_error for m in await waiting(units)} == {"hanging: no answer within 0.05s"}


async def test_a_batch_is_bounded(units: UnitOfWorkFactory) -> None:
    await put(units, *(paid(f"ORDER_{i}") for i in range(5)))
    outbox = relay(units, ScriptedNotifier(), batch_size=2)
    assert [await outbox.run_once(T0) for _ in range(4)] == [2, 2, 1, 0]


async def test_the_loop_drains_a_backlog_before_it_waits(units: UnitOfWorkFactory) -> None:
    """A backlog larger than a batch is not delivered one batch per interval."""
    await put(units, *(paid(f"ORDER_{i}") for i in range(7)))
    notifier = ScriptedNotifier()
    slept = asyncio.Event()

    async def sleep(seconds: float) -> None:
        slept.set()
        await asyncio.sleep(3600)

    outbox = OutboxRelay(units, [notifier], FixedClock(), 1.0, batch_size=2, sleep=sleep)
    await outbox.start()
    await asyncio.wait_for(slept.wait(), 5)
    await outbox.aclose()
    assert len(notifier.delivered) == 7


async def test_the_loop_survives_a_failing_store_and_stops_cleanly() -> None:
    class BrokenStore(MemoryStore):
        def unit_of_work(self) -> MemoryUnitOfWork:
            raise OSError("disk gone")

    ticks: list[float] = []
    resumed = asyncio.Event()

    async def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) >= 3:
            resumed.set()
        await asyncio.sleep(0)

    outbox = OutboxRelay(
        UnitOfWorkFactory(BrokenStore(), RecordingPublisher()),
        [ScriptedNotifier()],
        FixedClock(),
        2.5,
        sleep=sleep,
    )
    await outbox.start()
    await outbox.start()
    await asyncio.wait_for(resumed.wait(), 5)
    assert outbox.running
    await outbox.aclose()
    assert not outbox.running
    assert ticks[:3] == [2.5, 2.5, 2.5]
    await outbox.aclose()


def test_relay_options_are_checked(units: UnitOfWorkFactory) -> None:
    with pytest.raises(ValueError):
        OutboxRelay(units, [], FixedClock(), 0)
    with pytest.raises(ValueError):
        OutboxRelay(units, [], FixedClock(), 1, batch_size=0)


async def test_the_inbox_lists_and_marks_only_the_customers_messages(
    store: MemoryStore, units: UnitOfWorkFactory, clock: FixedClock
) -> None:
    failed = PaymentAttemptFailed("ORDER_A", T0 + timedelta(minutes=1), "p0", "FAILED", "no")
    mine = [*notifications_for([failed], {"ORDER_A": CUSTOMER}), paid("ORDER_B")]
    other = notifications_for([failed], {"ORDER_A": "cus_other"})
    await put(units, *mine, *other)
    listing = ListNotifications(store.reports())
    inbox = await listing.execute(CUSTOMER, 10)
    assert [n.topic for n in inbox] == ["payment.failed", "payment.succeeded"]
    mark = MarkNotificationsRead(units, clock)
    assert await mark.execute("cus_other", [n.notification_id for n in inbox]) == 0
    assert await mark.execute(CUSTOMER, [inbox[0].notification_id, "msg_x"]) == 1
    assert await mark.execute(CUSTOMER, []) == 0
    assert [n.read_at for n in await listing.execute(CUSTOMER, 10)] == [clock.now(), None]
    for bad in (["x"] * 101, [""], "msg_a"):
        with pytest.raises(InvalidField):
            await mark.execute(CUSTOMER, bad)
