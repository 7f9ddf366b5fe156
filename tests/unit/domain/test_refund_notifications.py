"""What refund events tell the customer and the referral agent."""

from __future__ import annotations

from domain.money import Money
from domain.notifications import RecipientKind, Topic, notifications_for
from domain.refunds import (
    ReferralReversed,
    RefundFailed,
    RefundReferenced,
    RefundRequested,
    RefundSucceeded,
)

from .factories import CUSTOMER_ID, T0

AMOUNT = Money.of("100.00")


def test_a_settled_refund_tells_the_customer_and_a_reversal_the_agent() -> None:
    events = [
        RefundRequested("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "PENDING"),
        RefundSucceeded("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "SUCCESS"),
        RefundFailed("ORDER_1", T0, "r2", CUSTOMER_ID, AMOUNT, "CANCELLED"),
        ReferralReversed("ORDER_1", T0, "agent_1", CUSTOMER_ID, "r1", Money.of("10.00")),
    ]
    messages = notifications_for(events, {})
    assert [(m.topic, m.recipient_kind, m.recipient_id) for m in messages] == [
        (Topic.REFUND_SUCCEEDED, RecipientKind.CUSTOMER, CUSTOMER_ID),
        (Topic.REFUND_FAILED, RecipientKind.CUSTOMER, CUSTOMER_ID),
        (Topic.REFERRAL_REVERSED, RecipientKind.AGENT, "agent_1"),
    ]
    assert messages[0].payload["refundId"] == "r1" and messages[0].payload["amount"] == "100.00"
    assert messages[1].payload["state"] == "CANCELLED"
    assert messages[2].payload["commission"] == "10.00"
    again = notifications_for(events[1:2], {})
    assert again[0].message_id == messages[0].message_id  # one fact, one message


def test_a_returned_refund_gives_the_customer_the_banks_reference() -> None:
    returned = RefundSucceeded("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "SUCCESS", "RF0000000009")
    [with_arn] = notifications_for([returned], {})
    [without] = notifications_for(
        [RefundSucceeded("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "SUCCESS")], {}
    )

    assert with_arn.body.endswith("Your bank's reference for it is RF0000000009.")
    assert with_arn.payload["arn"] == "RF0000000009"
    assert "reference" not in without.body and "arn" not in without.payload


def test_a_reference_learned_later_is_a_message_of_its_own_once() -> None:
    learned = RefundReferenced("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "SUCCESS", "RF0000000010")
    [message] = notifications_for([learned], {})
    [again] = notifications_for([learned], {})
    [succeeded] = notifications_for(
        [RefundSucceeded("ORDER_1", T0, "r1", CUSTOMER_ID, AMOUNT, "SUCCESS")], {}
    )

    assert (message.topic, message.recipient_id) == (Topic.REFUND_REFERENCED, CUSTOMER_ID)
    assert message.body == (
        "Your bank's reference for the refund of INR 100.00 for order ORDER_1 is RF0000000010."
    )
    assert message.payload["arn"] == "RF0000000010" and message.payload["refundId"] == "r1"
    assert again.message_id == message.message_id, "one reference, one message"
    assert succeeded.message_id != message.message_id
