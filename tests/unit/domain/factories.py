"""Builders for domain objects in tests: real objects, fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.customer import Customer
from domain.money import Money
from domain.order import AttemptStatus, Order, PaymentAttempt

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CUSTOMER_ID = "cus_test_customer"


def customer() -> Customer:
    return Customer.create("Asha Rao", "Asha@Example.com", "9876543210")


def order(amount: str = "499.00", order_id: str = "ORDER_TEST") -> Order:
    return Order.create(order_id, Money.of(amount), customer(), T0, customer_id=CUSTOMER_ID)


def active_order(amount: str = "499.00", order_id: str = "ORDER_TEST") -> Order:
    o = order(amount, order_id)
    o.activate("cf_1", "session_1", T0)
    return o


def attempt(
    status: AttemptStatus,
    payment_id: str = "1",
    amount: str = "499.00",
    minutes: int = 1,
    currency: str = "INR",
) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=payment_id,
        status=status,
        amount=Money.of(amount, currency),
        at=T0 + timedelta(minutes=minutes),
        message="Transaction declined by bank" if status.is_failure else "",
        method="upi",
    )
