"""Notifications: what committed payment facts tell customers and referral agents.

A notification is written to the outbox in the same transaction as the fact it describes
and delivered later, at least once. Its id is derived from the fact (topic, subject,
recipient), so the same fact written twice is one message, and a receiver sees the same
id on every retry. Everything here is pure: the mapping from events, the retry schedule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.events import (
    Event,
    OrderPaid,
    PaymentAttemptFailed,
    ReferralEarned,
    SubscriptionActivated,
)
from domain.refunds import (
    ReferralReversed,
    RefundEvent,
    RefundFailed,
    RefundReferenced,
    RefundSucceeded,
)

MESSAGE_ID_PREFIX = "msg_"
FIRST_RETRY = timedelta(seconds=1)
MAX_RETRY = timedelta(minutes=10)
ERROR_MAX = 500

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class Topic(StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    SUBSCRIPTION_ACTIVATED = "subscription.activated"
    REFERRAL_EARNED = "referral.earned"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    REFUND_REFERENCED = "refund.referenced"
    REFERRAL_REVERSED = "referral.reversed"


class RecipientKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


def message_id_for(topic: str, subject: str, recipient_kind: str, recipient_id: str) -> str:
    """The id of the one message a fact makes for a recipient: the same inputs, the same id."""
    key = "\x1f".join((topic, subject, recipient_kind, recipient_id))
    return MESSAGE_ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification and its delivery state (`read_at` is the recipient's inbox mark)."""

    message_id: str
    topic: str
    recipient_kind: str
    recipient_id: str
    order_id: str
    title: str
    body: str
    payload: Mapping[str, JsonValue]
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None
    read_at: datetime | None = None

    @classmethod
    def new(
        cls,
        *,
        topic: Topic,
        subject: str,
        recipient_kind: RecipientKind,
        recipient_id: str,
        order_id: str,
        title: str,
        body: str,
        payload: Mapping[str, JsonValue],
        at: datetime,
    ) -> OutboxMessage:
        """A message due at once, its id derived from (topic, subject, recipient)."""
        return cls(
            message_id=message_id_for(topic, subject, recipient_kind, recipient_id),
            topic=topic.value,
            recipient_kind=recipient_kind.value,
            recipient_id=recipient_id,
            order_id=order_id,
            title=title,
            body=body,
            payload=dict(payload),
            created_at=at,
            next_attempt_at=at,
        )

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None

    def delivered(self, now: datetime) -> OutboxMessage:
        return replace(self, attempts=self.attempts + 1, delivered_at=now, last_error=None)

    def failed(self, error: str, next_attempt_at: datetime) -> OutboxMessage:
        return replace(
            self,
            attempts=self.attempts + 1,
            last_error=error[:ERROR_MAX],
            next_attempt_at=next_attempt_at,
        )

    def read(self, now: datetime) -> OutboxMessage:
        """Marked read now, unless it already was (the first read time is kept)."""
        return self if self.read_at is not None else replace(self, read_at=now)


@dataclass(frozen=True)
class InboxNotification:
    """A customer's notification as their inbox shows it."""

    notification_id: str
    topic: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None = field(default=None)

    @classmethod
    def of(cls, message: OutboxMessage) -> InboxNotification:
        return cls(
            message.message_id,
            message.topic,
            message.title,
            message.body,
            message.created_at,
            message.read_at,
        )


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed delivery: 1 s, 2 s, 4 s ... 10 min."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    # Past 2**10 s the cap applies anyway; bounding the exponent keeps the number small.
    delay: timedelta = FIRST_RETRY * (2 ** min(attempts - 1, 20))
    return min(delay, MAX_RETRY)


def next_attempt_after(now: datetime, attempts: int) -> datetime:
    """When to try again after the `attempts`-th failed delivery, failed at `now`."""
    return now + retry_delay(attempts)


def notifications_for(
    events: Sequence[Event], customer_of_order: Mapping[str, str]
) -> list[OutboxMessage]:
    """The messages committed `events` call for, in event order.

    `customer_of_order` names the customer of each order written with the events (order
    events do not carry it); an order event whose customer is unknown makes no message.
    Events of other kinds make none.
    """
    messages: list[OutboxMessage] = []
    for event in events:
        message = _message_for(event, customer_of_order)
        if message is not None:
            messages.append(message)
    return messages


def _message_for(event: Event, customer_of_order: Mapping[str, str]) -> OutboxMessage | None:
    if isinstance(event, SubscriptionActivated):
        return OutboxMessage.new(
            topic=Topic.SUBSCRIPTION_ACTIVATED,
            subject=event.order_id,
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_id=event.customer_id,
            order_id=event.order_id,
            title="Subscription active",
            body=f"Your {event.kind} subscription runs until {event.ends_at.date().isoformat()}.",
            payload={
                "orderId": event.order_id,
                "customerId": event.customer_id,
                "kind": event.kind,
                "planId": event.plan_id,
                "startsAt": event.starts_at.isoformat(),
                "endsAt": event.ends_at.isoformat(),
            },
            at=event.at,
        )
    if isinstance(event, ReferralEarned):
        return OutboxMessage.new(
            topic=Topic.REFERRAL_EARNED,
            subject=event.order_id,
            recipient_kind=RecipientKind.AGENT,
            recipient_id=event.agent_id,
            order_id=event.order_id,
            title="Referral commission earned",
            body=f"You earned {event.commission.currency} {event.commission.amount} "
            f"on order {event.order_id}.",
            payload={
                "orderId": event.order_id,
                "agentId": event.agent_id,
                "customerId": event.customer_id,
                "amount": str(event.amount.amount),
                "commission": str(event.commission.amount),
                "currency": event.commission.currency,
            },
            at=event.at,
        )
    refund_message = _refund_message(event)
    if refund_message is not None:
        return refund_message
    customer_id = customer_of_order.get(event.order_id, "")
    if not customer_id:
        return None
    if isinstance(event, OrderPaid):
        return OutboxMessage.new(
            topic=Topic.PAYMENT_SUCCEEDED,
            subject=event.order_id,
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_id=customer_id,
            order_id=event.order_id,
            title="Payment received",
            body=f"We received {event.amount.currency} {event.amount.amount} "
            f"for order {event.order_id}.",
            payload={
                "orderId": event.order_id,
                "customerId": customer_id,
                "paymentId": event.payment_id,
                "amount": str(event.amount.amount),
                "currency": event.amount.currency,
            },
            at=event.at,
        )
    if isinstance(event, PaymentAttemptFailed):
        return OutboxMessage.new(
            topic=Topic.PAYMENT_FAILED,
            subject=f"{event.order_id}/{event.payment_id}",
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_id=customer_id,
            order_id=event.order_id,
            title="Payment not completed",
            body=f"A payment attempt for order {event.order_id} did not go through; "
            "you can try again.",
            payload={
                "orderId": event.order_id,
                "customerId": customer_id,
                "paymentId": event.payment_id,
                "status": str(event.status),
            },
            at=event.at,
        )
    return None


def _refund_message(event: Event) -> OutboxMessage | None:
    """The customer hears how a refund ended, and of its bank's reference if that came
    later; the agent hears of a reversed commission."""
    if isinstance(event, ReferralReversed):
        return OutboxMessage.new(
            topic=Topic.REFERRAL_REVERSED,
            subject=event.order_id,
            recipient_kind=RecipientKind.AGENT,
            recipient_id=event.agent_id,
            order_id=event.order_id,
            title="Referral commission reversed",
            body=f"Order {event.order_id} was refunded; your commission of "
            f"{event.commission.currency} {event.commission.amount} is reversed.",
            payload={
                "orderId": event.order_id,
                "agentId": event.agent_id,
                "customerId": event.customer_id,
                "refundId": event.refund_id,
                "commission": str(event.commission.amount),
                "currency": event.commission.currency,
            },
            at=event.at,
        )
    if isinstance(event, RefundReferenced):
        return _told_to_customer(
            event,
            Topic.REFUND_REFERENCED,
            "Refund reference",
            f"Your bank's reference for the refund of {_amount(event)} "
            f"for order {event.order_id} is {event.arn}.",
            event.arn,
        )
    if isinstance(event, RefundSucceeded):
        reference = f" Your bank's reference for it is {event.arn}." if event.arn else ""
        return _told_to_customer(
            event,
            Topic.REFUND_SUCCEEDED,
            "Refund completed",
            f"We refunded {_amount(event)} for order {event.order_id}.{reference}",
            event.arn,
        )
    if isinstance(event, RefundFailed):
        return _told_to_customer(
            event,
            Topic.REFUND_FAILED,
            "Refund not completed",
            f"The refund of {_amount(event)} for order {event.order_id} did not go through.",
            "",
        )
    return None


def _amount(event: RefundEvent) -> str:
    return f"{event.amount.currency} {event.amount.amount}"


def _told_to_customer(
    event: RefundEvent, topic: Topic, title: str, body: str, arn: str
) -> OutboxMessage:
    """A refund's message to its customer, with the bank's reference (`arn`) when known."""
    return OutboxMessage.new(
        topic=topic,
        subject=event.refund_id,
        recipient_kind=RecipientKind.CUSTOMER,
        recipient_id=event.customer_id,
        order_id=event.order_id,
        title=title,
        body=body,
        payload={
            "orderId": event.order_id,
            "customerId": event.customer_id,
            "refundId": event.refund_id,
            "amount": str(event.amount.amount),
            "currency": event.amount.currency,
            "state": event.state,
            **({"arn": arn} if arn else {}),
        },
        at=event.at,
    )
