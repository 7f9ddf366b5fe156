"""Cashfree PG wire format (API 2023-08-01 / 2025-01-01) to and from the port types.

Everything that knows a Cashfree field name lives here or in `cashfree_errors`, so no
`cf_order_id` or `payment_session_id` key escapes the adapter. Amounts travel as JSON
numbers parsed to `Decimal`; a float never holds money on either side of the wire.

This is also where the gateway's values meet what every store can hold, so all stores
treat them alike: an id (order, payment, refund) is 1 to 100 characters without NUL or
unpaired surrogates, an amount is below 10^10 (NUMERIC(12, 2)), or the entity is refused
(`CashfreeValueUnstorable`); free text (message, payment group, note, bank reference) is
cleaned of those characters and cut to its column; a time outside the years 1970 to 2999
is treated as absent (a payment is then stamped when we learnt of it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from application.errors import GatewayError
from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayOrderStatus,
    GatewayRefund,
    RefundStatus,
)
from cashfree_simulator import wire
from domain.errors import DomainError
from domain.money import CURRENCY, Money
from domain.order import AttemptStatus, PaymentAttempt

# Cashfree's refund description lists FAILED although the enum omits it; to our refund
# model a failed refund is one that will not move money, which is what CANCELLED means.
_REFUND_STATUS_ALIASES = {"FAILED": RefundStatus.CANCELLED}
MAX_ID_LENGTH = 100
MAX_LABEL_LENGTH = 100
MAX_MESSAGE_LENGTH = 1000
MAX_STORABLE_AMOUNT = Decimal("9999999999.99")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


class CashfreeResponseInvalid(GatewayError):
    """Cashfree answered 2xx with a body we cannot read as the documented entity."""


class CashfreeValueUnstorable(CashfreeResponseInvalid):
    """A well-formed entity with a value no store can hold; asking again cannot help."""


def decode(content: bytes) -> Any:
    """Parse a response body with every JSON number that has a fraction as `Decimal`."""
    try:
        return wire.loads(content)
    except (ValueError, RecursionError) as exc:
        raise CashfreeResponseInvalid("Cashfree answered with a body that is not JSON") from exc


def encode(payload: Any) -> bytes:
    """Serialize a request body, writing `Decimal` values as exact JSON numbers."""
    return wire.dumps(payload)


def order_request(request: GatewayOrderRequest) -> dict[str, Any]:
    """The CreateOrderRequest body for one of our orders."""
    return {
        "order_id": request.order_id,
        "order_amount": request.amount.amount,
        "order_currency": request.amount.currency,
        "customer_details": {
            "customer_id": request.customer_id,
            "customer_name": request.customer.name,
            "customer_email": request.customer.email,
            "customer_phone": request.customer.phone,
        },
        "order_meta": {
            "return_url": request.return_url,
            "notify_url": request.notify_url,
        },
    }


def terminate_request() -> dict[str, Any]:
    """The TerminateOrderRequest body."""
    return {"order_status": GatewayOrderStatus.TERMINATED.value}


def refund_request(refund_id: str, amount: Money, note: str) -> dict[str, Any]:
    """The OrderCreateRefundRequest body (Cashfree refunds in the order's currency)."""
    body: dict[str, Any] = {"refund_id": refund_id, "refund_amount": amount.amount}
    if note:
        body["refund_note"] = note
    return body


def gateway_order(data: Any) -> GatewayOrder:
    """An OrderEntity as the port's `GatewayOrder`."""
    entity = _entity(data, "order")
    try:
        status = GatewayOrderStatus(_text(entity, "order_status"))
    except ValueError as exc:
        raise CashfreeResponseInvalid("Cashfree reported an unknown order status") from exc
    return GatewayOrder(
        order_id=_id(entity, "order_id"),
        gateway_order_id=_id(entity, "cf_order_id"),
        status=status,
        payment_session_id=_session_id(entity),
        amount=_money(entity, "order_amount", "order_currency"),
        expires_at=_time(entity, "order_expiry_time"),
    )


def payment_attempt(data: Any, fallback_time: datetime) -> PaymentAttempt:
    """A PaymentEntity as a domain `PaymentAttempt`, stamped when it reached its current
    status (completion, else start); `fallback_time` stands in when the gateway has not
    stamped it at all (NOT_ATTEMPTED carries no payment_time)."""
    entity = _entity(data, "payment")
    try:
        status = AttemptStatus(_text(entity, "payment_status"))
    except ValueError as exc:
        raise CashfreeResponseInvalid("Cashfree reported an unknown payment status") from exc
    at = _time(entity, "payment_completion_time") or _time(entity, "payment_time") or fallback_time
    return PaymentAttempt(
        payment_id=_id(entity, "cf_payment_id"),
        status=status,
        amount=_money(entity, "payment_amount", "payment_currency"),
        at=at,
        message=_payment_message(entity),
        method=_label(_text(entity, "payment_group", default=""), MAX_LABEL_LENGTH),
        bank_reference=bank_reference(entity, "bank_reference"),
    )


def payment_attempts(data: Any, fallback_time: datetime) -> list[PaymentAttempt]:
    return [payment_attempt(item, fallback_time) for item in _list(data, "payments")]


def gateway_refund(data: Any) -> GatewayRefund:
    """A RefundEntity as the port's `GatewayRefund`."""
    entity = _entity(data, "refund")
    raw_status = _text(entity, "refund_status")
    try:
        status = _REFUND_STATUS_ALIASES.get(raw_status) or RefundStatus(raw_status)
    except ValueError as exc:
        raise CashfreeResponseInvalid("Cashfree reported an unknown refund status") from exc
    return GatewayRefund(
        order_id=_id(entity, "order_id"),
        refund_id=_id(entity, "refund_id"),
        gateway_refund_id=_id(entity, "cf_refund_id"),
        amount=_money(entity, "refund_amount", "refund_currency"),
        status=status,
        note=_label(_text(entity, "refund_note", default=""), MAX_MESSAGE_LENGTH),
        arn=bank_reference(entity, "refund_arn"),
    )


def gateway_refunds(data: Any) -> list[GatewayRefund]:
    return [gateway_refund(item) for item in _list(data, "refunds")]


def _payment_message(entity: Mapping[str, Any]) -> str:
    message = _text(entity, "payment_message", default="")
    if message:
        return _label(message, MAX_MESSAGE_LENGTH)
    details = entity.get("error_details")
    if isinstance(details, Mapping):
        description = details.get("error_description")
        if isinstance(description, str):
            return _label(description, MAX_MESSAGE_LENGTH)
    return ""


def bank_reference(entity: Mapping[str, Any], key: str) -> str:
    """A bank's reference (a payment's UTR, a refund's ARN), trimmed; "" when absent or not
    text. It only helps find the payment or refund: a malformed one never refuses it."""
    value = entity.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    return _label(value.strip(), MAX_ID_LENGTH)


def is_storable_id(value: str) -> bool:
    """1 to 100 characters, none of them NUL or an unpaired surrogate."""
    return 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value and _encodes(value)


def _encodes(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _id(entity: Mapping[str, Any], key: str) -> str:
    value = _text(entity, key)
    if not is_storable_id(value):
        raise CashfreeValueUnstorable(f"Cashfree response has a {key} no store can hold")
    return value


def _session_id(entity: Mapping[str, Any]) -> str:
    """payment_session_id: long (a TEXT column) but, like an id, never cleaned."""
    value = _text(entity, "payment_session_id", default="")
    if "\x00" in value or not _encodes(value):
        raise CashfreeValueUnstorable("Cashfree response has an unstorable payment_session_id")
    return value


def _label(value: str, limit: int) -> str:
    """Free text as every store can keep it: no NUL, no unpaired surrogate, `limit` long."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not _encodes(value):
        value = value.encode(errors="replace").decode()
    return value[:limit]


def _entity(data: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CashfreeResponseInvalid(f"Cashfree answered with something that is not a {kind}")
    return data


def _list(data: Any, kind: str) -> list[Any]:
    if not isinstance(data, list):
        raise CashfreeResponseInvalid(f"Cashfree answered with something that is not {kind}")
    return data


def _text(entity: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """A string field; Cashfree sends some ids as integers (cf_payment_id before 2025)."""
    value = entity.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None and default is not None:
        return default
    raise CashfreeResponseInvalid(f"Cashfree response lacks a valid {key}")


def _money(entity: Mapping[str, Any], amount_key: str, currency_key: str) -> Money:
    amount = entity.get(amount_key)
    currency = entity.get(currency_key) or CURRENCY
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise CashfreeResponseInvalid(f"Cashfree response lacks a valid {amount_key}")
    if not isinstance(currency, str):
        raise CashfreeResponseInvalid(f"Cashfree response lacks a valid {currency_key}")
    try:
        money = Money.of(amount, currency)
    except DomainError as exc:
        raise CashfreeResponseInvalid(f"Cashfree response has an invalid {amount_key}") from exc
    if abs(money.amount) > MAX_STORABLE_AMOUNT:
        raise CashfreeValueUnstorable(f"Cashfree response has a {amount_key} no store can hold")
    return money


def _time(entity: Mapping[str, Any], key: str) -> datetime | None:
    """An ISO 8601 timestamp with its offset, in UTC; None when absent, empty or outside
    the years 1970 to 2999 (no time the gateway could mean; year 1 or 9999 in another
    offset is not even a UTC time)."""
    value = entity.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CashfreeResponseInvalid(f"Cashfree response has an invalid {key}")
    try:
        parsed = wire.parse_time(value)
    except ValueError as exc:
        raise CashfreeResponseInvalid(f"Cashfree response has an invalid {key}") from exc
    if parsed.year < EARLIEST.year - 1 or parsed.year > LATEST.year:
        return None
    moment = parsed.astimezone(UTC)
    return moment if EARLIEST <= moment < LATEST else None
