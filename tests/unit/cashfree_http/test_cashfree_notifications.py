"""CashfreeNotifications: the PaymentNotifications port over Cashfree's signed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.gateway.cashfree_webhook import CashfreeNotifications
from application.errors import (
    NotificationUnauthentic,
    NotificationUnreadable,
    NotificationUnstorable,
)
from application.ports import PaymentNotification, PaymentNotifications
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
        b'{"type": "\xff"}',
    ],
    ids=["not-json", "not-object", "no-order", "bad-payment", "not-utf-8"],
)
def test_a_signed_but_unreadable_body_is_unreadable(
    notifications: PaymentNotifications, body: bytes
) -> None:
    with pytest.raises(NotificationUnreadable):
        notifications.verify_and_parse(signed(body), body, NOW)


def test_a_body_in_another_unicode_encoding_is_read_as_json_reads_it(
    notifications: PaymentNotifications,
) -> None:
    body = payment_body().decode().encode("utf-16")
    notification = notifications.verify_and_parse(signed(body), body, NOW)
    assert isinstance(notification, PaymentNotification)
    assert notification.attempt.amount.amount == Decimal("499.0")


def test_types_the_service_does_not_act_on_are_none(notifications: PaymentNotifications) -> None:
    body = json.dumps({"type": "SETTLEMENT_WEBHOOK", "data": {}}).encode()
    assert notifications.verify_and_parse(signed(body), body, NOW) is None


def test_the_secret_never_shows_in_its_repr() -> None:
    assert SECRET not in repr(CashfreeNotifications(SECRET))


@pytest.mark.parametrize(
    "timestamp",
    ["\u00b2", "1\u00b2", "\u0661\u0662\u0663", "1" * 4301, "1" * 17, "", " 1", "-1", "+1"],
    ids=[
        "superscript",
        "digit-superscript",
        "arabic-indic",
        "4301-digits",
        "17-digits",
        "empty",
        "space",
        "minus",
        "plus",
    ],
)
def test_timestamps_other_than_1_to_16_ascii_digits_are_unauthentic(
    notifications: PaymentNotifications, timestamp: str
) -> None:
    """`str.isdigit` takes '\u00b2' and 4,301 digits; `int` then raises: never a 500."""
    body = payment_body()
    headers = {
        "x-webhook-timestamp": timestamp,
        "x-webhook-signature": sign(SECRET, timestamp, body),
    }
    with pytest.raises(NotificationUnauthentic):
        notifications.verify_and_parse(headers, body, NOW)


def test_a_signed_deeply_nested_body_is_unreadable(notifications: PaymentNotifications) -> None:
    body = b'{"type": "PAYMENT_SUCCESS_WEBHOOK", "data": ' + b"[" * 990 + b"]" * 990 + b"}"
    with pytest.raises(NotificationUnreadable):
        notifications.verify_and_parse(signed(body), body, NOW)


def _payment_with(**changes: object) -> bytes:
    body = json.loads(payment_body())
    for key, value in changes.items():
        if key == "order_id":
            body["data"]["order"]["order_id"] = value
        else:
            body["data"]["payment"][key] = value
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"cf_payment_id": "9" * 101},
        {"cf_payment_id": "77\x00"},
        {"cf_payment_id": "77\ud800"},
        {"payment_amount": 10**10},
        {"payment_amount": -(10**10)},
        {"order_id": "o" * 101},
        {"order_id": "order_1\x00"},
        {"order_id": "order_\udfff"},
    ],
    ids=[
        "payment-id-101",
        "payment-id-nul",
        "payment-id-surrogate",
        "amount-1e10",
        "amount-minus-1e10",
        "order-id-101",
        "order-id-nul",
        "order-id-surrogate",
    ],
)
def test_signed_values_no_store_can_hold_are_unstorable(
    notifications: PaymentNotifications, changes: dict[str, object]
) -> None:
    body = _payment_with(**changes)
    with pytest.raises(NotificationUnstorable):
        notifications.verify_and_parse(signed(body), body, NOW)


def test_free_text_is_cut_and_cleaned_to_fit_every_store(
    notifications: PaymentNotifications,
) -> None:
    body = _payment_with(payment_group="upi\x00" + "x" * 200, payment_message="ok\ud800" * 600)
    notification = notifications.verify_and_parse(signed(body), body, NOW)
    assert isinstance(notification, PaymentNotification)
    assert notification.attempt.method == ("upi" + "x" * 200)[:100]
    assert len(notification.attempt.message) == 1000
    assert "\x00" not in notification.attempt.message
    notification.attempt.message.encode()  # no unpaired surrogate left


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+05:30", "9999-12-31T23:59:59-05:00", "1900-01-01T00:00:00Z"],
    ids=["year-1", "year-9999", "year-1900"],
)
def test_times_no_gateway_could_mean_fall_back_to_when_it_arrived(
    notifications: PaymentNotifications, moment: str
) -> None:
    body = _payment_with(payment_time=moment, payment_completion_time=moment)
    notification = notifications.verify_and_parse(signed(body), body, NOW)
    assert isinstance(notification, PaymentNotification)
    assert notification.attempt.at == NOW


@pytest.mark.parametrize(
    "refund",
    [
        {"order_id": "o" * 101, "refund_id": "r1"},
        {"order_id": "order_1", "refund_id": "r\x00"},
        {"order_id": "order_1", "refund_id": "r1", "cf_refund_id": "c" * 101},
    ],
    ids=["order-id-101", "refund-id-nul", "cf-refund-id-101"],
)
def test_signed_refund_ids_no_store_can_hold_are_unstorable(
    notifications: PaymentNotifications, refund: dict[str, object]
) -> None:
    data = {"refund": {"refund_status": "SUCCESS", **refund}}
    body = json.dumps({"type": "REFUND_STATUS_WEBHOOK", "data": data}).encode()
    with pytest.raises(NotificationUnstorable):
        notifications.verify_and_parse(signed(body), body, NOW)


@pytest.mark.parametrize("kind", [{}, [], None, 3], ids=["object", "array", "null", "number"])
def test_a_type_that_is_not_text_is_ignored(
    notifications: PaymentNotifications, kind: object
) -> None:
    """Found by the fuzz run: `{} in frozenset` raised TypeError (a 500)."""
    body = json.dumps({"type": kind, "data": {}}).encode()
    assert notifications.verify_and_parse(signed(body), body, NOW) is None
