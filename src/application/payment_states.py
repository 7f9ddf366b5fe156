"""Each committed change of an order's payment state: one log line, and the counts.

The publishing unit of work notes an order's state when it reads it and again when it
writes it; once the write is committed, every order whose status or payment status moved,
or which recorded a failed attempt, gets one line:

    event="order state changed" order_id=... from=ACTIVE to=PAID
    payment_from=PENDING payment_to=SUCCESS reason="payment succeeded"

`from` and `payment_from` are null for a new order. The reason is short and carries no
personal data: the gateway's refusal, the bank's failure message, or what happened. The
same committed events feed `Metrics` (orders created, paid, failed by reason), so the
counts match the store and a retried or rolled-back round counts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from application.ports import Metrics
from domain.events import (
    Event,
    OrderActivated,
    OrderCreated,
    OrderCreationFailed,
    OrderExpired,
    OrderPaid,
    OrderTerminated,
    PaymentAttemptFailed,
    PaymentMismatch,
)
from domain.order import Order

log = structlog.get_logger("payments")

State = tuple[str, str]


def state_of(order: Order) -> State:
    """The order's status and payment status, as the log line names them."""
    return order.status.value, order.payment_status


@dataclass(frozen=True)
class StateChange:
    order_id: str
    before: State | None
    after: State
    reason: str

    def log(self) -> None:
        before = self.before or (None, None)
        log.info(
            "order state changed",
            order_id=self.order_id,
            **{"from": before[0], "to": self.after[0]},
            payment_from=before[1],
            payment_to=self.after[1],
            reason=self.reason,
        )


def state_change(order: Order, before: State | None, events: Sequence[Event]) -> StateChange | None:
    """The change a write of `order` makes, if it is one worth a line."""
    after = state_of(order)
    failed = any(isinstance(event, PaymentAttemptFailed) for event in events)
    if after == before and not failed:
        return None
    return StateChange(order.order_id, before, after, _reason(events))


def _reason(events: Sequence[Event]) -> str:
    """What the last event that moved the order says happened."""
    for event in reversed(events):
        if isinstance(event, OrderPaid):
            return "payment succeeded"
        if isinstance(event, PaymentMismatch):
            return "paid amount differs from the order's: not credited"
        if isinstance(event, PaymentAttemptFailed):
            return event.message or str(event.status)
        if isinstance(event, OrderCreationFailed):
            return event.reason
        if isinstance(event, OrderExpired):
            return "expired at the gateway"
        if isinstance(event, OrderTerminated):
            return "terminated"
        if isinstance(event, OrderActivated):
            return "opened at the gateway"
        if isinstance(event, OrderCreated):
            return "created"
    return "updated"


def count(events: Sequence[Event], metrics: Metrics) -> None:
    for event in events:
        if isinstance(event, OrderCreated):
            metrics.order_created()
        elif isinstance(event, OrderPaid):
            metrics.order_paid()
        elif isinstance(event, PaymentAttemptFailed):
            metrics.payment_failed(str(event.status))
        elif isinstance(event, OrderCreationFailed):
            metrics.payment_failed("CREATION_FAILED")
