"""The credit ledger: append-only, one entry per paid order, never two.

Credit rule v1 (the seed's): one credit for each paid order. The rule lives here; the
store's uniqueness on `order_id` is what makes "never two" hold under concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import IllegalTransition
from domain.money import Money
from domain.order import Order, OrderStatus

CREDITS_PER_PAID_ORDER = 1


@dataclass(frozen=True)
class CreditEntry:
    """One grant of credits, keyed by the order that earned it."""

    order_id: str
    payment_id: str
    credits: int
    amount: Money
    customer_name: str
    customer_email: str
    method: str
    at: datetime


def credit_for(order: Order, now: datetime) -> CreditEntry:
    """The ledger entry a paid order earns; refuses an order that is not paid."""
    paying = order.paying_attempt
    if order.status is not OrderStatus.PAID or paying is None:
        raise IllegalTransition(order.order_id, order.status, "credit")
    return CreditEntry(
        order_id=order.order_id,
        payment_id=paying.payment_id,
        credits=CREDITS_PER_PAID_ORDER,
        amount=order.amount,
        customer_name=order.customer.name,
        customer_email=order.customer.email,
        method=paying.method,
        at=now,
    )
