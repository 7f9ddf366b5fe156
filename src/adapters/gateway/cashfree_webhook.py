"""Cashfree webhooks as the application's `PaymentNotifications` port.

A webhook is authentic when `x-webhook-signature` is base64(HMAC-SHA256(client secret,
`x-webhook-timestamp` + raw body)) over the bytes exactly as received, compared in constant
time, and the millisecond timestamp is inside the replay window (`sign` is the wire format
the simulator shares, so both sides sign alike). Only then is the body read:
a payment webhook becomes the order id and the `PaymentAttempt` it reports, a refund
webhook (REFUND_STATUS_WEBHOOK; Cashfree's RefundWebhook schema) the refund's ids and
state; other types (settlements, anything new) are None so the caller can acknowledge them.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.gateway.cashfree_mapping import (
    CashfreeResponseInvalid,
    CashfreeValueUnstorable,
    bank_reference,
    is_storable_id,
    payment_attempt,
)
from application.errors import (
    NotificationUnauthentic,
    NotificationUnreadable,
    NotificationUnstorable,
)
from application.ports import PaymentNotification, RefundNotification
from cashfree_simulator.wire import loads, sign
from domain.errors import InvalidField
from domain.refunds import RefundState

DEFAULT_TOLERANCE_SECONDS = 300
# Milliseconds since the epoch: 1 to 16 ASCII digits (`str.isdigit` also takes '²', and
# `int` refuses more than 4,300 digits).
_TIMESTAMP = re.compile(r"[0-9]{1,16}")
PAYMENT_TYPES = frozenset(
    {"PAYMENT_SUCCESS_WEBHOOK", "PAYMENT_FAILED_WEBHOOK", "PAYMENT_USER_DROPPED_WEBHOOK"}
)
# Cashfree documents REFUND_STATUS_WEBHOOK; its schema's example names the outcome instead.
REFUND_TYPES = frozenset(
    {
        "REFUND_STATUS_WEBHOOK",
        "REFUND_SUCCESS_WEBHOOK",
        "REFUND_FAILED_WEBHOOK",
        "REFUND_CANCELLED_WEBHOOK",
    }
)


def verify_signature(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    raw_body: bytes,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True only for a well-formed, fresh timestamp and a matching signature."""
    if not timestamp or not signature or _TIMESTAMP.fullmatch(timestamp) is None:
        return False
    if abs(now.timestamp() * 1000 - int(timestamp)) > tolerance_seconds * 1000:
        return False
    expected = sign(secret, timestamp, raw_body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def parse_notification(
    raw_body: bytes, received_at: datetime
) -> PaymentNotification | RefundNotification | None:
    """The payment or refund a verified webhook reports, or None for a type we ignore."""
    try:
        body: Any = loads(raw_body)
    except (ValueError, RecursionError) as exc:
        raise NotificationUnreadable("webhook body is not JSON") from exc
    if not isinstance(body, dict):
        raise NotificationUnreadable("webhook body is not an object")
    kind = body.get("type")
    if not isinstance(kind, str):  # `{}` or `[]` is not even hashable
        return None
    if kind in REFUND_TYPES:
        return parse_refund(str(kind), body.get("data"))
    if kind not in PAYMENT_TYPES:
        return None
    data = body.get("data")
    order = data.get("order") if isinstance(data, dict) else None
    payment = data.get("payment") if isinstance(data, dict) else None
    if not isinstance(order, dict) or not isinstance(order.get("order_id"), str):
        raise NotificationUnreadable("webhook has no data.order.order_id")
    if not is_storable_id(order["order_id"]):
        raise NotificationUnstorable("webhook has an order_id no store can hold")
    try:
        attempt = payment_attempt(payment, received_at)
    except CashfreeValueUnstorable as exc:
        raise NotificationUnstorable(str(exc)) from exc
    except CashfreeResponseInvalid as exc:
        raise NotificationUnreadable(str(exc)) from exc
    return PaymentNotification(type=str(kind), order_id=order["order_id"], attempt=attempt)


def parse_refund(kind: str, data: object) -> RefundNotification:
    """data.refund (a RefundEntity): its order, refund id, status, Cashfree's id and the
    bank's reference (`refund_arn`, once the refund succeeded)."""
    refund = data.get("refund") if isinstance(data, dict) else None
    if not isinstance(refund, dict):
        raise NotificationUnreadable("refund webhook has no data.refund")
    order_id, refund_id = refund.get("order_id"), refund.get("refund_id")
    if not isinstance(order_id, str) or not order_id or not isinstance(refund_id, str):
        raise NotificationUnreadable("refund webhook has no order_id or refund_id")
    if not is_storable_id(order_id) or not is_storable_id(refund_id):
        raise NotificationUnstorable("refund webhook has an id no store can hold")
    status = refund.get("refund_status")
    if not isinstance(status, str):
        raise NotificationUnreadable("refund webhook has no refund_status")
    try:
        state = RefundState.from_gateway(status)
    except InvalidField as exc:
        raise NotificationUnreadable(str(exc)) from exc
    cf_id = refund.get("cf_refund_id")
    gateway_refund_id = str(cf_id) if isinstance(cf_id, (str, int)) and cf_id != "" else None
    if gateway_refund_id is not None and not is_storable_id(gateway_refund_id):
        raise NotificationUnstorable("refund webhook has a cf_refund_id no store can hold")
    arn = bank_reference(refund, "refund_arn")
    return RefundNotification(kind, order_id, refund_id, state, gateway_refund_id, arn)


class CashfreeNotifications:
    """Verifies and reads Cashfree's webhooks with the client secret; never logs it."""

    def __init__(self, secret: str, tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> None:
        self._secret = secret
        self._tolerance_seconds = tolerance_seconds

    def __repr__(self) -> str:
        return f"CashfreeNotifications(tolerance_seconds={self._tolerance_seconds})"

    def verify_and_parse(
        self, headers: Mapping[str, str], raw: bytes, now: datetime
    ) -> PaymentNotification | RefundNotification | None:
        if not verify_signature(
            self._secret,
            _header(headers, "x-webhook-timestamp"),
            _header(headers, "x-webhook-signature"),
            raw,
            now,
            self._tolerance_seconds,
        ):
            raise NotificationUnauthentic("bad, missing or stale webhook signature")
        return parse_notification(raw, now)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The header `name` (lower case) however the sender spelt it: a direct look-up
    first, which a case-insensitive mapping (Starlette's) answers without a scan."""
    value = headers.get(name)
    if value is not None:
        return value
    return next((v for k, v in headers.items() if k.lower() == name), None)
