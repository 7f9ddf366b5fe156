"""PublishingUnitOfWork: events reach the publisher once, after commit, never otherwise."""

from __future__ import annotations

import pytest

from adapters.store.memory import MemoryStore, MemoryUnitOfWork
from application.errors import ConcurrencyConflict
from application.unit_of_work import UnitOfWorkFactory
from domain.errors import DuplicateCredit
from domain.events import (
    OrderActivated,
    OrderCreated,
    OrderCredited,
    OrderPaid,
    PaymentAttemptRecorded,
)
from domain.ledger import credit_for
from domain.order import AttemptStatus, Order

from ..domain.factories import T0, attempt, order
from .fakes import RecordingPublisher


def paid(o: Order) -> Order:
    o.activate("cf_1", "session_1", T0)
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    return o


async def add_committed(units: UnitOfWorkFactory, new: Order) -> None:
    async with units() as uow:
        await uow.orders.add(new)
        await uow.commit()


async def test_events_of_a_committed_write_are_published_once(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    created = order()
    async with units() as uow:
        await uow.orders.add(created)
        await uow.commit()
        assert publisher.events == [], "nothing is published while the unit of work runs"
        await uow.commit()
    assert [type(e) for e in publisher.events] == [OrderCreated]
    assert created.events == []


async def test_a_loaded_and_saved_order_publishes_what_it_recorded(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    await add_committed(units, order())
    publisher.events.clear()
    async with units() as uow:
        loaded = await uow.orders.get("ORDER_TEST")
        assert loaded is not None
        loaded.activate("cf_1", "session_1", T0)
        await uow.orders.save(loaded)
        await uow.commit()
    assert [type(e) for e in publisher.events] == [OrderActivated]


async def test_nothing_is_published_without_a_commit(
    units: UnitOfWorkFactory, publisher: RecordingPublisher, store: MemoryStore
) -> None:
    async with units() as uow:
        await uow.orders.add(order())
    assert publisher.events == []
    async with store.unit_of_work() as raw:
        assert await raw.orders.get("ORDER_TEST") is None


async def test_a_rollback_drops_the_events_of_what_it_undid(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    async with units() as uow:
        await uow.orders.add(order(order_id="ORDER_UNDONE"))
        await uow.rollback()
        await uow.orders.add(order(order_id="ORDER_KEPT"))
        await uow.commit()
    assert [(type(e), e.order_id) for e in publisher.events] == [(OrderCreated, "ORDER_KEPT")]


async def test_an_exception_publishes_nothing_of_the_uncommitted_writes(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    with pytest.raises(RuntimeError):
        async with units() as uow:
            await uow.orders.add(order())
            raise RuntimeError("boom")
    assert publisher.events == []


async def test_an_exception_after_a_commit_still_publishes_what_was_committed(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    with pytest.raises(RuntimeError):
        async with units() as uow:
            await uow.orders.add(order(order_id="ORDER_KEPT"))
            await uow.commit()
            await uow.orders.add(order(order_id="ORDER_LOST"))
            raise RuntimeError("boom")
    assert [e.order_id for e in publisher.events] == ["ORDER_KEPT"]


async def test_a_conflicting_save_publishes_nothing(
    units: UnitOfWorkFactory, publisher: RecordingPublisher, store: MemoryStore
) -> None:
    await add_committed(units, order())
    async with store.unit_of_work() as raw:
        stale = await raw.orders.get("ORDER_TEST")
        fresh = await raw.orders.get("ORDER_TEST")
    assert stale is not None and fresh is not None
    async with units() as uow:
        fresh.activate("cf_1", "session_1", T0)
        await uow.orders.save(fresh)
        await uow.commit()
    publisher.events.clear()
    stale.activate("cf_2", "session_2", T0)
    with pytest.raises(ConcurrencyConflict):
        async with units() as uow:
            await uow.orders.save(stale)
            await uow.commit()
    assert publisher.events == []


class FirstCommitFails(MemoryStore):
    """A store whose first commit fails, as a database's may at the last moment."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        uow = super().unit_of_work()
        commit = uow.commit

        async def fail_once() -> None:
            if not self.failed:
                self.failed = True
                raise ConcurrencyConflict("the database aborted the transaction")
            await commit()

        uow.commit = fail_once  # type: ignore[method-assign]
        return uow


async def test_a_failed_commit_publishes_nothing_and_writes_nothing_later(
    publisher: RecordingPublisher,
) -> None:
    store = FirstCommitFails()
    units = UnitOfWorkFactory(store, publisher)
    async with units() as uow:
        await uow.orders.add(order())
        with pytest.raises(ConcurrencyConflict):
            await uow.commit()
        await uow.commit()
    assert publisher.events == []
    async with store.unit_of_work() as raw:
        assert await raw.orders.get("ORDER_TEST") is None


async def test_a_credit_is_published_after_the_order_change_that_earned_it(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    await add_committed(units, order())
    publisher.events.clear()
    async with units() as uow:
        loaded = await uow.orders.get("ORDER_TEST")
        assert loaded is not None
        paid(loaded)
        await uow.ledger.add(credit_for(loaded, T0))
        await uow.orders.save(loaded)
        await uow.commit()
    kinds = [type(e) for e in publisher.events]
    assert kinds == [OrderActivated, PaymentAttemptRecorded, OrderPaid, OrderCredited]
    credited = publisher.of(OrderCredited)[0]
    assert isinstance(credited, OrderCredited) and credited.credits == 1


async def test_a_refused_credit_is_never_published(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    first = paid(order())
    async with units() as uow:
        await uow.orders.add(first)
        await uow.ledger.add(credit_for(first, T0))
        await uow.commit()
    publisher.events.clear()
    with pytest.raises(DuplicateCredit):
        async with units() as uow:
            await uow.ledger.add(credit_for(first, T0))
            await uow.commit()
    assert publisher.events == []
