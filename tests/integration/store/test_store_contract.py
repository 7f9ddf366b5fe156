"""The UnitOfWork and PaymentReports contracts, the same tests for every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from application.errors import ConcurrencyConflict, DuplicateOrder
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from domain.errors import DuplicateCredit
from domain.events import (
    OrderActivated,
    OrderCreated,
    OrderCredited,
    OrderPaid,
    PaymentAttemptRecorded,
)
from domain.order import AttemptStatus, OrderStatus
from unit.application.fakes import RecordingPublisher

from .builders import active_order, at, attempt, credit, paid_order

IST = timezone(timedelta(hours=5, minutes=30))


async def test_added_order_reloads_equal_with_every_field(store: Store) -> None:
    order = paid_order("ORDER_A", amount="1234.56")
    order.failure_reason = "gateway said so"
    order.updated_at = at(7).astimezone(IST)
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.orders.get("ORDER_A")
    assert loaded == order
    assert loaded is not None
    assert loaded.events == []
    assert [a.payment_id for a in loaded.attempts] == ["ORDER_A_1", "ORDER_A_2"]
    assert loaded.amount.amount == Decimal("1234.56")
    assert loaded.customer.name == "Ananya Śrīnivāsan"
    assert loaded.updated_at is not None and loaded.updated_at.utcoffset() is not None
    assert loaded.created_at.microsecond == 123456


async def test_unknown_order_is_none(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_NONE") is None
        assert await uow.ledger.get("ORDER_NONE") is None


async def test_a_unit_of_work_reads_its_own_writes(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")


async def test_duplicate_order_is_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        with pytest.raises(DuplicateOrder):
            await uow.orders.add(active_order("ORDER_A", amount="1.00"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        with pytest.raises(DuplicateOrder):
            await uow.orders.add(active_order("ORDER_A", amount="2.00"))
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")


async def test_save_persists_attempts_in_order_and_bumps_version(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None and order.version == 0
        order.record_attempt(attempt("p1", AttemptStatus.FAILED, minutes=1), at(1))
        order.record_attempt(attempt("p2", AttemptStatus.PENDING, minutes=2), at(2))
        await uow.orders.save(order)
        assert order.version == 1
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == order
        order.record_attempt(attempt("p2", AttemptStatus.SUCCESS, minutes=3), at(3))
        order.record_attempt(attempt("p3", AttemptStatus.USER_DROPPED, minutes=4), at(4))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.orders.get("ORDER_A")
    assert loaded == order
    assert loaded is not None and loaded.version == 2
    assert loaded.status is OrderStatus.PAID
    assert [(a.payment_id, a.status) for a in loaded.attempts] == [
        ("p1", AttemptStatus.FAILED),
        ("p2", AttemptStatus.SUCCESS),
        ("p3", AttemptStatus.USER_DROPPED),
    ]


async def test_save_of_an_order_added_in_the_same_unit_of_work(store: Store) -> None:
    async with store.unit_of_work() as uow:
        order = active_order("ORDER_A")
        await uow.orders.add(order)
        order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == order
    assert order.version == 1


async def test_an_exception_rolls_everything_back(store: Store) -> None:
    order = paid_order("ORDER_A")
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.orders.add(order)
            await uow.ledger.add(credit(order))
            raise RuntimeError("boom")
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") is None
        assert await uow.ledger.get("ORDER_A") is None


async def test_exit_without_commit_discards(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None
        order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
        await uow.orders.save(order)
        await uow.orders.add(active_order("ORDER_B"))
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")
        assert await uow.orders.get("ORDER_B") is None


async def test_rollback_discards_and_the_unit_of_work_goes_on(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.rollback()
        await uow.orders.add(active_order("ORDER_B"))
        await uow.commit()
        await uow.orders.add(active_order("ORDER_C"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") is None
    assert [o.order_id for o in await store.reports().recent_orders(10)] == [
        "ORDER_C",
        "ORDER_B",
    ]


async def test_changing_a_loaded_order_without_saving_changes_nothing(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None
        order.attempts.append(attempt("p1", AttemptStatus.FAILED))
        order.status = OrderStatus.EXPIRED
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")


async def test_a_stale_order_cannot_be_saved(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        stale = await uow.orders.get("ORDER_A")
    async with store.unit_of_work() as uow:
        fresh = await uow.orders.get("ORDER_A")
        assert fresh is not None
        fresh.record_attempt(attempt("p1", AttemptStatus.FAILED), at(1))
        await uow.orders.save(fresh)
        await uow.commit()
    assert stale is not None
    stale.record_attempt(attempt("p9", AttemptStatus.SUCCESS), at(2))
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            await uow.orders.save(stale)
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == fresh


async def test_saving_an_order_that_was_never_added_conflicts(store: Store) -> None:
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            await uow.orders.save(active_order("ORDER_GHOST"))
            await uow.commit()


async def test_ledger_add_get_and_reported_credits_and_totals(store: Store) -> None:
    orders = [paid_order(f"ORDER_{i}", amount=f"{i}00.25", minutes=i) for i in range(1, 4)]
    async with store.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)
            await uow.ledger.add(credit(order, minutes=10 + int(order.order_id[-1])))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_2") == credit(orders[1], minutes=12)
    listed = await store.reports().credits(10)
    page = await store.reports().credits(1, offset=1)
    totals = await store.reports().ledger_totals()
    assert [c.order_id for c in listed] == ["ORDER_3", "ORDER_2", "ORDER_1"]
    assert listed[0] == credit(orders[2], minutes=13)
    assert [c.order_id for c in page] == ["ORDER_2"]
    assert totals.entries == 3
    assert totals.credits == 3
    assert totals.amount == Decimal("600.75")


async def test_empty_ledger_totals_are_zero(store: Store) -> None:
    totals = await store.reports().ledger_totals()
    assert await store.reports().credits(10) == []
    assert (totals.entries, totals.credits, totals.amount) == (0, 0, Decimal("0.00"))


async def test_a_second_credit_for_an_order_is_refused(store: Store) -> None:
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        with pytest.raises(DuplicateCredit):
            await uow.ledger.add(replace(credit(order), payment_id="other"))
        await uow.commit()
    with pytest.raises(DuplicateCredit):
        async with store.unit_of_work() as uow:
            await uow.ledger.add(credit(order, minutes=9))
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") == credit(order)
    assert (await store.reports().ledger_totals()).entries == 1


async def test_a_refused_credit_leaves_the_unit_of_work_usable(store: Store) -> None:
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.commit()
    async with store.unit_of_work() as uow:
        with pytest.raises(DuplicateCredit):
            await uow.ledger.add(credit(order))
        await uow.orders.add(active_order("ORDER_B"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_B") == active_order("ORDER_B")


async def test_recent_orders_are_newest_first_and_page(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for minutes in (5, 1, 9, 3, 7):
            await uow.orders.add(paid_order(f"ORDER_{minutes}", minutes=minutes))
        await uow.commit()
    everything = await store.reports().recent_orders(10)
    second_page = await store.reports().recent_orders(2, offset=2)
    past_the_end = await store.reports().recent_orders(2, offset=5)
    assert [o.order_id for o in everything] == [f"ORDER_{m}" for m in (9, 7, 5, 3, 1)]
    assert everything[0] == paid_order("ORDER_9", minutes=9)
    assert [o.order_id for o in second_page] == ["ORDER_5", "ORDER_3"]
    assert past_the_end == []


async def test_failed_attempts_newest_first_with_their_order(store: Store) -> None:
    first = active_order("ORDER_A", amount="100.00")
    first.record_attempt(attempt("a1", AttemptStatus.FAILED, "100.00", minutes=1), at(1))
    first.record_attempt(attempt("a2", AttemptStatus.SUCCESS, "100.00", minutes=4), at(4))
    second = active_order("ORDER_B", amount="250.50")
    second.record_attempt(attempt("b1", AttemptStatus.USER_DROPPED, "250.50", minutes=2), at(2))
    second.record_attempt(attempt("b2", AttemptStatus.PENDING, "250.50", minutes=3), at(3))
    second.record_attempt(attempt("b3", AttemptStatus.CANCELLED, "250.50", minutes=5), at(5))
    async with store.unit_of_work() as uow:
        await uow.orders.add(first)
        await uow.orders.add(second)
        await uow.commit()
    failed = await store.reports().failed_attempts(10)
    page = await store.reports().failed_attempts(1, offset=1)
    assert [(f.order_id, f.attempt.payment_id) for f in failed] == [
        ("ORDER_B", "b3"),
        ("ORDER_B", "b1"),
        ("ORDER_A", "a1"),
    ]
    assert failed[1].amount == second.amount
    assert failed[1].attempt == second.attempts[0]
    assert [f.attempt.payment_id for f in page] == ["b1"]


async def test_statistics(store: Store) -> None:
    paid = paid_order("ORDER_PAID", amount="300.00")
    failing = active_order("ORDER_FAILING", amount="120.50")
    failing.record_attempt(attempt("f1", AttemptStatus.FAILED, "120.50"), at(1))
    failing.record_attempt(attempt("f2", AttemptStatus.USER_DROPPED, "120.50", 2), at(2))
    untouched = active_order("ORDER_UNTOUCHED")
    expired = active_order("ORDER_EXPIRED")
    expired.expire(at(9))
    async with store.unit_of_work() as uow:
        for order in (paid, failing, untouched, expired):
            await uow.orders.add(order)
        await uow.commit()
    stats = await store.reports().order_statistics()
    assert stats.orders_by_status == {"PAID": 1, "ACTIVE": 2, "EXPIRED": 1}
    assert stats.attempted_orders == 2
    assert stats.failed_attempts == 3
    assert stats.failed_amount == Decimal("541.00")


async def test_reports_see_only_what_was_committed(store: Store) -> None:
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.rollback()
        await uow.orders.add(active_order("ORDER_B"))
    reports = store.reports()
    assert await reports.recent_orders(10) == []
    assert await reports.failed_attempts(10) == []
    assert await reports.credits(10) == []
    assert (await reports.ledger_totals()).entries == 0
    assert (await reports.order_statistics()).orders_by_status == {}


async def test_published_events_follow_what_each_store_committed(store: Store) -> None:
    publisher = RecordingPublisher()
    units = UnitOfWorkFactory(store, publisher)
    order = active_order("ORDER_A")
    async with units() as uow:
        await uow.orders.add(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stale = await uow.orders.get("ORDER_A")
    async with units() as uow:
        fresh = await uow.orders.get("ORDER_A")
        assert fresh is not None
        fresh.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
        await uow.orders.save(fresh)
        await uow.ledger.add(credit(fresh))
        await uow.commit()
    assert stale is not None
    stale.expire(at(2))
    with pytest.raises(ConcurrencyConflict):
        async with units() as uow:
            await uow.orders.save(stale)
            await uow.commit()
    assert [type(e) for e in publisher.events] == [
        OrderCreated,
        OrderActivated,
        PaymentAttemptRecorded,
        OrderPaid,
        OrderCredited,
    ]


async def test_reset_deletes_orders_and_credits(store: Store) -> None:
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.commit()
    await store.reset()
    reports = store.reports()
    assert await reports.recent_orders(10) == []
    assert (await reports.ledger_totals()).entries == 0
    assert (await reports.order_statistics()).orders_by_status == {}
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") is None
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") == credit(order)


async def test_negative_paging_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.reports().recent_orders(-1)
    with pytest.raises(ValueError):
        await store.reports().credits(10, offset=-1)
    with pytest.raises(ValueError):
        await store.reports().failed_attempts(-1)


async def test_open_is_idempotent(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    await store.open()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")
