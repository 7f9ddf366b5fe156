"""Paying writes the notifications of what it committed, once each, in its own
transaction: a failed attempt, the payment, the subscription period, the referral."""

from __future__ import annotations

from decimal import Decimal

from adapters.store.memory import MemoryStore
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from domain.money import Money
from domain.notifications import OutboxMessage
from domain.order import AttemptStatus
from domain.plans import Period, Plan, PlanCatalogue

from ..domain.factories import attempt
from .fakes import CountingIds, FixedClock, ScriptedGateway

PLANS = PlanCatalogue(
    [Plan("premium-monthly", "Premium", Money.of("499.00"), period=Period.MONTHLY, kind="premium")]
)


async def outbox(units: UnitOfWorkFactory, clock: FixedClock) -> list[OutboxMessage]:
    async with units() as uow:
        return await uow.outbox.due(clock.now().replace(year=2100), 100)


async def test_a_paid_plan_notifies_customer_and_agent_once_each(
    units: UnitOfWorkFactory, gateway: ScriptedGateway, clock: FixedClock, store: MemoryStore
) -> None:
    create = CreatePayment(
        units, gateway, clock, CountingIds(), "http://t/r/{order_id}", "http://t/h", plans=PLANS
    )
    confirm = ConfirmPayment(units, gateway, clock, Decimal("0.10"))
    order = await create.execute(
        CreatePaymentCommand(
            None, "Asha Rao", "asha@example.com", "9876543210", "premium-monthly", None, "agent_1"
        )
    )
    gateway.payments[order.order_id] = [attempt(AttemptStatus.FAILED, payment_id="1")]
    await confirm.execute(order.order_id)
    gateway.payments[order.order_id].append(attempt(AttemptStatus.SUCCESS, payment_id="2"))
    for _ in range(3):  # repeated confirmations add nothing
        await confirm.execute(order.order_id)

    messages = await outbox(units, clock)
    assert sorted((m.topic, m.recipient_kind, m.recipient_id) for m in messages) == [
        ("payment.failed", "customer", order.customer_id),
        ("payment.succeeded", "customer", order.customer_id),
        ("referral.earned", "agent", "agent_1"),
        ("subscription.activated", "customer", order.customer_id),
    ]
    assert {m.order_id for m in messages} == {order.order_id}
    inbox = await store.reports().notifications_of(order.customer_id, 10)
    assert len(inbox) == 3
