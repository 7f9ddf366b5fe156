"""Orders: what Cashfree accepts in a CreateOrderRequest and the OrderEntity it keeps.

Validation follows Cashfree's "field : problem" wording and codes; amounts are `Decimal`
with at most two places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from cashfree_simulator import wire
from cashfree_simulator.errors import SimulatorError, invalid

DEFAULT_ORDER_LIFETIME = timedelta(days=30)
MAX_ORDER_AMOUNT = Decimal("10000000")

_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{3,45}$")
_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{3,50}$")
_PHONE = re.compile(r"^\+?\d{10,15}$")
_CENTS = Decimal("0.01")


@dataclass
class OrderRecord:
    """One order's entity and everything hanging off it: attempts and refunds."""

    entity: dict[str, Any]
    expires_at: datetime
    customer: dict[str, Any]
    payments: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def order_id(self) -> str:
        return str(self.entity["order_id"])

    @property
    def status(self) -> str:
        return str(self.entity["order_status"])

    @property
    def notify_url(self) -> str | None:
        url = (self.entity.get("order_meta") or {}).get("notify_url")
        return str(url) if url else None


def new_order(
    body: object, *, default_order_id: str, cf_order_id: str, session: str, now: datetime
) -> OrderRecord:
    """Validate a CreateOrderRequest; without an order_id the order gets `default_order_id`."""
    if not isinstance(body, dict):
        raise SimulatorError(400, "request body must be a JSON object", "request_invalid")
    order_id = body.get("order_id")
    if order_id is None:
        order_id = default_order_id
    elif not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
        raise invalid("order_id", "should be 3 to 45 characters: alphanumeric, '_' or '-'")
    amount = parse_amount(body.get("order_amount"), "order_amount")
    if amount < 1:
        raise invalid(
            "order_amount", f"order_amount should be at least 1. Value received: {amount}"
        )
    if amount > MAX_ORDER_AMOUNT:
        raise invalid("order_amount", "order_amount exceeds the maximum allowed")
    currency = body.get("order_currency")
    if currency is None:
        raise invalid(
            "order_currency", "order_currency is missing in the request", "order_currency_missing"
        )
    if currency != "INR":
        raise invalid("order_currency", f"currency {currency} is not enabled for this account")
    customer = _customer(body.get("customer_details"))
    expires_at = now + DEFAULT_ORDER_LIFETIME
    if body.get("order_expiry_time") is not None:
        expires_at = _expiry(body["order_expiry_time"], now)
    note = body.get("order_note")
    if note is not None and (not isinstance(note, str) or not 3 <= len(note) <= 200):
        raise invalid("order_note", "order_note should be 3 to 200 characters")
    entity: dict[str, Any] = {
        "cf_order_id": cf_order_id,
        "order_id": order_id,
        "entity": "order",
        "order_currency": currency,
        "order_amount": amount,
        "order_status": "ACTIVE",
        "payment_session_id": session,
        "order_expiry_time": wire.format_time(expires_at),
        "order_note": note,
        "created_at": wire.format_time(now),
        "order_splits": [],
        "customer_details": customer,
        "order_meta": _meta(body.get("order_meta")),
        "order_tags": _tags(body.get("order_tags")),
    }
    return OrderRecord(entity, expires_at, customer)


def parse_amount(value: object, field_name: str) -> Decimal:
    """A positive-or-zero JSON number with at most two places, as `Decimal`."""
    if value is None:
        raise invalid(
            field_name, f"{field_name} is missing in the request", f"{field_name}_missing"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise invalid(field_name, f"{field_name} should be a number")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite() or amount.quantize(_CENTS) != amount:
            raise invalid(field_name, f"{field_name} should have at most 2 decimal places")
    except InvalidOperation as exc:
        raise invalid(field_name, f"{field_name} should be a number") from exc
    return amount


def _customer(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(
            "customer_details",
            "customer_details is missing in the request",
            "customer_details_missing",
        )
    customer_id = value.get("customer_id")
    if not isinstance(customer_id, str) or not _CUSTOMER_ID.fullmatch(customer_id):
        raise invalid(
            "customer_details.customer_id",
            "should be 3 to 50 alphanumeric characters",
            "customer_id_invalid",
        )
    phone = value.get("customer_phone")
    if not isinstance(phone, str) or not _PHONE.fullmatch(phone):
        raise invalid(
            "customer_details.customer_phone",
            "should be a valid phone number",
            "customer_phone_invalid",
        )
    customer: dict[str, Any] = {"customer_id": customer_id, "customer_phone": phone}
    for name, low, high in (("customer_email", 3, 100), ("customer_name", 3, 100)):
        text = value.get(name)
        if text is None:
            continue
        if not isinstance(text, str) or not low <= len(text) <= high:
            raise invalid(
                f"customer_details.{name}",
                f"should be {low} to {high} characters",
                f"{name}_invalid",
            )
        if name == "customer_email" and "@" not in text:
            raise invalid(
                "customer_details.customer_email",
                "should be a valid email",
                "customer_email_invalid",
            )
        customer[name] = text
    return customer


def _expiry(value: object, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise invalid("order_expiry_time", "should be an ISO 8601 time")
    try:
        moment = wire.parse_time(value)
    except ValueError as exc:
        raise invalid("order_expiry_time", "should be an ISO 8601 time") from exc
    if moment <= now:
        raise invalid("order_expiry_time", "order_expiry_time should be in the future")
    return moment


def _tags(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 15:
        raise invalid("order_tags", "order_tags should be an object of at most 15 tags")
    for key, text in value.items():
        if not isinstance(text, str) or not 1 <= len(text) <= 255:
            raise invalid("order_tags", f"tag {key} should be a string of 1 to 255 characters")
    return dict(value)


def _meta(value: object) -> dict[str, Any]:
    if value is None:
        return {"return_url": None, "notify_url": None, "payment_methods": None}
    if not isinstance(value, dict):
        raise invalid("order_meta", "order_meta should be an object")
    meta: dict[str, Any] = {}
    for name in ("return_url", "notify_url", "payment_methods"):
        text = value.get(name)
        if text is not None and (not isinstance(text, str) or len(text) > 250):
            raise invalid(f"order_meta.{name}", "should be a string of at most 250 characters")
        if (
            name in ("return_url", "notify_url")
            and text
            and not text.startswith(("http://", "https://"))
        ):
            raise invalid(
                f"order_meta.{name}", "should be a valid url", f"order_meta.{name}_invalid"
            )
        meta[name] = text
    return meta
