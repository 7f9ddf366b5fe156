"""RefundOrder, ApplyRefundState and ListRefunds on the memory store and a scripted gateway."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import (
    GatewayUnavailable,
    GatewayValidationError,
    OrderNotFound,
    OrderNotRefundable,
    RefundConflict,
    RefundNotFound,
)
from application.ports import RefundStatus
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment
from application.use_cases.refunds import ApplyRefundState, ListRefunds, RefundOrder
from domain.errors import InvalidField
from domain.ledger import EntryKind, LedgerAdjustment
from domain.money import Money
from domain.notifications import Topic
from domain.order import Order
from domain.referrals import ReferralStatus
from domain.refunds import ReferralReversed, RefundExceedsRemaining, RefundState

from .fakes import CountingIds, FixedClock, RecordingPublisher, ScriptedGateway
from .test_plans_and_fulfilment import PLANS, command, pay

REASON = "customer asked"


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
    return ConfirmPayment(units, gateway, clock, Decimal("0.10"))


@pytest.fixture
def refund(units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock) -> RefundOrder:
    return RefundOrder(units, gateway, clock)


@pytest.fixture
def apply(units: UnitOfWorkFactory, clock: FixedClock) -> ApplyRefundState:
    return ApplyRefundState(units, clock)


@pytest.fixture
async def yearly(
    create_plans: CreatePayment,
    confirm_rate: ConfirmPayment,
    gateway: ScriptedGateway,
    clock: FixedClock,
) -> Order:
    """A paid premium-yearly order (4999.00, 3 credits, a year) referred by agent_1."""
    order = await pay(create_plans, confirm_rate, gateway, "premium-yearly", agent="agent_1")
    clock.advance(86400)
    return order


async def balance(store: MemoryStore, customer_id: str) -> int:
    async with store.unit_of_work() as uow:
        return await uow.ledger.balance(customer_id)


def topics(store: MemoryStore) -> list[str]:
    return sorted(m.topic for m in store._state.outbox.values())


async def test_a_full_refund_reverses_credits_period_and_referral(
    refund: RefundOrder,
    yearly: Order,
    store: MemoryStore,
    gateway: ScriptedGateway,
    clock: FixedClock,
    publisher: RecordingPublisher,
) -> None:
    done = await refund.execute(yearly.order_id, "refund_1", "4999.00", REASON)
    assert done.state is RefundState.SUCCESS and done.gateway_refund_id == "cf_refund_1"
    assert gateway.calls.count("create_refund") == 1
    assert await balance(store, yearly.customer_id) == 0
    lines = await store.reports().statement(yearly.customer_id, 100)
    reversal = [line for line in lines if line.kind is EntryKind.REVERSAL]
    assert [(r.entry_id, r.credits, r.refund_id) for r in reversal] == [
        ("rev_refund_1", -3, "refund_1")
    ]
    [subscription] = await store.reports().subscriptions_of(yearly.customer_id)
    assert subscription.periods[0].ends_at == clock.now()
    [record] = await store.reports().referrals_of("agent_1")
    assert record.status is ReferralStatus.REVERSED
    assert len(publisher.of(ReferralReversed)) == 1
    assert Topic.REFUND_SUCCEEDED in topics(store) and Topic.REFERRAL_REVERSED in topics(store)


async def test_a_partial_refund_reverses_in_proportion_and_keeps_the_referral(
    refund: RefundOrder, yearly: Order, store: MemoryStore, clock: FixedClock
) -> None:
    [before] = await store.reports().subscriptions_of(yearly.customer_id)
    bought = before.periods[0].bought
    await refund.execute(yearly.order_id, "refund_half", "2499.50", REASON)
    assert await balance(store, yearly.customer_id) == 2  # 3 * 0.5 = 1.5, one taken back
    [after] = await store.reports().subscriptions_of(yearly.customer_id)
    removed = before.periods[0].ends_at - after.periods[0].ends_at
    assert abs(removed - bought / 2) < timedelta(seconds=1)
    [record] = await store.reports().referrals_of("agent_1")
    assert record.status is ReferralStatus.ACTIVE
    await refund.execute(yearly.order_id, "refund_rest", "2499.50", REASON)
    assert await balance(store, yearly.customer_id) == 0
    [record] = await store.reports().referrals_of("agent_1")
    assert record.status is ReferralStatus.REVERSED
    [final] = await store.reports().subscriptions_of(yearly.customer_id)
    assert final.periods[0].ends_at == clock.now()


async def test_a_repeated_refund_id_answers_the_first_refund_and_another_body_conflicts(
    refund: RefundOrder, yearly: Order, gateway: ScriptedGateway
) -> None:
    first = await refund.execute(yearly.order_id, "refund_1", "100", REASON)
    again = await refund.execute(yearly.order_id, "refund_1", Decimal("100.00"), REASON)
    assert again.refund_id == first.refund_id and again.state is RefundState.SUCCESS
    assert gateway.calls.count("create_refund") == 1
    with pytest.raises(RefundConflict):
        await refund.execute(yearly.order_id, "refund_1", "101", REASON)
    with pytest.raises(RefundConflict):
        await refund.execute(yearly.order_id, "refund_1", "100", "another reason")


async def test_refusals_write_nothing_and_never_reach_the_gateway(
    refund: RefundOrder,
    yearly: Order,
    create_plans: CreatePayment,
    gateway: ScriptedGateway,
    store: MemoryStore,
) -> None:
    open_order = await create_plans.execute(command("credits-10"))
    with pytest.raises(OrderNotRefundable):
        await refund.execute(open_order.order_id, "r_open", "1.00", REASON)
    with pytest.raises(OrderNotFound):
        await refund.execute("ORDER_NOPE", "r_nope", "1.00", REASON)
    with pytest.raises(RefundExceedsRemaining) as info:
        await refund.execute(yearly.order_id, "r_big", "5000.00", REASON)
    assert info.value.remaining == Money.of("4999.00")
    with pytest.raises(InvalidField):
        await refund.execute(yearly.order_id, "r_reason", "1.00", "no")
    with pytest.raises(InvalidField):
        await refund.execute(yearly.order_id, "r_float", 1.5, REASON)
    assert "create_refund" not in gateway.calls
    assert await store.reports().refunds_of(yearly.order_id) == []


async def test_a_refused_refund_fails_and_reverses_nothing(
    refund: RefundOrder, yearly: Order, gateway: ScriptedGateway, store: MemoryStore
) -> None:
    gateway.refund_error = GatewayValidationError("refund amount too high")
    failed = await refund.execute(yearly.order_id, "refund_1", "10.00", REASON)
    assert failed.state is RefundState.FAILED
    assert await balance(store, yearly.customer_id) == 3
    assert Topic.REFUND_FAILED in topics(store)
    gateway.refund_error = None
    whole = await refund.execute(yearly.order_id, "refund_2", "4999.00", REASON)
    assert whole.state is RefundState.SUCCESS  # a failed refund holds no money


async def test_an_unavailable_gateway_leaves_it_pending_for_the_reconciler(
    refund: RefundOrder,
    apply: ApplyRefundState,
    yearly: Order,
    gateway: ScriptedGateway,
    store: MemoryStore,
) -> None:
    gateway.refund_error = GatewayUnavailable("timeout")
    pending = await refund.execute(yearly.order_id, "refund_1", "4999.00", REASON)
    assert pending.state is RefundState.PENDING
    with pytest.raises(RefundExceedsRemaining):
        await refund.execute(yearly.order_id, "refund_2", "0.01", REASON)
    settled = await apply.execute(yearly.order_id, "refund_1", RefundState.SUCCESS, "cf_9")
    assert settled.state is RefundState.SUCCESS and settled.gateway_refund_id == "cf_9"
    again = await apply.execute(yearly.order_id, "refund_1", RefundState.SUCCESS)
    late = await apply.execute(yearly.order_id, "refund_1", RefundState.FAILED)
    assert again.state is late.state is RefundState.SUCCESS
    assert await balance(store, yearly.customer_id) == 0
    lines = await store.reports().statement(yearly.customer_id, 100)
    assert len([line for line in lines if line.kind is EntryKind.REVERSAL]) == 1


async def test_a_cancelled_refund_frees_its_amount_again(
    refund: RefundOrder,
    apply: ApplyRefundState,
    yearly: Order,
    gateway: ScriptedGateway,
    store: MemoryStore,
) -> None:
    gateway.refund_status = RefundStatus.ONHOLD
    pending = await refund.execute(yearly.order_id, "refund_1", "4999.00", REASON)
    assert pending.state is RefundState.PENDING
    await apply.execute(yearly.order_id, "refund_1", RefundState.CANCELLED)
    assert await balance(store, yearly.customer_id) == 3
    gateway.refund_status = RefundStatus.SUCCESS
    assert (await refund.execute(yearly.order_id, "refund_2", "4999.00", REASON)).state is (
        RefundState.SUCCESS
    )


async def test_a_reversal_stops_at_zero_when_credits_were_spent(
    refund: RefundOrder, yearly: Order, store: MemoryStore, clock: FixedClock
) -> None:
    async with store.unit_of_work() as uow:
        spend = LedgerAdjustment.by_operator(
            "adj_1", yearly.customer_id, -2, "used two", clock.now(), balance=3
        )
        await uow.ledger.add_adjustment(spend)
        await uow.commit()
    await refund.execute(yearly.order_id, "refund_1", "4999.00", REASON)
    assert await balance(store, yearly.customer_id) == 0
    lines = await store.reports().statement(yearly.customer_id, 100)
    assert [line.credits for line in lines if line.kind is EntryKind.REVERSAL] == [-1]


async def test_unknown_refunds_and_listing(
    refund: RefundOrder, apply: ApplyRefundState, yearly: Order, store: MemoryStore
) -> None:
    with pytest.raises(RefundNotFound):
        await apply.execute(yearly.order_id, "refund_nope", RefundState.SUCCESS)
    await refund.execute(yearly.order_id, "refund_a", "1.00", REASON)
    await refund.execute(yearly.order_id, "refund_b", "2.00", REASON)
    with pytest.raises(RefundNotFound):
        await apply.execute("ORDER_OTHER", "refund_a", RefundState.SUCCESS)
    listed = await ListRefunds(store.reports()).execute(yearly.order_id)
    assert [r.refund_id for r in listed] == ["refund_a", "refund_b"]
    totals = await store.reports().refund_totals()
    assert (totals.count, totals.amount) == (2, Decimal("3.00"))


async def test_settling_says_whether_the_report_changed_the_refund(
    refund: RefundOrder, apply: ApplyRefundState, yearly: Order, gateway: ScriptedGateway
) -> None:
    gateway.refund_error = GatewayUnavailable("timeout")
    await refund.execute(yearly.order_id, "refund_1", "10.00", REASON)
    first = await apply.settle(yearly.order_id, "refund_1", RefundState.SUCCESS, "cf_9")
    again = await apply.settle(yearly.order_id, "refund_1", RefundState.SUCCESS, "cf_9")
    assert (first.changed, again.changed) == (True, False)
    assert again.refund.state is RefundState.SUCCESS


async def test_a_reference_learned_after_success_reverses_nothing_again(
    refund: RefundOrder,
    apply: ApplyRefundState,
    yearly: Order,
    store: MemoryStore,
    gateway: ScriptedGateway,
    clock: FixedClock,
) -> None:
    gateway.refund_error = GatewayUnavailable("timeout")
    await refund.execute(yearly.order_id, "refund_half", "2499.50", REASON)
    await apply.settle(yearly.order_id, "refund_half", RefundState.SUCCESS, "cf_9")
    [settled] = await store.reports().subscriptions_of(yearly.customer_id)
    balance_settled = await balance(store, yearly.customer_id)
    clock.advance(3 * 86400)

    late = await apply.settle(
        yearly.order_id, "refund_half", RefundState.SUCCESS, "cf_9", arn="RF0000000042"
    )

    assert late.changed and late.refund.arn == "RF0000000042"
    assert await balance(store, yearly.customer_id) == balance_settled
    [after] = await store.reports().subscriptions_of(yearly.customer_id)
    assert after.periods == settled.periods, "the period is cut once"
    lines = await store.reports().statement(yearly.customer_id, 100)
    assert [line.entry_id for line in lines if line.kind is EntryKind.REVERSAL] == [
        "rev_refund_half"
    ]
