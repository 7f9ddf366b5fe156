"""The UnitOfWork and PaymentReports contracts, the same tests for every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.store.json_journal import JsonJournalStore
from application.errors import ConcurrencyConflict, DuplicateOrder
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from domain.customer import Customer
from domain.errors import DuplicateCredit, DuplicateEntry, DuplicateReferral
from domain.events import (
    OrderActivated,
    OrderCreated,
    OrderCredited,
    OrderPaid,
    PaymentAttemptRecorded,
)
from domain.ledger import EntryKind, LedgerAdjustment
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus
from domain.plans import Period, Purchase
from domain.referrals import ReferralRecord
from domain.refunds import RefundState
from domain.subscriptions import Subscription
from unit.application.fakes import RecordingPublisher

from .builders import (
    CUSTOMER_ID,
    active_order,
    at,
    attempt,
    credit,
    customer,
    message,
    paid_order,
    profile,
    refund,
)
from .group_units import add_order, pay

IST = timezone(timedelta(hours=5, minutes=30))
PREMIUM = Purchase("premium-yearly", 3, Period.MONTHLY, "premium")


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
        with pytest.raises(DuplicateOrder):  # PostgreSQL refuses a held insert at commit
            await uow.orders.add(active_order("ORDER_A", amount="2.00"))
            await uow.commit()
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


async def test_an_adopted_order_is_saved_without_being_read(store: Store) -> None:
    order = active_order("ORDER_A")
    order.record_attempt(attempt("p1", AttemptStatus.PENDING), at(1))
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        uow.orders.adopt(order)
        order.record_attempt(attempt("p2", AttemptStatus.FAILED, minutes=2), at(2))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        uow.orders.adopt(order)  # p1 changed in place, p3 added: not one appended attempt
        order.record_attempt(attempt("p1", AttemptStatus.SUCCESS, minutes=3), at(3))
        order.record_attempt(attempt("p3", AttemptStatus.USER_DROPPED, minutes=4), at(4))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.orders.get("ORDER_A")
    assert stored == order and stored.version == 2 and stored.status is OrderStatus.PAID
    assert [a.payment_id for a in stored.attempts] == ["p1", "p2", "p3"]


async def test_an_adopted_order_saved_by_someone_else_since_conflicts(store: Store) -> None:
    await add_order(store, "ORDER_A")
    kept = active_order("ORDER_A")  # what that unit wrote
    await pay(store, "ORDER_A")
    async with store.unit_of_work() as uow:
        fresh = await uow.orders.get("ORDER_A")
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            uow.orders.adopt(kept)
            kept.record_attempt(attempt("p9", AttemptStatus.SUCCESS), at(2))
            await uow.ledger.add(credit(kept))
            await uow.orders.save(kept)
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == fresh
        assert await uow.ledger.get("ORDER_A") is None


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


async def test_a_grant_and_a_message_not_committed_are_not_stored(store: Store) -> None:
    """Whether written at once or held for the commit (PostgreSQL), they go with the unit."""
    await add_order(store, "ORDER_A")
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.ledger.add(credit(order))
        await uow.outbox.add(message("ORDER_A"))
    async with store.unit_of_work() as uow:
        await uow.ledger.add(credit(order))
        await uow.rollback()
        await uow.outbox.add(message("ORDER_B"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") is None
        assert [m.order_id for m in await uow.outbox.due(at(10), 10)] == ["ORDER_B"]


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


@pytest.mark.parametrize(
    "store_kind",
    ["memory", "json", "sqlite", pytest.param("mariadb", marks=pytest.mark.services)],
)
async def test_a_refused_credit_leaves_the_unit_of_work_usable(store: Store) -> None:
    """Where the refusal comes at once; PostgreSQL holds the grant for the commit and
    refuses there (test_postgresql_transactions)."""
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


async def test_a_unit_of_work_reads_the_credit_it_added(store: Store) -> None:
    await add_order(store, "ORDER_A")
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.ledger.add(credit(order))
        assert await uow.ledger.get("ORDER_A") == credit(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") == credit(order)


async def test_a_stale_save_writes_nothing_of_its_unit(store: Store) -> None:
    """The grant and the message of a confirmation whose save conflicts are not stored,
    whether the conflict comes at the save, at a read after it, or at the commit."""
    await add_order(store, "ORDER_A")
    async with store.unit_of_work() as uow:
        stale = await uow.orders.get("ORDER_A")
    async with store.unit_of_work() as uow:
        fresh = await uow.orders.get("ORDER_A")
    assert stale is not None and fresh is not None
    async with store.unit_of_work() as uow:
        fresh.record_attempt(attempt("p1", AttemptStatus.FAILED), at(1))
        await uow.orders.save(fresh)
        await uow.commit()
    stale.record_attempt(attempt("p2", AttemptStatus.SUCCESS), at(2))
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            await uow.ledger.add(credit(stale))
            await uow.outbox.add(message("ORDER_A"))
            await uow.orders.save(stale)
            await uow.ledger.get("ORDER_A")
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == fresh
        assert await uow.ledger.get("ORDER_A") is None
        assert await uow.outbox.due(at(10), 10) == []


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
    assert stats.dropped_attempts == 1
    assert stats.failed_amount == Decimal("541.00")


async def test_reports_follow_an_order_as_it_changes(store: Store) -> None:
    """A later write replaces what the order counted for: its failures stay listed and
    counted once, its status moves, its place among the newest does not."""
    order = active_order("ORDER_A", amount="80.00")
    order.record_attempt(attempt("a1", AttemptStatus.FAILED, "80.00", minutes=1), at(1))
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.orders.add(active_order("ORDER_B"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.orders.get("ORDER_A")
        assert loaded is not None
        loaded.record_attempt(attempt("a2", AttemptStatus.USER_DROPPED, "80.00", 2), at(2))
        loaded.record_attempt(attempt("a3", AttemptStatus.SUCCESS, "80.00", minutes=3), at(3))
        await uow.orders.save(loaded)
        await uow.ledger.add(credit(loaded))
        await uow.commit()
    reports = store.reports()
    stats = await reports.order_statistics()
    assert stats.orders_by_status == {"PAID": 1, "ACTIVE": 1}
    assert (stats.attempted_orders, stats.failed_attempts, stats.dropped_attempts) == (1, 2, 1)
    assert stats.failed_amount == Decimal("160.00")
    failed = await reports.failed_attempts(10)
    assert [(f.order_id, f.attempt.payment_id) for f in failed] == [
        ("ORDER_A", "a2"),
        ("ORDER_A", "a1"),
    ]
    assert failed[0].attempt == loaded.attempts[1]
    assert [o.order_id for o in await reports.recent_orders(10)] == ["ORDER_B", "ORDER_A"]
    totals = await reports.ledger_totals()
    assert (totals.entries, totals.amount) == (1, Decimal("80.00"))
    assert [c.order_id for c in await reports.credits(10)] == ["ORDER_A"]


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


# --- accounts: customers, ledger adjustments, subscriptions, referrals -----------------


def _subscription(customer_id: str, *orders: tuple[str, int]) -> Subscription:
    subscription = Subscription(customer_id, "premium")
    for order_id, minutes in orders:
        subscription.activate(order_id, PREMIUM, at(minutes))
    return subscription


def _same(one: Subscription | None, two: Subscription | None) -> bool:
    assert one is not None and two is not None
    return (one.customer_id, one.kind, one.periods, one.version) == (
        two.customer_id,
        two.kind,
        two.periods,
        two.version,
    )


async def test_an_order_keeps_its_customer_and_purchase(store: Store) -> None:
    order = Order.create(
        "ORDER_P", Money.of("4999.00"), customer(), at(0), customer_id="cus_p", purchase=PREMIUM
    )
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.orders.get("ORDER_P")
    assert loaded == order
    assert loaded is not None and loaded.purchase == PREMIUM and loaded.customer_id == "cus_p"


async def test_customers_upsert_keeps_the_first_agent_and_can_be_set(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.customers.get("cus_a") is None
        assert await uow.customers.set_referral_agent("cus_a", "agent_1") is None
        await uow.customers.upsert(profile())
        assert await uow.customers.get("cus_a") == profile()
        await uow.commit()
    newer = replace(profile(agent="agent_1"), name="Asha R", created_at=at(9))
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(newer)
        assert await uow.customers.get("cus_a") == replace(profile(agent="agent_1"), name="Asha R")
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(profile(agent="agent_2"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        again = await uow.customers.get("cus_a")
        assert again is not None
        assert again.referral_agent == "agent_1" and again.name == "Asha Rao"
    async with store.unit_of_work() as uow:
        changed = await uow.customers.set_referral_agent("cus_a", "agent_3")
        assert changed is not None and changed.referral_agent == "agent_3"
        await uow.commit()
    reported = await store.reports().customer("cus_a")
    assert reported is not None and reported.referral_agent == "agent_3"
    assert reported.created_at == at(0)
    assert await store.reports().customer("cus_none") is None


async def test_a_customer_read_with_their_order_follows_changes_in_the_same_unit(
    store: Store,
) -> None:
    order = Order.create("ORDER_C", Money.of("10.00"), customer(), at(0), customer_id="cus_a")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_C") is not None
        assert await uow.customers.get("cus_a") is None
        await uow.customers.upsert(profile(agent="agent_1"))
        assert await uow.customers.get("cus_a") == profile(agent="agent_1")
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_C") is not None
        assert await uow.customers.get("cus_a") == profile(agent="agent_1")
        await uow.customers.set_referral_agent("cus_a", "agent_2")
        found = await uow.customers.get("cus_a")
        assert found is not None and found.referral_agent == "agent_2"
        await uow.customers.upsert(replace(profile(), name="Asha R"))
        found = await uow.customers.get("cus_a")
        assert found is not None and found.name == "Asha R"
        assert found.referral_agent == "agent_2"


async def test_adjustments_balance_and_statement(store: Store) -> None:
    order = paid_order("ORDER_A")
    reversal = LedgerAdjustment(
        "REV_1", CUSTOMER_ID, EntryKind.REVERSAL, -1, at(5), order_id="ORDER_A", refund_id="R1"
    )
    gift = LedgerAdjustment("ADJ_1", CUSTOMER_ID, EntryKind.ADJUSTMENT, 7, at(4), "goodwill")
    elsewhere = LedgerAdjustment("ADJ_2", "cus_other", EntryKind.ADJUSTMENT, 2, at(4), "x")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.ledger.add_adjustment(reversal)
        await uow.ledger.add_adjustment(gift)
        await uow.ledger.add_adjustment(elsewhere)
        assert await uow.ledger.balance(CUSTOMER_ID) == 7
        with pytest.raises(DuplicateEntry):
            await uow.ledger.add_adjustment(replace(gift, credits=1))
        await uow.commit()
    async with store.unit_of_work() as uow:
        with pytest.raises(DuplicateEntry):
            await uow.ledger.add_adjustment(gift)
        assert await uow.ledger.balance(CUSTOMER_ID) == 7
        assert await uow.ledger.balance("cus_none") == 0
    lines = await store.reports().statement(CUSTOMER_ID, 100)
    assert [(line.entry_id, line.kind, line.credits) for line in lines] == [
        ("REV_1", EntryKind.REVERSAL, -1),
        ("ADJ_1", EntryKind.ADJUSTMENT, 7),
        ("ORDER_A", EntryKind.GRANT, 1),
    ]
    assert lines[1].note == "goodwill" and lines[0].refund_id == "R1"
    assert lines[0].order_id == "ORDER_A" and lines[0].at == at(5)
    assert await store.reports().statement("cus_none", 100) == []
    assert await store.reports().customer_balance(CUSTOMER_ID) == 7
    assert await store.reports().customer_balance("cus_none") == 0


async def test_the_statement_pages_newest_first_across_grants_and_adjustments(
    store: Store,
) -> None:
    """Pages of any size, put together, are the whole statement newest first, ties by
    entry id descending, whichever table each entry lives in."""
    orders = [paid_order(f"ORDER_{n}") for n in "ABC"]
    adjustments = [
        LedgerAdjustment(f"ADJ_{n}", CUSTOMER_ID, EntryKind.ADJUSTMENT, n, at(n), "note")
        for n in range(1, 6)
    ]
    async with store.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)
            await uow.ledger.add(credit(order))
        for adjustment in adjustments:
            await uow.ledger.add_adjustment(adjustment)
        await uow.commit()
    reports = store.reports()
    whole = await reports.statement(CUSTOMER_ID, 100)
    keys = [(line.at, line.entry_id) for line in whole]
    assert keys == sorted(keys, reverse=True) and len(whole) == 8
    for size in (1, 2, 3, 5):
        pages = [await reports.statement(CUSTOMER_ID, size, start) for start in range(0, 9, size)]
        assert [line for page in pages for line in page] == whole
    assert await reports.statement(CUSTOMER_ID, 3, 8) == []
    assert await reports.customer_balance(CUSTOMER_ID) == 3 + sum(range(1, 6))
    with pytest.raises(ValueError):
        await reports.statement(CUSTOMER_ID, -1)


async def test_subscriptions_save_with_versions_and_refuse_stale_saves(store: Store) -> None:
    first = _subscription("cus_a", ("O1", 0))
    async with store.unit_of_work() as uow:
        assert await uow.subscriptions.get("cus_a", "premium") is None
        await uow.subscriptions.save(first)
        assert first.version == 1
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.subscriptions.get("cus_a", "premium")
        assert _same(loaded, first)
        assert loaded is not None
        loaded.activate("O2", PREMIUM, at(1))
        await uow.subscriptions.save(loaded)
        await uow.commit()
    assert loaded.version == 2
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            first.activate("O3", PREMIUM, at(2))
            await uow.subscriptions.save(first)
            await uow.commit()
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            await uow.subscriptions.save(_subscription("cus_a", ("O4", 3)))
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert _same(await uow.subscriptions.get("cus_a", "premium"), loaded)
    [reported] = await store.reports().subscriptions_of("cus_a")
    assert _same(reported, loaded)
    assert reported.periods[1].starts_at == reported.periods[0].ends_at
    assert reported.periods[0].bought == reported.periods[0].length


async def test_active_subscriptions_and_subscriptions_of(store: Store) -> None:
    running = _subscription("cus_a", ("O1", 0))
    later = _subscription("cus_b", ("O2", 10))
    lapsed = _subscription("cus_c", ("O3", -60 * 24 * 60))
    other_kind = Subscription("cus_a", "basic")
    other_kind.activate("O4", Purchase("basic", 0, Period.YEARLY, "basic"), at(0))
    async with store.unit_of_work() as uow:
        for subscription in (running, later, lapsed, other_kind):
            await uow.subscriptions.save(subscription)
        await uow.commit()
    reports = store.reports()
    active = await reports.active_subscriptions(at(20), 10)
    assert [(s.customer_id, s.kind) for s in active] == [
        ("cus_a", "premium"),
        ("cus_b", "premium"),
        ("cus_a", "basic"),
    ]
    page = await reports.active_subscriptions(at(20), 1, 1)
    assert [(s.customer_id, s.kind) for s in page] == [("cus_b", "premium")]
    assert _same(page[0], later)
    assert [s.kind for s in await reports.subscriptions_of("cus_a")] == ["basic", "premium"]
    assert await reports.subscriptions_of("cus_none") == []
    async with store.unit_of_work() as uow:  # a renewal moves its end past cus_b's
        renewed = await uow.subscriptions.get("cus_a", "premium")
        assert renewed is not None
        renewed.activate("O5", PREMIUM, at(20))
        await uow.subscriptions.save(renewed)
        await uow.commit()
    active = await reports.active_subscriptions(at(20), 10)
    assert [(s.customer_id, s.kind) for s in active] == [
        ("cus_b", "premium"),
        ("cus_a", "premium"),
        ("cus_a", "basic"),
    ]


async def test_a_second_referral_for_an_order_is_refused(store: Store) -> None:
    record = ReferralRecord.earn("agent_1", "cus_a", "O1", Money.of("499.00"), Decimal("0.10"))
    async with store.unit_of_work() as uow:
        await uow.referrals.add(record)
        await uow.referrals.add(
            ReferralRecord.earn("agent_1", "cus_b", "O0", Money.of("1.05"), Decimal("0.10"))
        )
        await uow.referrals.add(
            ReferralRecord.earn("agent_2", "cus_b", "O2", Money.of("1.00"), Decimal("0.10"))
        )
        await uow.commit()
    with pytest.raises(DuplicateReferral):
        async with store.unit_of_work() as uow:
            await uow.referrals.add(record.reverse())
            await uow.commit()
    listed = await store.reports().referrals_of("agent_1")
    assert [r.order_id for r in listed] == ["O0", "O1"]
    assert listed[1] == record
    assert listed[0].commission == Money.of("0.11")
    assert await store.reports().referrals_of("agent_none") == []


async def test_orders_of_a_customer_newest_first(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for index in range(3):
            await uow.orders.add(active_order(f"ORDER_{index}", minutes=index))
        await uow.orders.add(
            Order.create("ORDER_X", Money.of("1.00"), customer(), at(9), customer_id="cus_x")
        )
        await uow.commit()
    reports = store.reports()
    mine = await reports.orders_of(CUSTOMER_ID, 2)
    assert [o.order_id for o in mine] == ["ORDER_2", "ORDER_1"]
    assert [o.order_id for o in await reports.orders_of(CUSTOMER_ID, 2, 2)] == ["ORDER_0"]
    assert await reports.orders_of("cus_none", 10) == []


async def test_account_writes_roll_back_with_the_unit_of_work(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.customers.upsert(profile())
            await uow.ledger.add_adjustment(
                LedgerAdjustment("ADJ_1", "cus_a", EntryKind.ADJUSTMENT, 1, at(0), "x")
            )
            await uow.subscriptions.save(_subscription("cus_a", ("O1", 0)))
            await uow.referrals.add(
                ReferralRecord.earn("agent_1", "cus_a", "O1", Money.of("1.00"), Decimal("0.1"))
            )
            raise RuntimeError("boom")
    reports = store.reports()
    assert await reports.customer("cus_a") is None
    assert await reports.statement("cus_a", 100) == []
    assert await reports.subscriptions_of("cus_a") == []
    assert await reports.referrals_of("agent_1") == []


async def test_reset_deletes_account_data(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(profile())
        await uow.subscriptions.save(_subscription("cus_a", ("O1", 0)))
        await uow.commit()
    await store.reset()
    assert await store.reports().customer("cus_a") is None
    assert await store.reports().subscriptions_of("cus_a") == []


@pytest.mark.parametrize("store_kind", ["json"])
async def test_the_json_store_reloads_account_data_from_its_files(
    store: Store, tmp_path: Path
) -> None:
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(profile(agent="agent_1"))
        saved = _subscription("cus_a", ("O1", 0))
        await uow.subscriptions.save(saved)
        await uow.ledger.add_adjustment(
            LedgerAdjustment("ADJ_1", "cus_a", EntryKind.ADJUSTMENT, 3, at(0), "gift")
        )
        await uow.referrals.add(
            ReferralRecord.earn("agent_1", "cus_a", "O1", Money.of("9.99"), Decimal("0.1"))
        )
        await uow.commit()
    for compact in (False, True):
        if compact:
            assert isinstance(store, JsonJournalStore)
            await store.compact()
        again = JsonJournalStore(tmp_path / "data" / "credits.json")
        await again.open()
        try:
            reports = again.reports()
            assert await reports.customer("cus_a") == profile(agent="agent_1")
            [subscription] = await reports.subscriptions_of("cus_a")
            assert _same(subscription, saved)
            assert [line.credits for line in await reports.statement("cus_a", 100)] == [3]
            [record] = await reports.referrals_of("agent_1")
            assert record.commission == Money.of("1.00")
        finally:
            await again.close()


async def test_find_orders_by_order_id_or_payment_id_newest_first(store: Store) -> None:
    first = paid_order("ORDER_A", minutes=0)
    second = active_order("ORDER_B", minutes=5)
    second.record_attempt(attempt("pay_shared", AttemptStatus.FAILED, minutes=6), at(6))
    third = active_order("pay_shared", minutes=9)  # an order whose id is another's payment id
    async with store.unit_of_work() as uow:
        for order in (first, second, third):
            await uow.orders.add(order)
        await uow.commit()
    reports = store.reports()

    assert [o.order_id for o in await reports.find_orders("ORDER_A", 20)] == ["ORDER_A"]
    by_payment = await reports.find_orders("ORDER_A_2", 20)
    assert by_payment == [first], "the order of a payment, with every attempt"
    found = await reports.find_orders("pay_shared", 20)
    assert [o.order_id for o in found] == ["pay_shared", "ORDER_B"]
    assert [o.order_id for o in await reports.find_orders("pay_shared", 1)] == ["pay_shared"]
    assert await reports.find_orders("ORDER_", 20) == [], "whole ids only, no prefixes"
    assert await reports.find_orders("nothing", 20) == []


async def test_find_orders_by_cashfree_ids_bank_references_and_refunds(store: Store) -> None:
    """Every reference a support request may quote names its order, whole values only."""
    paid = paid_order("ORDER_P", minutes=0)
    other = active_order("ORDER_Q", minutes=5)
    requested = refund("refund_p", "ORDER_P", "9.00", 8)
    async with store.unit_of_work() as uow:
        await uow.orders.add(paid)
        await uow.orders.add(other)
        await uow.refunds.add(requested)
        await uow.commit()
    reports = store.reports()
    assert await reports.find_orders("cf_refund_p", 20) == []
    async with store.unit_of_work() as uow:
        loaded = await uow.refunds.get("refund_p")
        assert loaded is not None
        loaded.settle(RefundState.PENDING, at(9), gateway_refund_id="cf_refund_p")
        await uow.refunds.save(loaded)
        await uow.commit()

    for reference in ("cf_ORDER_P", "UTRORDER_P_2", "UTRORDER_P_1", "refund_p", "cf_refund_p"):
        found = await reports.find_orders(reference, 20)
        assert [o.order_id for o in found] == ["ORDER_P"], reference
    assert [o.order_id for o in await reports.find_orders("cf_ORDER_Q", 20)] == ["ORDER_Q"]
    [found] = await reports.find_orders("UTRORDER_P_2", 20)
    assert [a.bank_reference for a in found.attempts] == ["UTRORDER_P_1", "UTRORDER_P_2"]
    assert await reports.find_orders("UTRORDER", 20) == [], "whole references only"


async def settle_refund(store: Store, refund_id: str, arn: str) -> None:
    """A SUCCESS report of the refund, bringing `arn`."""
    async with store.unit_of_work() as uow:
        loaded = await uow.refunds.get(refund_id)
        assert loaded is not None
        loaded.settle(RefundState.SUCCESS, at(9), f"cf_{refund_id}", arn)
        await uow.refunds.save(loaded)
        await uow.commit()


async def test_a_refunds_bank_reference_is_kept_and_finds_its_order(store: Store) -> None:
    """The ARN comes last, once the bank returned the money: saved on the settled refund
    and then a reference of its order."""
    requested = refund("refund_a", "ORDER_A", "9.00", 8)
    async with store.unit_of_work() as uow:
        await uow.orders.add(paid_order("ORDER_A", minutes=0))
        await uow.refunds.add(requested)
        await uow.commit()
    await settle_refund(store, "refund_a", "")
    assert await store.reports().find_orders("RF0000000007", 20) == []
    await settle_refund(store, "refund_a", "RF0000000007")

    async with store.unit_of_work() as uow:
        kept = await uow.refunds.get("refund_a")
    assert kept is not None and kept.arn == "RF0000000007"
    found = await store.reports().find_orders("RF0000000007", 20)
    assert [o.order_id for o in found] == ["ORDER_A"]
    assert await store.reports().find_orders("RF", 20) == [], "whole references only"


async def test_found_orders_follow_attempts_added_later(store: Store) -> None:
    await add_order(store, "ORDER_L")
    assert await store.reports().find_orders("pay_1", 20) == []
    await pay(store, "ORDER_L")  # its attempt is "pay_1"

    found = await store.reports().find_orders("pay_1", 20)

    assert [(o.order_id, o.status) for o in found] == [("ORDER_L", OrderStatus.PAID)]


async def test_find_customers_by_email_or_phone_newest_first(store: Store) -> None:
    asha = profile("cus_a")
    ravi = replace(profile("cus_r"), name="Ravi", email="ravi@example.com", created_at=at(5))
    other = replace(
        profile("cus_o"), email="other@example.com", phone="9123456780", created_at=at(9)
    )
    async with store.unit_of_work() as uow:
        for one in (asha, ravi, other):
            await uow.customers.upsert(one)
        await uow.commit()
    reports = store.reports()

    by_email = await reports.find_customers(email="asha@example.com", phone=None, limit=20)
    assert by_email == [asha]
    by_phone = await reports.find_customers(email=None, phone="9876543210", limit=20)
    assert by_phone == [ravi, asha]
    either = await reports.find_customers(email="other@example.com", phone="9876543210", limit=20)
    assert either == [other, ravi, asha]
    assert await reports.find_customers(email=None, phone="9876543210", limit=1) == [ravi]
    assert await reports.find_customers(email=None, phone=None, limit=20) == []
    assert await reports.find_customers(email="none@example.com", phone=None, limit=20) == []


async def test_a_customer_is_found_by_their_latest_contact_details(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(profile("cus_a"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(replace(profile("cus_a"), email="asha.new@example.com"))
        await uow.commit()
    reports = store.reports()

    assert await reports.find_customers(email="asha@example.com", phone=None, limit=20) == []
    found = await reports.find_customers(email="asha.new@example.com", phone=None, limit=20)
    assert [c.customer_id for c in found] == ["cus_a"]


def order_paid_with(order_id: str, customer_id: str, email: str, phone: str, minutes: int) -> Order:
    contact = Customer.create("Asha Rao", email, phone)
    return Order.create(order_id, Money.of("10.00"), contact, at(minutes), customer_id=customer_id)


async def test_a_customer_is_found_by_a_contact_any_of_their_orders_was_paid_with(
    store: Store,
) -> None:
    """A customer signed in by id (AUTH_MODE=jwt) who changed e-mail and phone is found by
    the old ones their first order carries, beside another customer who paid with the same
    phone; an order whose customer has no profile finds nobody."""
    asha = replace(profile("cus_a"), email="asha.new@example.com", phone="9123456780")
    bina = replace(profile("cus_b"), email="bina@example.com", created_at=at(7))
    async with store.unit_of_work() as uow:
        await uow.orders.add(order_paid_with("O_OLD", "cus_a", "asha@example.com", "9876543210", 0))
        await uow.orders.add(order_paid_with("O_NEW", "cus_a", asha.email, asha.phone, 5))
        await uow.orders.add(order_paid_with("O_B", "cus_b", bina.email, bina.phone, 7))
        await uow.orders.add(order_paid_with("O_X", "cus_x", "x@example.com", "9000000001", 8))
        await uow.customers.upsert(asha)
        await uow.customers.upsert(bina)
        await uow.commit()
    reports = store.reports()

    assert await reports.find_customers(email="asha@example.com", phone=None, limit=20) == [asha]
    assert await reports.find_customers(email=None, phone="9876543210", limit=20) == [bina, asha]
    assert await reports.find_customers(email=None, phone="9876543210", limit=1) == [bina]
    either = await reports.find_customers(email="asha@example.com", phone="9123456780", limit=20)
    assert either == [asha]
    assert await reports.find_customers(email=None, phone="9000000001", limit=20) == []
    assert await reports.contacts_of("cus_a") == [
        "9123456780",
        "9876543210",
        "asha.new@example.com",
        "asha@example.com",
    ]
    assert await reports.contacts_of("cus_b") == ["9876543210", "bina@example.com"]
    assert await reports.contacts_of("cus_nobody") == []
