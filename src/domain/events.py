"""Domain events: facts an aggregate records, dispatched by the application after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.money import Money


@dataclass(frozen=True)
class Event:
    """Something that happened to one order."""

    order_id: str
    at: datetime


@dataclass(frozen=True)
class OrderCreated(Event):
    amount: Money


@dataclass(frozen=True)
class OrderActivated(Event):
    payment_session_id: str


@dataclass(frozen=True)
class OrderCreationFailed(Event):
    reason: str


@dataclass(frozen=True)
class PaymentAttemptRecorded(Event):
    """A new attempt, or a known attempt whose status moved on."""

    payment_id: str
    status: str
    message: str


@dataclass(frozen=True)
class PaymentAttemptFailed(Event):
    payment_id: str
    status: str
    message: str


@dataclass(frozen=True)
class PaymentMismatch(Event):
    """A success whose amount or currency differs from the order's: never credited."""

    payment_id: str
    expected: Money
    received: Money


@dataclass(frozen=True)
class OrderPaid(Event):
    payment_id: str
    amount: Money


@dataclass(frozen=True)
class OrderExpired(Event):
    pass


@dataclass(frozen=True)
class OrderTerminated(Event):
    pass


@dataclass(frozen=True)
class OrderCredited(Event):
    """The ledger granted a paid order its credits (recorded when the entry is written)."""

    credits: int


@dataclass(frozen=True)
class SubscriptionActivated(Event):
    """A paid order's period was added to the customer's subscription of `kind`."""

    customer_id: str
    kind: str
    plan_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ReferralEarned(Event):
    """An agent earned a commission on an order paid by a customer they referred."""

    agent_id: str
    customer_id: str
    amount: Money
    commission: Money
