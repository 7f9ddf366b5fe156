"""The account use cases on the memory store, with a fixed clock and counted ids."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import CustomerNotFound
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.accounts import (
    AdjustCredits,
    GetCustomerAccount,
    ListActiveSubscriptions,
    ListAgentReferrals,
    ListPlans,
    SetReferralAgent,
)
from domain.accounts import CustomerProfile
from domain.errors import InsufficientCredits, InvalidField
from domain.ledger import EntryKind, LedgerAdjustment, credit_for
from domain.money import Money
from domain.order import AttemptStatus, Order
from domain.plans import Period, Plan, PlanCatalogue, Purchase
from domain.referrals import ReferralRecord
from domain.subscriptions import Subscription

from ..domain.factories import T0, attempt, customer
from .fakes import CountingIds, FixedClock

MONTHLY = Purchase("premium-monthly", 0, Period.MONTHLY, "premium")


async def seed(store: MemoryStore, customer_id: str = "cus_a", agent: str | None = None) -> Order:
    """A profile and one paid order granting two credits."""
    order = Order.create(
        f"ORDER_{customer_id}",
        Money.of("499.00"),
        customer(),
        T0,
        customer_id=customer_id,
        purchase=Purchase("credits-2", 2, None, None),
    )
    order.activate("cf", "session", T0)
    order.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(
            CustomerProfile(customer_id, "Asha Rao", "asha@example.com", "9876543210", agent, T0)
        )
        await uow.orders.add(order)
        await uow.ledger.add(credit_for(order, T0))
        await uow.commit()
    return order


@pytest.fixture
def adjust(units: UnitOfWorkFactory, clock: FixedClock) -> AdjustCredits:
    return AdjustCredits(units, clock, CountingIds())


async def test_the_account_gathers_profile_balance_statement_subscriptions_orders(
    store: MemoryStore, clock: FixedClock, adjust: AdjustCredits
) -> None:
    order = await seed(store)
    clock.advance(60)
    await adjust.execute("cus_a", -1, "duplicate grant")
    account = await GetCustomerAccount(store.reports(), clock).execute("cus_a")
    assert account.profile is not None and account.profile.customer_id == "cus_a"
    assert account.balance == 1
    assert [(line.kind, line.credits) for line in account.statement] == [
        (EntryKind.ADJUSTMENT, -1),
        (EntryKind.GRANT, 2),
    ]
    assert account.statement[0].note == "duplicate grant"
    assert [o.order_id for o in account.orders] == [order.order_id]
    assert account.subscriptions == []
    assert account.statement_more is False
    assert account.contacts == [], "the customer's own view asks for none"

    operator = await GetCustomerAccount(store.reports(), clock).execute("cus_a", with_contacts=True)
    assert operator.contacts == sorted([order.customer.email, order.customer.phone])


async def test_the_account_pages_its_statement_and_keeps_the_whole_balance(
    store: MemoryStore, clock: FixedClock, adjust: AdjustCredits
) -> None:
    await seed(store)
    for credits in (1, 2, 3):
        clock.advance(60)
        await adjust.execute("cus_a", credits, "gift")
    use_case = GetCustomerAccount(store.reports(), clock)
    first = await use_case.execute("cus_a", ledger_limit=2)
    last = await use_case.execute("cus_a", ledger_limit=2, ledger_offset=2)
    assert [line.credits for line in first.statement + last.statement] == [3, 2, 1, 2]
    assert (first.statement_more, last.statement_more) == (True, False)
    assert first.balance == last.balance == 8
    beyond = await use_case.execute("cus_a", ledger_limit=2, ledger_offset=10)
    assert beyond.statement == [] and beyond.balance == 8


async def test_an_unknown_customer_is_not_found(store: MemoryStore, clock: FixedClock) -> None:
    with pytest.raises(CustomerNotFound):
        await GetCustomerAccount(store.reports(), clock).execute("cus_nobody")


async def test_adjustments_refuse_bad_input_unknown_customers_and_negative_balances(
    store: MemoryStore, adjust: AdjustCredits
) -> None:
    await seed(store)
    for credits, note in ((0, "x"), (True, "x"), (1, " "), (1, "x" * 501)):
        with pytest.raises(InvalidField):
            await adjust.execute("cus_a", credits, note)
    with pytest.raises(CustomerNotFound):
        await adjust.execute("cus_nobody", 1, "gift")
    with pytest.raises(InsufficientCredits):
        await adjust.execute("cus_a", -3, "too much")
    entry = await adjust.execute("cus_a", -2, "all of it")
    assert entry.entry_id.startswith("ADJ_") and (entry.credits, entry.at) == (-2, T0)
    async with store.unit_of_work() as uow:
        assert await uow.ledger.balance("cus_a") == 0


async def test_concurrent_debits_never_go_below_zero(
    store: MemoryStore, adjust: AdjustCredits
) -> None:
    await seed(store)
    results = await asyncio.gather(
        *(adjust.execute("cus_a", -1, "spend") for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 2
    assert all(isinstance(r, InsufficientCredits) for r in results if isinstance(r, Exception))


async def test_set_referral_agent_replaces_it_and_refuses_unknown_customers(
    store: MemoryStore, units: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await seed(store, agent="agent_1")
    use_case = SetReferralAgent(units, clock)
    profile = await use_case.execute("cus_a", "agent_2")
    assert profile.referral_agent == "agent_2"
    assert (await store.reports().customer("cus_a")) == profile
    with pytest.raises(CustomerNotFound):
        await use_case.execute("cus_nobody", "agent_2")
    with pytest.raises(InvalidField):
        await use_case.execute("cus_a", " ")


async def test_agent_referrals_total_only_what_is_not_reversed(store: MemoryStore) -> None:
    one = ReferralRecord.earn("agent_1", "cus_a", "O1", Money.of("100.00"), Decimal("0.10"))
    two = ReferralRecord.earn("agent_1", "cus_b", "O2", Money.of("50.05"), Decimal("0.10"))
    gone = ReferralRecord.earn("agent_1", "cus_b", "O3", Money.of("70.00"), Decimal("0.10"))
    other = ReferralRecord.earn("agent_2", "cus_c", "O4", Money.of("70.00"), Decimal("0.10"))
    async with store.unit_of_work() as uow:
        for record in (two, one, gone.reverse(), other):
            await uow.referrals.add(record)
        await uow.commit()
    result = await ListAgentReferrals(store.reports()).execute("agent_1")
    assert [r.order_id for r in result.records] == ["O1", "O2", "O3"]
    assert result.count == 3
    assert result.total_amount == Money.of("150.05")
    assert result.total_commission == Money.of("15.01")
    empty = await ListAgentReferrals(store.reports()).execute("agent_none")
    assert (empty.count, empty.total_amount) == (0, Money.of("0.00"))


async def test_active_subscriptions_are_those_running_now_ending_soonest_first(
    store: MemoryStore, clock: FixedClock
) -> None:
    early = Subscription("cus_a", "premium")
    early.activate("O1", MONTHLY, T0)
    late = Subscription("cus_b", "premium")
    late.activate("O2", MONTHLY, T0 + timedelta(days=3))
    lapsed = Subscription("cus_c", "premium")
    lapsed.activate("O3", MONTHLY, T0 - timedelta(days=90))
    async with store.unit_of_work() as uow:
        for subscription in (late, lapsed, early):
            await uow.subscriptions.save(subscription)
        await uow.commit()
    clock.advance(timedelta(days=4).total_seconds())
    listed = await ListActiveSubscriptions(store.reports(), clock).execute(10, 0)
    assert [s.customer_id for s in listed] == ["cus_a", "cus_b"]
    second = await ListActiveSubscriptions(store.reports(), clock).execute(1, 1)
    assert [s.customer_id for s in second] == ["cus_b"]


async def test_list_plans_shows_active_plans_in_catalogue_order() -> None:
    plans = PlanCatalogue(
        [
            Plan("b", "B", Money.of("2.00"), credits=1),
            Plan("a", "A", Money.of("1.00"), credits=1, active=False),
            Plan("c", "C", Money.of("3.00"), credits=1),
        ]
    )
    assert [p.plan_id for p in await ListPlans(plans).execute()] == ["b", "c"]


async def test_a_page_past_the_end_is_empty_for_a_customer_known_only_by_the_ledger(
    store: MemoryStore, clock: FixedClock
) -> None:
    entry = LedgerAdjustment("ADJ_1", "cus_ledger", EntryKind.ADJUSTMENT, 4, T0, "imported")
    async with store.unit_of_work() as uow:
        await uow.ledger.add_adjustment(entry)
        await uow.commit()
    use_case = GetCustomerAccount(store.reports(), clock)
    beyond = await use_case.execute("cus_ledger", ledger_offset=5)
    assert (beyond.profile, beyond.statement, beyond.balance) == (None, [], 4)
    with pytest.raises(CustomerNotFound):
        await use_case.execute("cus_nobody", ledger_offset=5)
