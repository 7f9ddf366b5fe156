"""The Outbox contract and the inbox reports, the same tests for every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.store import json_journal
from adapters.store.json_journal import JsonJournalStore
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from domain.notifications import (
    InboxNotification,
    OutboxMessage,
    RecipientKind,
    next_attempt_after,
)
from domain.order import AttemptStatus
from unit.application.fakes import RecordingPublisher

from .builders import CUSTOMER_ID, active_order, at, attempt, message


async def add(store: Store, *messages: OutboxMessage) -> None:
    async with store.unit_of_work() as uow:
        for m in messages:
            await uow.outbox.add(m)
        await uow.commit()


async def due(store: Store, minutes: int, limit: int = 10) -> list[OutboxMessage]:
    async with store.unit_of_work() as uow:
        return await uow.outbox.due(at(minutes), limit)


async def test_an_added_message_comes_back_equal_when_due(store: Store) -> None:
    first = message("ORDER_A")
    await add(store, first)
    assert await due(store, 0) == [first]
    assert await store.reports().outbox_backlog() == 1


async def test_the_same_message_id_twice_is_one_message(store: Store) -> None:
    first = message("ORDER_A")
    again = replace(first, title="another title")
    async with store.unit_of_work() as uow:
        await uow.outbox.add(first)
        await uow.outbox.add(again)
        await uow.commit()
    await add(store, again)
    assert await due(store, 0) == [first]
    assert await store.reports().outbox_backlog() == 1


async def test_an_uncommitted_message_is_not_stored(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.outbox.add(message("ORDER_A"))
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.outbox.add(message("ORDER_B"))
            raise RuntimeError("boom")
    assert await due(store, 60) == []
    assert await store.reports().outbox_backlog() == 0


async def test_due_is_earliest_first_and_bounded(store: Store) -> None:
    later, early, future = message("ORDER_L", 2), message("ORDER_E", 1), message("ORDER_F", 9)
    await add(store, later, early, future)
    assert [m.order_id for m in await due(store, 5)] == ["ORDER_E", "ORDER_L"]
    assert [m.order_id for m in await due(store, 5, limit=1)] == ["ORDER_E"]
    assert [m.order_id for m in await due(store, 9)] == ["ORDER_E", "ORDER_L", "ORDER_F"]
    assert await due(store, 0) == []


async def test_due_in_a_unit_of_work_counts_its_own_writes(store: Store) -> None:
    """The batch is the earliest due over the committed messages as this unit changed them:
    one delivered drops out, one failed moves to its next attempt, one added competes."""
    a, b, c, d = (message(f"ORDER_{n}", minutes + 1) for minutes, n in enumerate("ABCD"))
    await add(store, a, b, c, d)
    early = message("ORDER_E", 0)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered([a.message_id], at(5))
        await uow.outbox.mark_failed(b.message_id, "timeout", at(10))
        await uow.outbox.add(early)
        assert [m.order_id for m in await uow.outbox.due(at(5), 2)] == ["ORDER_E", "ORDER_C"]
        assert [m.order_id for m in await uow.outbox.due(at(10), 10)] == [
            "ORDER_E",
            "ORDER_C",
            "ORDER_D",
            "ORDER_B",
        ]


async def test_a_failure_counts_and_waits_for_its_backoff(store: Store) -> None:
    first = message("ORDER_A")
    await add(store, first)
    retry_at = next_attempt_after(at(0), 1)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_failed(first.message_id, "HTTP 500 " + "x" * 900, retry_at)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.outbox.due(retry_at - timedelta(microseconds=1), 10) == []
        [waiting] = await uow.outbox.due(retry_at, 10)
    assert waiting.attempts == 1
    assert waiting.next_attempt_at == retry_at
    assert waiting.last_error is not None and waiting.last_error.startswith("HTTP 500")
    assert len(waiting.last_error) == 500
    assert waiting.delivered_at is None
    assert await store.reports().outbox_backlog() == 1


async def test_a_delivered_message_is_no_longer_due(store: Store) -> None:
    first, second = message("ORDER_A"), message("ORDER_B")
    await add(store, first, second)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_failed(first.message_id, "timeout", at(0))
        await uow.outbox.mark_delivered([first.message_id], at(1))
        await uow.commit()
    assert [m.message_id for m in await due(store, 60)] == [second.message_id]
    assert await store.reports().outbox_backlog() == 1
    async with store.unit_of_work() as uow:
        # a late failure report of an already delivered message changes nothing
        await uow.outbox.mark_failed(first.message_id, "late", at(2))
        await uow.outbox.mark_delivered([first.message_id], at(3))
        await uow.outbox.mark_delivered(["msg_unknown"], at(3))
        await uow.commit()
    assert [m.message_id for m in await due(store, 60)] == [second.message_id]
    [inbox_first] = [
        n
        for n in await store.reports().notifications_of(CUSTOMER_ID, 10)
        if n.notification_id == first.message_id
    ]
    assert inbox_first.read_at is None


async def test_a_batch_is_marked_delivered_at_once(store: Store) -> None:
    """The relay's one call per batch: every undelivered id in it is marked, with one
    delivery counted, while a repeated, an already delivered and an unknown id change
    nothing."""
    messages = [message(f"ORDER_{n}", minutes) for minutes, n in enumerate("ABCDEF")]
    first, *rest = messages
    await add(store, *messages)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered([first.message_id], at(1))
        await uow.commit()
    batch = [m.message_id for m in messages[:5]] + [messages[1].message_id, "msg_unknown"]
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered(batch, at(2))
        await uow.commit()
    assert [m.order_id for m in await due(store, 60)] == ["ORDER_F"]
    assert await store.reports().outbox_backlog() == 1
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_delivered([], at(3))
        for late in rest[:4]:  # delivered: a late failure report does not bring it back
            await uow.outbox.mark_failed(late.message_id, "late", at(3))
        await uow.commit()
    assert [m.order_id for m in await due(store, 60)] == ["ORDER_F"]
    assert await store.reports().outbox_backlog() == 1


async def test_the_inbox_holds_the_customers_messages_newest_first(store: Store) -> None:
    old, new = message("ORDER_A", 1), message("ORDER_B", 2)
    someone_else = message("ORDER_C", 3, recipient="cus_other")
    agent = message("ORDER_D", 4, recipient=CUSTOMER_ID, kind=RecipientKind.AGENT)
    await add(store, old, someone_else, new, agent)
    inbox = await store.reports().notifications_of(CUSTOMER_ID, 10)
    assert inbox == [InboxNotification.of(new), InboxNotification.of(old)]
    assert await store.reports().notifications_of(CUSTOMER_ID, 1, 1) == [InboxNotification.of(old)]
    assert await store.reports().notifications_of("cus_nobody", 10) == []
    with pytest.raises(ValueError):
        await store.reports().notifications_of(CUSTOMER_ID, -1)


async def test_only_the_owner_marks_their_messages_read(store: Store) -> None:
    mine, theirs = message("ORDER_A"), message("ORDER_B", recipient="cus_other")
    await add(store, mine, theirs)
    ids = [mine.message_id, theirs.message_id, "msg_unknown"]
    async with store.unit_of_work() as uow:
        assert await uow.outbox.mark_read("cus_intruder", ids, at(5)) == 0
        await uow.commit()
    assert all(n.read_at is None for n in await store.reports().notifications_of(CUSTOMER_ID, 9))
    async with store.unit_of_work() as uow:
        assert await uow.outbox.mark_read(CUSTOMER_ID, [*ids, mine.message_id], at(5)) == 1
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.outbox.mark_read(CUSTOMER_ID, ids, at(6)) == 0
        assert await uow.outbox.mark_read(CUSTOMER_ID, [], at(6)) == 0
        await uow.commit()
    [read] = await store.reports().notifications_of(CUSTOMER_ID, 10)
    assert read.read_at == at(5)
    [unread] = await store.reports().notifications_of("cus_other", 10)
    assert unread.read_at is None


async def test_committed_events_write_their_notifications(store: Store) -> None:
    units = UnitOfWorkFactory(store, RecordingPublisher())
    async with units() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with units() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None
        order.record_attempt(attempt("p1", AttemptStatus.FAILED, minutes=1), at(1))
        order.record_attempt(attempt("p2", AttemptStatus.SUCCESS, minutes=2), at(2))
        await uow.orders.save(order)
        await uow.commit()
    inbox = await store.reports().notifications_of(CUSTOMER_ID, 10)
    assert sorted(n.topic for n in inbox) == ["payment.failed", "payment.succeeded"]
    assert await store.reports().outbox_backlog() == 2


async def test_a_rolled_back_unit_of_work_writes_no_notification(store: Store) -> None:
    units = UnitOfWorkFactory(store, RecordingPublisher())
    async with units() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with units() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None
        order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
        await uow.orders.save(order)
        await uow.rollback()
    assert await store.reports().outbox_backlog() == 0


@pytest.mark.parametrize("compact_after", [1, 1000])
async def test_the_json_outbox_survives_reopening(tmp_path: Path, compact_after: int) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=compact_after)
    first, second = message("ORDER_A"), message("ORDER_B")
    await add(store, first, second)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_failed(first.message_id, "down", at(7))
        await uow.outbox.mark_delivered([second.message_id], at(1))
        await uow.outbox.mark_read(CUSTOMER_ID, [second.message_id], at(2))
        await uow.commit()
    await store.close()
    reopened = JsonJournalStore(path, compact_after=compact_after)
    try:
        [waiting] = await due(reopened, 7)
        assert waiting == first.failed("down", at(7))
        assert await reopened.reports().outbox_backlog() == 1
        read = await reopened.reports().notifications_of(CUSTOMER_ID, 10)
        assert {n.notification_id: n.read_at for n in read} == {
            first.message_id: None,
            second.message_id: at(2),
        }
    finally:
        await reopened.close()


async def test_a_delivery_whose_flush_failed_is_due_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The undelivered index is put back with the message when the disk refuses the write."""
    store = JsonJournalStore(tmp_path / "credits.json")
    first = message("ORDER_A")
    await add(store, first)

    def refuse(fd: int) -> None:
        raise OSError("EIO")

    real = json_journal._sync
    monkeypatch.setattr(json_journal, "_sync", refuse)
    with pytest.raises(OSError):
        async with store.unit_of_work() as uow:
            await uow.outbox.mark_delivered([first.message_id], at(1))
            await uow.commit()
    monkeypatch.setattr(json_journal, "_sync", real)
    try:
        assert await due(store, 1) == [first]
        assert await store.reports().outbox_backlog() == 1
    finally:
        await store.close()
