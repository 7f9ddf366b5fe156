"""CashfreeNotifications: the PaymentNotifications port over Cashfree's signed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.gateway.cashfree_webhook import CashfreeNotifications
from application.errors import NotificationUnauthentic, NotificationUnreadable
from application.ports import PaymentNotifications
from cashfree_simulator.wire import sign
from domain.order import AttemptStatus

SECRET = "test-secret-key"
NOW = datetime(2026, 1, 1, 6, 30, tzinfo=UTC)


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def payment_body(kind: str = "PAYMENT_SUCCESS_WEBHOOK", status: str = "SUCCESS") -> bytes:
    return json.dumps(
        {
            "data": {
                "order": {"order_id": "order_1", "order_amount": 499.0, "order_currency": "INR"},
                "payment": {
                    "cf_payment_id": 77,
                    "payment_status": status,
                    "payment_amount": 499.0,
                    "payment_currency": "INR",
                    "payment_message": "ok",
                    "payment_time": "2026-01-01T12:00:00+05:30",
                    "payment_group": "upi",
                },
            },
            "type": kind,
        }
    ).encode()


def signed(body: bytes, at: datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    timestamp = _ms(at)
    return {"x-webhook-timestamp": timestamp, "x-webhook-signature": sign(secret, timestamp, body)}


@pytest.fixture
def notifications() -> PaymentNotifications:
    return CashfreeNotifications(SECRET, tolerance_seconds=300)


def test_a_signed_payment_webhook_is_its_attempt(notifications: PaymentNotifications) -> None:
    body = payment_body()
    notification = notifications.verify_and_parse(signed(body), body, NOW)
    assert notification is not None
    assert notification.order_id == "order_1"
    assert notification.type == "PAYMENT_SUCCESS_WEBHOOK"
    assert notification.attempt.status is AttemptStatus.SUCCESS
    assert notification.attempt.amount.amount == Decimal("499.00")


def test_header_names_are_matched_without_case(notifications: PaymentNotifications) -> None:
    body = payment_body()
    headers = {name.upper(): value for name, value in signed(body).items()}
    assert notifications.verify_and_parse(headers, body, NOW) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-webhook-timestamp": _ms(NOW)},
        {"x-webhook-timestamp": "soon", "x-webhook-signature": "c2ln"},
        signed(payment_body(), secret="not-our-secret"),
        signed(payment_body(), at=NOW - timedelta(seconds=301)),
        signed(payment_body(), at=NOW + timedelta(seconds=301)),
        signed(b"{}"),
    ],
    ids=["none", "no-signature", "bad-timestamp", "wrong-secret", "stale", "future", "other-body"],
)
def test_anything_but_a_fresh_matching_signature_is_unauthentic(
    notifications: PaymentNotifications, headers: dict[str, str]
) -> None:
    with pytest.raises(NotificationUnauthentic):
        notifications.verify_and_parse(headers, payment_body(), NOW)


def test_inside_the_replay_window_is_accepted(notifications: PaymentNotifications) -> None:
    body = payment_body()
    headers = signed(body, at=NOW - timedelta(seconds=299))
    assert notifications.verify_and_parse(headers, body, NOW) is not None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"type": "PAYMENT_SUCCESS_WEBHOOK", "data": {}}).encode(),
        payment_body(status="NOT_A_STATUS"),
    ],
    ids=["not-json", "not-object", "no-order", "bad-payment"],
)
def test_a_signed_but_unreadable_body_is_unreadable(
    notifications: PaymentNotifications, body: bytes
) -> None:
    with pytest.raises(NotificationUnreadable):
        notifications.verify_and_parse(signed(body), body, NOW)


def test_types_the_service_does_not_act_on_are_none(notifications: PaymentNotifications) -> None:
    body = json.dumps({"type": "SETTLEMENT_WEBHOOK", "data": {}}).encode()
    assert notifications.verify_and_parse(signed(body), body, NOW) is None


def test_the_secret_never_shows_in_its_repr() -> None:
    assert SECRET not in repr(CashfreeNotifications(SECRET))
