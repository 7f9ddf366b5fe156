"""Cashfree webhook bodies to domain evidence.

The signature is checked before this runs (adapters.gateway.signature); here a payment
webhook becomes the order id and the `PaymentAttempt` it reports. Other types (refunds,
settlements, anything new) are returned as `None` so the caller can acknowledge them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.gateway.cashfree_mapping import CashfreeResponseInvalid, payment_attempt
from domain.order import PaymentAttempt

PAYMENT_TYPES = frozenset(
    {"PAYMENT_SUCCESS_WEBHOOK", "PAYMENT_FAILED_WEBHOOK", "PAYMENT_USER_DROPPED_WEBHOOK"}
)


class WebhookInvalid(ValueError):
    """A signed body that still is not a readable Cashfree webhook."""


@dataclass(frozen=True)
class PaymentWebhook:
    type: str
    order_id: str
    attempt: PaymentAttempt


def parse_webhook(raw_body: bytes, received_at: datetime) -> PaymentWebhook | None:
    """The payment reported by a webhook, or None for a type we do not act on."""
    try:
        body: Any = json.loads(raw_body, parse_float=Decimal)
    except ValueError as exc:
        raise WebhookInvalid("webhook body is not JSON") from exc
    if not isinstance(body, dict):
        raise WebhookInvalid("webhook body is not an object")
    kind = body.get("type")
    if kind not in PAYMENT_TYPES:
        return None
    data = body.get("data")
    order = data.get("order") if isinstance(data, dict) else None
    payment = data.get("payment") if isinstance(data, dict) else None
    if not isinstance(order, dict) or not isinstance(order.get("order_id"), str):
        raise WebhookInvalid("webhook has no data.order.order_id")
    try:
        attempt = payment_attempt(payment, received_at)
    except CashfreeResponseInvalid as exc:
        raise WebhookInvalid(str(exc)) from exc
    return PaymentWebhook(type=str(kind), order_id=order["order_id"], attempt=attempt)
