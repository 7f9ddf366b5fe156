"""Orders and credit entries as JSON-ready records: amounts as strings, times as ISO 8601.

Decimal amounts travel as strings so no float ever touches them; times are written in UTC
with an explicit offset and refused on read if the offset is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.customer import Customer
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus, PaymentAttempt

Record = dict[str, Any]


def _time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat()


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"stored time {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _optional_time(value: datetime | None) -> str | None:
    return None if value is None else _time(value)


def _parse_optional_time(value: str | None) -> datetime | None:
    return None if value is None else _parse_time(value)


def _money(value: Money) -> Record:
    return {"amount": str(value.amount), "currency": value.currency}


def _parse_money(record: Record) -> Money:
    return Money.from_stored(record["amount"], record["currency"])


def attempt_record(attempt: PaymentAttempt) -> Record:
    return {
        "payment_id": attempt.payment_id,
        "status": attempt.status.value,
        "amount": _money(attempt.amount),
        "at": _time(attempt.at),
        "message": attempt.message,
        "method": attempt.method,
        "mismatch": attempt.mismatch,
    }


def attempt_from_record(record: Record) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=record["payment_id"],
        status=AttemptStatus(record["status"]),
        amount=_parse_money(record["amount"]),
        at=_parse_time(record["at"]),
        message=record["message"],
        method=record["method"],
        mismatch=record["mismatch"],
    )


def order_record(order: Order) -> Record:
    return {
        "order_id": order.order_id,
        "amount": _money(order.amount),
        "customer": {
            "name": order.customer.name,
            "email": order.customer.email,
            "phone": order.customer.phone,
        },
        "created_at": _time(order.created_at),
        "status": order.status.value,
        "gateway_order_id": order.gateway_order_id,
        "payment_session_id": order.payment_session_id,
        "failure_reason": order.failure_reason,
        "paid_at": _optional_time(order.paid_at),
        "updated_at": _optional_time(order.updated_at),
        "attempts": [attempt_record(a) for a in order.attempts],
        "version": order.version,
    }


def order_from_record(record: Record) -> Order:
    customer = record["customer"]
    return Order(
        order_id=record["order_id"],
        amount=_parse_money(record["amount"]),
        customer=Customer(customer["name"], customer["email"], customer["phone"]),
        created_at=_parse_time(record["created_at"]),
        status=OrderStatus(record["status"]),
        gateway_order_id=record["gateway_order_id"],
        payment_session_id=record["payment_session_id"],
        failure_reason=record["failure_reason"],
        paid_at=_parse_optional_time(record["paid_at"]),
        updated_at=_parse_optional_time(record["updated_at"]),
        attempts=[attempt_from_record(a) for a in record["attempts"]],
        version=record["version"],
    )


def credit_record(entry: CreditEntry) -> Record:
    return {
        "order_id": entry.order_id,
        "payment_id": entry.payment_id,
        "credits": entry.credits,
        "amount": _money(entry.amount),
        "customer_name": entry.customer_name,
        "customer_email": entry.customer_email,
        "method": entry.method,
        "at": _time(entry.at),
    }


def credit_from_record(record: Record) -> CreditEntry:
    return CreditEntry(
        order_id=record["order_id"],
        payment_id=record["payment_id"],
        credits=record["credits"],
        amount=_parse_money(record["amount"]),
        customer_name=record["customer_name"],
        customer_email=record["customer_email"],
        method=record["method"],
        at=_parse_time(record["at"]),
    )
