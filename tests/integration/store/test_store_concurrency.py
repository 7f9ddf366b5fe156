"""Racing confirmations of one paid order leave exactly one ledger entry (and one period,
one referral record, one announcement of each), on every store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from decimal import Decimal

import pytest

from application.errors import ConcurrencyConflict
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.accounts import AdjustCredits
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from domain.errors import DuplicateCredit, InsufficientCredits
from domain.events import OrderCredited, OrderPaid, ReferralEarned, SubscriptionActivated
from domain.ledger import LedgerAdjustment, credit_for
from domain.money import Money
from domain.notifications import Topic
from domain.order import AttemptStatus, Order, OrderStatus
from domain.plans import Period, Plan, PlanCatalogue
from unit.application.fakes import CountingIds, FixedClock, RecordingPublisher, ScriptedGateway

from .builders import active_order, at, attempt

TASKS = 50
MAX_ROUNDS = 200


async def _confirm(store: Store, order_id: str) -> bool:
    """Credit the order unless it is credited; True if this call wrote the credit."""
    for _ in range(MAX_ROUNDS):
        try:
            async with store.unit_of_work() as uow:
                order = await uow.orders.get(order_id)
                assert order is not None
                if await uow.ledger.get(order_id) is not None:
                    return False
                await uow.ledger.add(credit_for(order, at(5)))
                await uow.orders.save(order)
                await uow.commit()
                return True
        except (ConcurrencyConflict, DuplicateCredit):
            await asyncio.sleep(0)
    raise AssertionError("no progress")


async def test_fifty_concurrent_confirmations_credit_once(store: Store) -> None:
    order = active_order("ORDER_RACE")
    order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()

    wrote = await asyncio.gather(*(_confirm(store, "ORDER_RACE") for _ in range(TASKS)))

    assert wrote.count(True) == 1
    totals = await store.reports().ledger_totals()
    async with store.unit_of_work() as uow:
        saved = await uow.orders.get("ORDER_RACE")
    assert totals.entries == 1
    assert saved is not None and saved.version == 1


@pytest.mark.parametrize(
    "store_kind",
    [
        pytest.param("postgresql", marks=pytest.mark.services),
        pytest.param("mariadb", marks=pytest.mark.services),
    ],
)
async def test_interleaved_units_of_work_conflict_on_a_server(store: Store) -> None:
    """uow1 loads, uow2 loads, saves and commits, then uow1's save must conflict (at once,
    or at its commit where the store holds the save until then: PostgreSQL)."""
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_A"))
        await uow.commit()
    async with store.unit_of_work() as first:
        mine = await first.orders.get("ORDER_A")
        async with store.unit_of_work() as second:
            theirs = await second.orders.get("ORDER_A")
            assert theirs is not None
            theirs.record_attempt(attempt("p1", AttemptStatus.FAILED), at(1))
            await second.orders.save(theirs)
            await second.commit()
        assert mine is not None
        mine.record_attempt(attempt("p2", AttemptStatus.SUCCESS), at(2))
        with pytest.raises(ConcurrencyConflict):
            await first.orders.save(mine)
            await first.commit()
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_A") == theirs


PLANS = PlanCatalogue(
    [
        Plan(
            "premium-yearly",
            "Premium",
            Money.of("4999.00"),
            credits=5,
            period=Period.YEARLY,
            kind="premium",
        )
    ]
)


def _use_cases(
    store: Store, publisher: RecordingPublisher
) -> tuple[CreatePayment, ConfirmPayment, ScriptedGateway]:
    units = UnitOfWorkFactory(store, publisher)
    gateway = ScriptedGateway()
    clock = FixedClock(at(0))
    create = CreatePayment(
        units,
        gateway,
        clock,
        CountingIds(),
        "http://shop.test/r",
        "http://shop.test/h",
        plans=PLANS,
    )
    return create, ConfirmPayment(units, gateway, clock, Decimal("0.10")), gateway


def _plan_order(agent: str | None = "agent_1") -> CreatePaymentCommand:
    return CreatePaymentCommand(
        None, "Asha Rao", "asha@example.com", "9876543210", "premium-yearly", referral_agent=agent
    )


async def test_fifty_confirmations_of_a_paid_plan_fulfil_it_once(store: Store) -> None:
    """Webhook evidence and gateway verifications race; one grant, one period, one
    referral record, and one announcement of each."""
    publisher = RecordingPublisher()
    create, confirm, gateway = _use_cases(store, publisher)
    order = await create.execute(_plan_order())
    success = attempt("p1", AttemptStatus.SUCCESS, amount="4999.00")
    gateway.payments[order.order_id] = [success]

    def one(index: int) -> Awaitable[Order]:
        if index % 2:
            return confirm.apply(order.order_id, [success])
        return confirm.execute(order.order_id)

    results = await asyncio.gather(*(one(i) for i in range(TASKS)))

    assert {r.status for r in results} == {OrderStatus.PAID}
    reports = store.reports()
    assert (await reports.ledger_totals()).entries == 1
    assert [line.credits for line in await reports.statement(order.customer_id, 100)] == [5]
    [subscription] = await reports.subscriptions_of(order.customer_id)
    assert [p.order_id for p in subscription.periods] == [order.order_id]
    [record] = await reports.referrals_of("agent_1")
    assert record.commission == Money.of("499.90")
    for kind in (OrderPaid, OrderCredited, SubscriptionActivated, ReferralEarned):
        assert len(publisher.of(kind)) == 1, kind.__name__
    async with store.unit_of_work() as uow:
        outbox = await uow.outbox.due(at(0) + timedelta(days=1), 100)
    assert sorted((m.topic, m.recipient_id) for m in outbox) == sorted(
        [
            (Topic.PAYMENT_SUCCEEDED, order.customer_id),
            (Topic.SUBSCRIPTION_ACTIVATED, order.customer_id),
            (Topic.REFERRAL_EARNED, "agent_1"),
        ]
    )


async def test_two_paid_orders_of_one_kind_get_two_periods_end_to_end(store: Store) -> None:
    publisher = RecordingPublisher()
    create, confirm, gateway = _use_cases(store, publisher)
    orders = [await create.execute(_plan_order(agent=None)) for _ in range(2)]
    for order in orders:
        gateway.payments[order.order_id] = [
            attempt(f"p_{order.order_id}", AttemptStatus.SUCCESS, amount="4999.00")
        ]

    await asyncio.gather(*(confirm.execute(order.order_id) for order in orders for _ in range(10)))

    [subscription] = await store.reports().subscriptions_of(orders[0].customer_id)
    first, second = sorted(subscription.periods, key=lambda p: p.starts_at)
    assert {first.order_id, second.order_id} == {o.order_id for o in orders}
    assert second.starts_at == first.ends_at
    assert len(publisher.of(SubscriptionActivated)) == 2
    assert await store.reports().referrals_of("agent_1") == []


async def test_concurrent_debits_never_take_a_balance_below_zero(store: Store) -> None:
    publisher = RecordingPublisher()
    create, confirm, gateway = _use_cases(store, publisher)
    order = await create.execute(_plan_order(agent=None))
    gateway.payments[order.order_id] = [attempt("p1", AttemptStatus.SUCCESS, amount="4999.00")]
    await confirm.execute(order.order_id)
    adjust = AdjustCredits(UnitOfWorkFactory(store, publisher), FixedClock(at(9)), CountingIds())

    results = await asyncio.gather(
        *(adjust.execute(order.customer_id, -2, "spend") for _ in range(6)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, LedgerAdjustment) for r in results) == 2
    assert all(isinstance(r, (LedgerAdjustment, InsufficientCredits)) for r in results)
    async with store.unit_of_work() as uow:
        assert await uow.ledger.balance(order.customer_id) == 1


async def test_first_orders_of_one_new_customer_race_to_one_profile(store: Store) -> None:
    create, _, _ = _use_cases(store, RecordingPublisher())
    orders = await asyncio.gather(
        *(create.execute(_plan_order(agent=f"agent_{i}")) for i in range(10))
    )
    assert len({o.customer_id for o in orders}) == 1
    profile = await store.reports().customer(orders[0].customer_id)
    assert profile is not None and profile.referral_agent is not None
    assert len(await store.reports().orders_of(orders[0].customer_id, 20)) == 10
