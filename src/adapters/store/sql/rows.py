"""Orders, attempts and credit entries to and from table rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.customer import Customer
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus, PaymentAttempt
from domain.plans import Period, Purchase

Row = Mapping[str, Any]


def order_values(order: Order) -> dict[str, Any]:
    """Every column of the orders row except the key and the version."""
    return {
        "amount": order.amount.amount,
        "currency": order.amount.currency,
        "customer_name": order.customer.name,
        "customer_email": order.customer.email,
        "customer_phone": order.customer.phone,
        "created_at": order.created_at,
        "customer_id": order.customer_id,
        "purchase_plan_id": order.purchase.plan_id,
        "purchase_credits": order.purchase.credits,
        "purchase_period": None if order.purchase.period is None else order.purchase.period.value,
        "purchase_kind": order.purchase.kind,
        **order_changes(order),
    }


ORDER_CHANGES = (
    "status",
    "gateway_order_id",
    "payment_session_id",
    "failure_reason",
    "paid_at",
    "updated_at",
    "paid_after_close",
)


def order_changes(order: Order) -> dict[str, Any]:
    """`ORDER_CHANGES`, the columns of what may change after an order is created (the rest
    is fixed by `Order.create`): all an order's UPDATE sets, with its version. SQLite
    rewrites an index on an UPDATE only when its SET names one of the index's columns, so
    the indexes of the customer's contact and of the creation time are left alone by every
    webhook's save."""
    return {
        "status": order.status.value,
        "gateway_order_id": order.gateway_order_id,
        "payment_session_id": order.payment_session_id,
        "failure_reason": order.failure_reason,
        "paid_at": order.paid_at,
        "updated_at": order.updated_at,
        "paid_after_close": order.paid_after_close,
    }


def attempt_values(order_id: str, position: int, attempt: PaymentAttempt) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "position": position,
        "payment_id": attempt.payment_id,
        "status": attempt.status.value,
        "amount": attempt.amount.amount,
        "currency": attempt.amount.currency,
        "at": attempt.at,
        "message": attempt.message,
        "method": attempt.method,
        "mismatch": attempt.mismatch,
        "bank_reference": attempt.bank_reference,
    }


def attempt_from_row(row: Row) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=row["payment_id"],
        status=AttemptStatus(row["status"]),
        amount=Money.from_stored(row["amount"], row["currency"]),
        at=row["at"],
        message=row["message"],
        method=row["method"],
        mismatch=bool(row["mismatch"]),
        bank_reference=row["bank_reference"],
    )


def order_from_rows(row: Row, attempts: Sequence[Row]) -> Order:
    return Order(
        order_id=row["order_id"],
        amount=Money.from_stored(row["amount"], row["currency"]),
        customer=Customer(row["customer_name"], row["customer_email"], row["customer_phone"]),
        created_at=row["created_at"],
        status=OrderStatus(row["status"]),
        gateway_order_id=row["gateway_order_id"],
        payment_session_id=row["payment_session_id"],
        failure_reason=row["failure_reason"],
        paid_at=row["paid_at"],
        updated_at=row["updated_at"],
        attempts=[attempt_from_row(a) for a in attempts],
        version=row["version"],
        customer_id=row["customer_id"],
        purchase=Purchase(
            row["purchase_plan_id"],
            row["purchase_credits"],
            None if row["purchase_period"] is None else Period(row["purchase_period"]),
            row["purchase_kind"],
        ),
        paid_after_close=bool(row["paid_after_close"]),
    )


def credit_values(entry: CreditEntry) -> dict[str, Any]:
    return {
        "order_id": entry.order_id,
        "payment_id": entry.payment_id,
        "credits": entry.credits,
        "amount": entry.amount.amount,
        "currency": entry.amount.currency,
        "customer_name": entry.customer_name,
        "customer_email": entry.customer_email,
        "method": entry.method,
        "at": entry.at,
        "customer_id": entry.customer_id,
    }


def credit_from_row(row: Row) -> CreditEntry:
    return CreditEntry(
        order_id=row["order_id"],
        payment_id=row["payment_id"],
        credits=row["credits"],
        amount=Money.from_stored(row["amount"], row["currency"]),
        customer_name=row["customer_name"],
        customer_email=row["customer_email"],
        method=row["method"],
        at=row["at"],
        customer_id=row["customer_id"],
    )
