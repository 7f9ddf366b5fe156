"""A store's worth of realistic history, written through the ordinary repositories.

Orders in every state (several attempts each, a mismatched amount, a payment after
expiry), grants, reversals and adjustments, subscriptions whose versions moved on and
whose periods a refund shortened, referrals active and reversed, refunds in every state,
and outbox messages pending, failed, delivered and read. Times carry microseconds and
some are written in IST; names and payloads are not ASCII.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from application.ports import Store
from application.store_digest import canonical
from application.store_transfer import RecordKind
from domain.accounts import CustomerProfile
from domain.customer import Customer
from domain.ledger import EntryKind, LedgerAdjustment, credit_for
from domain.money import Money
from domain.notifications import OutboxMessage, RecipientKind, Topic
from domain.order import AttemptStatus, Order, PaymentAttempt
from domain.plans import Period, Purchase
from domain.referrals import ReferralRecord
from domain.refunds import Refund, RefundState
from domain.subscriptions import Subscription

T0 = datetime(2026, 3, 1, 9, 30, 15, 250001, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))
PREMIUM = Purchase("premium-monthly", 5, Period.MONTHLY, "premium")
RATE = Decimal("0.10")
CUSTOMERS = (
    ("cus_ananya", Customer("Ananya Śrīnivāsan", "ananya@example.com", "9876543210"), "agent_7"),
    ("cus_ravi", Customer("Ravi Kumar", "ravi.kumar@example.in", "9123456780"), None),
    ("cus_meera", Customer("Meera Nair 🌼", "meera@example.org", "7012345678"), "agent_9"),
)
STATES = 9


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _attempt(
    order: Order, suffix: str, status: AttemptStatus, minutes: float, amount: Money | None = None
) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=f"cf_pay_{order.order_id}_{suffix}",
        status=status,
        amount=amount or order.amount,
        at=at(minutes),
        message="Transaction declined by bank - retry" if status.is_failure else "",
        method="upi" if suffix.endswith("1") else "credit_card",
        bank_reference="" if status is AttemptStatus.PENDING else f"UTR{order.order_id}{suffix}",
    )


def _order(index: int) -> Order:
    """Order `index` in state `index % STATES`, its time about `index` minutes after T0."""
    customer_id, customer, _ = CUSTOMERS[(index + index // STATES) % len(CUSTOMERS)]
    state = index % STATES
    minutes = index * 3
    purchase = PREMIUM if state == 4 else Purchase.free_amount()
    amount = Money.of("499.00" if state == 4 else f"{100 + index}.{index % 100:02d}")
    order = Order.create(
        f"ORDER_{index:04d}",
        amount,
        customer,
        at(minutes),
        customer_id=customer_id,
        purchase=purchase,
    )
    if state == 0:
        return order
    if state == 1:
        order.fail_to_create("gateway unreachable", at(minutes + 0.5))
        return order
    order.activate(f"cf_{index}", f"session_{index}_" + "x" * 40, at(minutes + 0.5))
    if state == 2:
        order.record_attempt(
            _attempt(order, "1", AttemptStatus.FAILED, minutes + 1), at(minutes + 1)
        )
        order.record_attempt(
            _attempt(order, "2", AttemptStatus.PENDING, minutes + 2), at(minutes + 2)
        )
    elif state in (3, 4):
        order.record_attempt(
            _attempt(order, "1", AttemptStatus.FAILED, minutes + 1), at(minutes + 1)
        )
        order.record_attempt(
            _attempt(order, "2", AttemptStatus.SUCCESS, minutes + 2), at(minutes + 2)
        )
    elif state == 5:
        order.record_attempt(
            _attempt(order, "1", AttemptStatus.USER_DROPPED, minutes + 1), at(minutes + 1)
        )
        order.expire(at(minutes + 30))
    elif state == 6:
        order.terminate(at(minutes + 5).astimezone(IST))
    elif state == 7:
        order.expire(at(minutes + 30))
        order.record_attempt(
            _attempt(order, "1", AttemptStatus.SUCCESS, minutes + 31), at(minutes + 31)
        )
    else:
        wrong = Money.of("1.00")
        order.record_attempt(
            _attempt(order, "1", AttemptStatus.SUCCESS, minutes + 1, wrong), at(minutes + 1)
        )
    order.version = index % 4
    order.pull_events()
    return order


def _message(index: int, order: Order, topic: Topic, minutes: float) -> OutboxMessage:
    return OutboxMessage.new(
        topic=topic,
        subject=f"{order.order_id}:{index}",
        recipient_kind=RecipientKind.CUSTOMER,
        recipient_id=order.customer_id,
        order_id=order.order_id,
        title=f"Paiement reçu — {order.amount.amount} ₹",
        body="Thank you! धन्यवाद",
        payload={
            "orderId": order.order_id,
            "amount": str(order.amount.amount),
            "credits": order.purchase.credits,
            "plan": {"id": order.purchase.plan_id, "tags": ["a", "ü"], "renews": True},
        },
        at=at(minutes),
    )


async def fill(store: Store, orders: int = 45) -> None:
    """Write the history into an empty `store`, unit of work by unit of work."""
    built = [_order(index) for index in range(orders)]
    paid = [o for o in built if o.paying_attempt is not None and o.status.value == "PAID"]
    async with store.unit_of_work() as uow:
        for customer_id, customer, agent in CUSTOMERS:
            await uow.customers.upsert(
                CustomerProfile(
                    customer_id, customer.name, customer.email, customer.phone, agent, T0
                )
            )
        for order in built:
            await uow.orders.add(order)
        for order in paid:
            await uow.ledger.add(credit_for(order, order.paid_at or T0))
        await uow.commit()

    premium = [o for o in paid if o.purchase.kind == "premium"]
    for step, order in enumerate(premium):
        async with store.unit_of_work() as uow:
            current = await uow.subscriptions.get(order.customer_id, "premium")
            subscription = current or Subscription.for_plan(order.customer_id, order.purchase)
            subscription.activate(order.order_id, order.purchase, at(100 + step))
            await uow.subscriptions.save(subscription)
            agent = next(a for c, _, a in CUSTOMERS if c == order.customer_id)
            if agent is not None:
                await uow.referrals.add(
                    ReferralRecord.earn(
                        agent, order.customer_id, order.order_id, order.amount, RATE
                    )
                )
            await uow.commit()

    states = [RefundState.SUCCESS, RefundState.PENDING, RefundState.FAILED, RefundState.CANCELLED]
    for index, order in enumerate(paid):
        state = states[index % len(states)]
        full = index % 8 == 0
        amount = order.amount if full else Money.of("10.00")
        refund = Refund.request(
            f"rf_{order.order_id}",
            order.order_id,
            order.customer_id,
            amount,
            "customer asked - इसे वापस करें",
            at(200 + index),
            paid=order.amount,
        )
        async with store.unit_of_work() as uow:
            await uow.refunds.add(refund)
            await uow.commit()
        if state is RefundState.PENDING:
            continue
        async with store.unit_of_work() as uow:
            loaded = await uow.refunds.get(refund.refund_id)
            assert loaded is not None
            arn = f"RF{index:010d}" if state is RefundState.SUCCESS else ""
            loaded.settle(state, at(210 + index), f"cf_refund_{index}", arn)
            await uow.refunds.save(loaded)
            if state is RefundState.SUCCESS:
                await uow.ledger.add_adjustment(
                    LedgerAdjustment(
                        f"rev_{refund.refund_id}",
                        order.customer_id,
                        EntryKind.REVERSAL,
                        -1,
                        at(210 + index),
                        "refund",
                        order.order_id,
                        refund.refund_id,
                    )
                )
                if order.purchase.kind == "premium":
                    subscription = await uow.subscriptions.get(order.customer_id, "premium")
                    assert subscription is not None
                    subscription.shorten_period(order.order_id, Decimal("0.5"), at(210 + index))
                    await uow.subscriptions.save(subscription)
                referral = await uow.referrals.get(order.order_id)
                if referral is not None and full:
                    await uow.referrals.save(referral.reverse())
            await uow.commit()

    async with store.unit_of_work() as uow:
        for customer_id, _, _ in CUSTOMERS:
            await uow.ledger.add_adjustment(
                LedgerAdjustment.by_operator(
                    f"adj_{customer_id}", customer_id, 3, "goodwill - सद्भावना", at(300), 0
                )
            )
        for index, order in enumerate(built):
            if order.attempts:
                topic = Topic.PAYMENT_SUCCEEDED if order in paid else Topic.PAYMENT_FAILED
                await uow.outbox.add(_message(index, order, topic, 2 + index * 3))
        await uow.commit()

    async with store.unit_of_work() as uow:
        due = await uow.outbox.due(at(10_000), 1000)
        for position, message in enumerate(due):
            if position % 4 == 0:
                await uow.outbox.mark_delivered([message.message_id], at(400 + position))
            elif position % 4 == 1:
                await uow.outbox.mark_failed(
                    message.message_id, "HTTP 503 from receiver", at(500 + position)
                )
            if position % 3 == 0:
                await uow.outbox.mark_read(
                    message.recipient_id, [message.message_id], at(450 + position)
                )
        await uow.commit()


async def contents(store: Store) -> dict[RecordKind, list[str]]:
    """Every record of `store` in canonical form, sorted, kind by kind."""
    transfer = store.transfer()
    found: dict[RecordKind, list[str]] = {}
    for kind in RecordKind:
        lines = [
            canonical(record) async for batch in transfer.batches(kind, 1000) for record in batch
        ]
        found[kind] = sorted(lines)
    return found
