"""Real domain objects at fixed times for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports import Store
from domain.accounts import CustomerProfile
from domain.customer import Customer
from domain.ledger import CreditEntry, credit_for
from domain.money import Money
from domain.notifications import OutboxMessage, RecipientKind, Topic
from domain.order import AttemptStatus, Order, PaymentAttempt
from domain.refunds import Refund

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
CUSTOMER_ID = "cus_test_customer"
REASON = "customer asked"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer(name: str = "Ananya Śrīnivāsan") -> Customer:
    return Customer.create(name, "Ananya@Example.com", "9876543210")


def active_order(order_id: str, amount: str = "499.00", minutes: int = 0) -> Order:
    order = Order.create(
        order_id, Money.of(amount), customer(), at(minutes), customer_id=CUSTOMER_ID
    )
    order.activate(f"cf_{order_id}", f"session_{order_id}", at(minutes))
    return order


def attempt(
    payment_id: str, status: AttemptStatus, amount: str = "499.00", minutes: int = 1
) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=payment_id,
        status=status,
        amount=Money.of(amount),
        at=at(minutes),
        message="Transaction declined by bank" if status.is_failure else "",
        method="upi",
        bank_reference=f"UTR{payment_id}",
    )


def paid_order(order_id: str, amount: str = "499.00", minutes: int = 0) -> Order:
    """Failed once, then paid: two attempts, in that order."""
    order = active_order(order_id, amount, minutes)
    order.record_attempt(
        attempt(f"{order_id}_1", AttemptStatus.FAILED, amount, minutes + 1), at(minutes + 1)
    )
    order.record_attempt(
        attempt(f"{order_id}_2", AttemptStatus.SUCCESS, amount, minutes + 2), at(minutes + 2)
    )
    return order


def profile(customer_id: str = "cus_a", agent: str | None = None) -> CustomerProfile:
    return CustomerProfile(customer_id, "Asha Rao", "asha@example.com", "9876543210", agent, at(0))


def credit(order: Order, minutes: int = 3) -> CreditEntry:
    return credit_for(order, at(minutes))


def message(
    subject: str,
    minutes: int = 0,
    recipient: str = CUSTOMER_ID,
    kind: RecipientKind = RecipientKind.CUSTOMER,
    topic: Topic = Topic.PAYMENT_SUCCEEDED,
) -> OutboxMessage:
    return OutboxMessage.new(
        topic=topic,
        subject=subject,
        recipient_kind=kind,
        recipient_id=recipient,
        order_id=subject,
        title=f"Payment received for {subject}",
        body="We received ₹499.00 — thank you.",
        payload={"orderId": subject, "amount": "499.00", "nested": {"ok": True, "n": [1, None]}},
        at=at(minutes),
    )


def refund(refund_id: str, order_id: str, amount: str, minutes: int) -> Refund:
    """A PENDING refund of a paid order of 499.00."""
    return Refund.request(
        refund_id,
        order_id,
        CUSTOMER_ID,
        Money.of(amount),
        REASON,
        at(minutes),
        paid=Money.of("499.00"),
    )


async def add_orders(store: Store, *orders: Order) -> None:
    """The orders added in one unit of work."""
    async with store.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)
        await uow.commit()
