"""REFUND_STATUS_WEBHOOK: a signed refund webhook becomes a RefundNotification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.gateway.cashfree_webhook import CashfreeNotifications
from application.errors import NotificationUnauthentic, NotificationUnreadable
from application.ports import RefundNotification
from domain.refunds import RefundState

from .test_cashfree_notifications import NOW, SECRET, signed


def refund_body(
    status: Any = "SUCCESS", kind: str = "REFUND_STATUS_WEBHOOK", **extra: Any
) -> bytes:
    refund = {
        "cf_payment_id": 77,
        "cf_refund_id": "cf_r_1",
        "refund_id": "refund_1",
        "order_id": "order_1",
        "entity": "refund",
        "refund_amount": 100.5,
        "refund_currency": "INR",
        "refund_note": "customer asked",
        "refund_status": status,
        **extra,
    }
    return json.dumps({"data": {"refund": refund}, "type": kind}).encode()


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("SUCCESS", RefundState.SUCCESS),
        ("PENDING", RefundState.PENDING),
        ("ONHOLD", RefundState.PENDING),
        ("CANCELLED", RefundState.CANCELLED),
        ("FAILED", RefundState.FAILED),
    ],
)
def test_a_signed_refund_webhook_is_its_refund(status: str, state: RefundState) -> None:
    body = refund_body(status)
    notification = CashfreeNotifications(SECRET).verify_and_parse(signed(body), body, NOW)
    assert notification == RefundNotification(
        "REFUND_STATUS_WEBHOOK", "order_1", "refund_1", state, "cf_r_1"
    )


def test_a_refund_webhook_carries_the_banks_reference_once_given() -> None:
    body = refund_body(refund_arn=" RF0000000042 ")
    notification = CashfreeNotifications(SECRET).verify_and_parse(signed(body), body, NOW)
    assert isinstance(notification, RefundNotification)
    assert notification.arn == "RF0000000042"
    for unreadable in (None, {"arn": "RF1"}, True):
        body = refund_body(refund_arn=unreadable)
        notification = CashfreeNotifications(SECRET).verify_and_parse(signed(body), body, NOW)
        assert notification == RefundNotification(
            "REFUND_STATUS_WEBHOOK", "order_1", "refund_1", RefundState.SUCCESS, "cf_r_1"
        ), unreadable


def test_the_outcome_named_types_are_read_alike() -> None:
    body = refund_body(kind="REFUND_SUCCESS_WEBHOOK", cf_refund_id=12345)
    notification = CashfreeNotifications(SECRET).verify_and_parse(signed(body), body, NOW)
    assert isinstance(notification, RefundNotification)
    assert notification.gateway_refund_id == "12345"


@pytest.mark.parametrize(
    "body",
    [
        refund_body("WHATEVER"),
        refund_body(None),
        json.dumps({"type": "REFUND_STATUS_WEBHOOK", "data": {}}).encode(),
        json.dumps(
            {"type": "REFUND_STATUS_WEBHOOK", "data": {"refund": {"order_id": "o"}}}
        ).encode(),
    ],
)
def test_an_unreadable_signed_refund_webhook_is_refused(body: bytes) -> None:
    with pytest.raises(NotificationUnreadable):
        CashfreeNotifications(SECRET).verify_and_parse(signed(body), body, NOW)


def test_a_refund_webhook_is_verified_before_it_is_read() -> None:
    body = refund_body()
    with pytest.raises(NotificationUnauthentic):
        CashfreeNotifications(SECRET).verify_and_parse(signed(body, secret="other"), body, NOW)
