"""CreatePayment with plans and customers; ConfirmPayment's fulfilment (grant, period,
referral) in the unit of work that pays the order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import (
    CreatePayment,
    CreatePaymentCommand,
    gateway_customer_id,
)
from domain.customer import customer_id_for_email
from domain.errors import ValidationFailed
from domain.events import OrderCredited, ReferralEarned, SubscriptionActivated
from domain.money import Money
from domain.order import AttemptStatus, Order
from domain.plans import (
    Period,
    Plan,
    PlanCatalogue,
    PlanNotOffered,
    PriceMismatch,
    Purchase,
    UnknownPlan,
)

from ..domain.factories import T0, attempt
from .fakes import CountingIds, FixedClock, RecordingPublisher, ScriptedGateway

PLANS = PlanCatalogue(
    [
        Plan("credits-10", "Ten credits", Money.of("99.00"), credits=10),
        Plan(
            "premium-monthly", "Premium", Money.of("499.00"), period=Period.MONTHLY, kind="premium"
        ),
        Plan(
            "premium-yearly",
            "Premium yearly",
            Money.of("4999.00"),
            credits=3,
            period=Period.YEARLY,
            kind="premium",
        ),
        Plan("retired", "Old", Money.of("10.00"), credits=1, active=False),
    ]
)


def command(
    plan_id: object = None,
    amount: object = None,
    customer_id: str | None = None,
    agent: str | None = None,
) -> CreatePaymentCommand:
    return CreatePaymentCommand(
        amount, "Asha Rao", "Asha@Example.com", "9876543210", plan_id, customer_id, agent
    )


@pytest.fixture
def create_plans(
    units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock
) -> CreatePayment:
    return CreatePayment(
        units,
        gateway,
        clock,
        CountingIds(),
        "http://shop.test/r/{order_id}",
        "http://shop.test/hook",
        plans=PLANS,
    )


@pytest.fixture
def confirm_rate(
    units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock
) -> ConfirmPayment:
    return ConfirmPayment(units, gateway, clock, Decimal("0.125"))


async def test_a_plan_sets_the_price_and_what_the_order_earns(
    create_plans: CreatePayment, gateway: ScriptedGateway, store: MemoryStore
) -> None:
    order = await create_plans.execute(command("premium-yearly"))
    assert order.amount == Money.of("4999.00")
    assert order.purchase == Purchase("premium-yearly", 3, Period.YEARLY, "premium")
    assert order.customer_id == customer_id_for_email("asha@example.com")
    assert gateway.requests[0].customer_id == order.customer_id
    assert gateway.requests[0].amount == Money.of("4999.00")
    same = await create_plans.execute(command("premium-yearly", Decimal("4999")))
    assert same.amount == Money.of("4999.00")
    profile = await store.reports().customer(order.customer_id)
    assert profile is not None and profile.email == "asha@example.com"


@pytest.mark.parametrize(
    ("plan_id", "amount", "error", "field"),
    [
        ("premium-yearly", "1.00", PriceMismatch, "amount"),
        ("nope", None, UnknownPlan, "plan_id"),
        ("retired", None, PlanNotOffered, "plan_id"),
        (12, None, Exception, "plan_id"),
    ],
)
async def test_a_wrong_plan_or_price_is_refused_before_anything_is_written(
    create_plans: CreatePayment,
    gateway: ScriptedGateway,
    store: MemoryStore,
    plan_id: object,
    amount: object,
    error: type[Exception],
    field: str,
) -> None:
    with pytest.raises(error) as info:
        await create_plans.execute(command(plan_id, amount))
    assert info.value.error.field == field
    assert gateway.calls == []
    assert await store.reports().recent_orders(10) == []


async def test_without_a_plan_the_free_amount_stays_and_needs_an_amount(
    create_plans: CreatePayment,
) -> None:
    order = await create_plans.execute(command(amount="12.50", customer_id="cus_given"))
    assert (order.amount, order.purchase, order.customer_id) == (
        Money.of("12.50"),
        Purchase.free_amount(),
        "cus_given",
    )
    with pytest.raises(ValidationFailed):
        await create_plans.execute(command())


async def test_the_profile_keeps_the_first_referral_agent(
    create_plans: CreatePayment, store: MemoryStore
) -> None:
    await create_plans.execute(command("credits-10"))
    await create_plans.execute(command("credits-10", agent="agent_1"))
    await create_plans.execute(command("credits-10", agent="agent_2"))
    profile = await store.reports().customer(customer_id_for_email("asha@example.com"))
    assert profile is not None and profile.referral_agent == "agent_1"


async def pay(
    create_plans: CreatePayment,
    confirm: ConfirmPayment,
    gateway: ScriptedGateway,
    plan_id: str,
    agent: str | None = None,
    customer_id: str | None = None,
) -> Order:
    order = await create_plans.execute(command(plan_id, customer_id=customer_id, agent=agent))
    gateway.payments[order.order_id] = [
        attempt(AttemptStatus.SUCCESS, amount=str(order.amount.amount))
    ]
    return await confirm.execute(order.order_id)


async def test_paying_a_plan_grants_its_credits_period_and_commission_once(
    create_plans: CreatePayment,
    confirm_rate: ConfirmPayment,
    gateway: ScriptedGateway,
    store: MemoryStore,
    publisher: RecordingPublisher,
) -> None:
    order = await pay(create_plans, confirm_rate, gateway, "premium-yearly", agent="agent_1")
    await confirm_rate.execute(order.order_id)
    await confirm_rate.apply(order.order_id, gateway.payments[order.order_id])
    reports = store.reports()
    lines = await reports.statement(order.customer_id, 100)
    assert [(line.order_id, line.credits) for line in lines] == [(order.order_id, 3)]
    [subscription] = await reports.subscriptions_of(order.customer_id)
    assert subscription.kind == "premium" and len(subscription.periods) == 1
    assert subscription.periods[0].starts_at == order.paid_at
    [record] = await reports.referrals_of("agent_1")
    assert record.commission == Money.of("624.88")  # 4999 * 0.125 = 624.875, half-up
    activated = publisher.of(SubscriptionActivated)
    earned = publisher.of(ReferralEarned)
    assert len(activated) == 1 and len(earned) == 1 and len(publisher.of(OrderCredited)) == 1
    assert isinstance(activated[0], SubscriptionActivated)
    assert activated[0].plan_id == "premium-yearly"
    assert activated[0].ends_at == subscription.periods[0].ends_at


async def test_a_period_only_plan_still_records_a_zero_grant_and_no_referral_without_agent(
    create_plans: CreatePayment,
    confirm: ConfirmPayment,
    gateway: ScriptedGateway,
    store: MemoryStore,
    publisher: RecordingPublisher,
) -> None:
    order = await pay(create_plans, confirm, gateway, "premium-monthly")
    async with store.unit_of_work() as uow:
        grant = await uow.ledger.get(order.order_id)
        assert await uow.ledger.balance(order.customer_id) == 0
    assert grant is not None and grant.credits == 0
    assert publisher.of(ReferralEarned) == []
    assert len(publisher.of(SubscriptionActivated)) == 1


async def test_paying_again_for_a_kind_extends_from_the_current_end(
    create_plans: CreatePayment,
    confirm: ConfirmPayment,
    gateway: ScriptedGateway,
    store: MemoryStore,
    clock: FixedClock,
) -> None:
    first = await pay(create_plans, confirm, gateway, "premium-monthly")
    clock.advance(3600)
    await pay(create_plans, confirm, gateway, "premium-yearly")
    [subscription] = await store.reports().subscriptions_of(first.customer_id)
    one, two = subscription.periods
    assert two.starts_at == one.ends_at
    assert two.ends_at == one.ends_at.replace(year=one.ends_at.year + 1)


async def test_a_plan_removed_from_the_catalogue_still_activates_a_late_payment(
    units: UnitOfWorkFactory,
    gateway: ScriptedGateway,
    clock: FixedClock,
    store: MemoryStore,
    create_plans: CreatePayment,
) -> None:
    order = await create_plans.execute(command("premium-monthly"))
    gateway.payments[order.order_id] = [attempt(AttemptStatus.SUCCESS)]
    clock.advance(timedelta(days=2).total_seconds())
    # A confirmation built with no catalogue at all: only the order's purchase counts.
    await ConfirmPayment(units, gateway, clock).execute(order.order_id)
    [subscription] = await store.reports().subscriptions_of(order.customer_id)
    assert subscription.periods[0].order_id == order.order_id
    assert subscription.periods[0].starts_at == T0 + timedelta(days=2)


async def test_a_customer_id_the_gateway_cannot_take_is_sent_as_a_stable_digest(
    create_plans: CreatePayment, gateway: ScriptedGateway
) -> None:
    order = await create_plans.execute(command("credits-10", customer_id="auth0|user-42"))
    again = await create_plans.execute(command("credits-10", customer_id="auth0|user-42"))
    assert order.customer_id == "auth0|user-42"
    sent = gateway.requests[0].customer_id
    assert sent == gateway.requests[1].customer_id == gateway_customer_id("auth0|user-42")
    assert sent.startswith("cus_") and len(sent) == 36
    assert again.customer_id == order.customer_id
    assert gateway_customer_id("cus_abc") == "cus_abc"


async def test_recorded_events_are_published_only_when_committed(
    units: UnitOfWorkFactory, publisher: RecordingPublisher
) -> None:
    event = ReferralEarned("O1", T0, "agent_1", "cus_a", Money.of("10.00"), Money.of("1.00"))
    async with units() as uow:
        uow.record(event)
        await uow.rollback()
    async with units() as uow:
        uow.record(event)
    assert publisher.events == []
    async with units() as uow:
        uow.record(event)
        await uow.commit()
    assert publisher.events == [event]
