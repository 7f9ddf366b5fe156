"""Which committed facts notify whom, the deterministic message ids, the retry schedule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.events import (
    OrderCreated,
    OrderCredited,
    OrderPaid,
    PaymentAttemptFailed,
    ReferralEarned,
    SubscriptionActivated,
)
from domain.money import Money
from domain.notifications import (
    InboxNotification,
    JsonValue,
    OutboxMessage,
    RecipientKind,
    Topic,
    message_id_for,
    next_attempt_after,
    notifications_for,
    retry_delay,
)

from .factories import T0

CUSTOMERS = {"ORDER_A": "cus_a", "ORDER_B": "cus_b"}


def paid(order_id: str = "ORDER_A", payment_id: str = "p1") -> OrderPaid:
    return OrderPaid(order_id, T0, payment_id, Money.of("499.00"))


def failed(order_id: str = "ORDER_A", payment_id: str = "p1") -> PaymentAttemptFailed:
    return PaymentAttemptFailed(order_id, T0, payment_id, "FAILED", "card declined")


def activated() -> SubscriptionActivated:
    return SubscriptionActivated(
        "ORDER_A", T0, "cus_a", "premium", "premium-monthly", T0, T0 + timedelta(days=31)
    )


def referral() -> ReferralEarned:
    return ReferralEarned("ORDER_A", T0, "agent_7", "cus_a", Money.of("499.00"), Money.of("49.90"))


def test_each_fact_notifies_its_recipient() -> None:
    messages = notifications_for([paid(), failed(), activated(), referral()], CUSTOMERS)
    assert [(m.topic, m.recipient_kind, m.recipient_id) for m in messages] == [
        ("payment.succeeded", "customer", "cus_a"),
        ("payment.failed", "customer", "cus_a"),
        ("subscription.activated", "customer", "cus_a"),
        ("referral.earned", "agent", "agent_7"),
    ]
    assert all(m.order_id == "ORDER_A" for m in messages)
    assert all(m.created_at == T0 == m.next_attempt_at for m in messages)
    assert all(m.attempts == 0 and m.delivered_at is None for m in messages)


def test_other_events_and_unknown_customers_make_no_message() -> None:
    events = [
        OrderCreated("ORDER_A", T0, Money.of("1.00")),
        OrderCredited("ORDER_A", T0, 1),
        paid("ORDER_UNKNOWN"),
        failed("ORDER_UNKNOWN"),
    ]
    assert notifications_for(events, CUSTOMERS) == []
    assert notifications_for([paid()], {"ORDER_A": ""}) == []


def test_the_same_fact_is_the_same_message_id() -> None:
    first = notifications_for([paid()], CUSTOMERS)[0]
    again = notifications_for([paid(payment_id="p2")], CUSTOMERS)[0]
    assert first.message_id == again.message_id  # an order is paid once
    assert first.message_id.startswith("msg_") and len(first.message_id) == 36
    other_order = notifications_for([paid("ORDER_B")], CUSTOMERS)[0]
    assert other_order.message_id != first.message_id


def test_each_failed_attempt_is_its_own_message() -> None:
    messages = notifications_for(
        [failed(payment_id="p1"), failed(payment_id="p2"), failed(payment_id="p1")], CUSTOMERS
    )
    ids = [m.message_id for m in messages]
    assert ids[0] != ids[1] and ids[0] == ids[2]


def test_message_id_depends_on_every_part() -> None:
    base = message_id_for("payment.succeeded", "ORDER_A", "customer", "cus_a")
    assert base == message_id_for("payment.succeeded", "ORDER_A", "customer", "cus_a")
    assert base != message_id_for("payment.failed", "ORDER_A", "customer", "cus_a")
    assert base != message_id_for("payment.succeeded", "ORDER_B", "customer", "cus_a")
    assert base != message_id_for("payment.succeeded", "ORDER_A", "agent", "cus_a")
    assert base != message_id_for("payment.succeeded", "ORDER_A", "customer", "cus_b")


def test_payloads_are_plain_json_with_exact_amounts() -> None:
    messages = notifications_for([paid(), failed(), activated(), referral()], CUSTOMERS)
    for message in messages:
        assert json.loads(json.dumps(message.payload)) == message.payload
    assert messages[0].payload["amount"] == "499.00"
    assert messages[0].payload["paymentId"] == "p1"
    assert messages[1].payload["status"] == "FAILED"
    assert messages[2].payload["endsAt"] == (T0 + timedelta(days=31)).isoformat()
    assert messages[3].payload["commission"] == "49.90"
    assert "49.90" in messages[3].body


def test_retry_schedule_doubles_up_to_ten_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in range(1, 12)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        512,
        600,
    ]
    assert retry_delay(10_000) == timedelta(minutes=10)
    assert next_attempt_after(T0, 3) == T0 + timedelta(seconds=4)
    with pytest.raises(ValueError):
        retry_delay(0)


def test_delivery_and_failure_count_attempts() -> None:
    message = notifications_for([paid()], CUSTOMERS)[0]
    failed_once = message.failed("x" * 1000, T0 + timedelta(seconds=1))
    assert failed_once.attempts == 1
    assert failed_once.last_error is not None and len(failed_once.last_error) == 500
    assert failed_once.next_attempt_at == T0 + timedelta(seconds=1)
    done = failed_once.delivered(T0 + timedelta(seconds=2))
    assert done.attempts == 2 and done.is_delivered and done.last_error is None


def test_read_keeps_the_first_read_time_and_inbox_shows_it() -> None:
    message = notifications_for([paid()], CUSTOMERS)[0]
    assert message.read(T0).read(T0 + timedelta(hours=1)).read_at == T0
    inbox = InboxNotification.of(message.read(T0))
    assert inbox == InboxNotification(
        message.message_id, "payment.succeeded", message.title, message.body, T0, T0
    )


def test_new_copies_the_payload() -> None:
    payload: dict[str, JsonValue] = {"a": "1"}
    message = OutboxMessage.new(
        topic=Topic.PAYMENT_SUCCEEDED,
        subject="ORDER_A",
        recipient_kind=RecipientKind.CUSTOMER,
        recipient_id="cus_a",
        order_id="ORDER_A",
        title="t",
        body="b",
        payload=payload,
        at=T0,
    )
    payload["a"] = "2"
    assert message.payload == {"a": "1"}
