"""Orders and credit entries as JSON-ready records: amounts as strings, times as ISO 8601.

Decimal amounts travel as strings so no float ever touches them; times are written in UTC
with an explicit offset and refused on read if the offset is missing.

Reading shares equal immutable values (times, amounts, customers, purchases, ids) between
records instead of building one per record: a store that keeps every order in memory
(the JSON journal) holds each of them once, not once per order, attempt and credit.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from domain.accounts import CustomerProfile
from domain.customer import Customer
from domain.ledger import CreditEntry, EntryKind, LedgerAdjustment
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus, PaymentAttempt
from domain.plans import Period, Purchase
from domain.referrals import ReferralRecord, ReferralStatus
from domain.subscriptions import Subscription, SubscriptionPeriod

Record = dict[str, Any]
_SHARED = 4096


def _time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat()


@lru_cache(maxsize=_SHARED)
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
    return _shared_money(record["amount"], record["currency"])


@lru_cache(maxsize=_SHARED)
def _shared_money(amount: str, currency: str) -> Money:
    return Money.from_stored(amount, sys.intern(currency))


@lru_cache(maxsize=_SHARED)
def _shared_customer(name: str, email: str, phone: str) -> Customer:
    return Customer(name, email, phone)


def _shared_id(value: str) -> str:
    """Customer ids and payment methods repeat across many records."""
    return sys.intern(value)


def attempt_record(attempt: PaymentAttempt) -> Record:
    return {
        "payment_id": attempt.payment_id,
        "status": attempt.status.value,
        "amount": _money(attempt.amount),
        "at": _time(attempt.at),
        "message": attempt.message,
        "method": attempt.method,
        "mismatch": attempt.mismatch,
        "bank_reference": attempt.bank_reference,
    }


def attempt_from_record(record: Record) -> PaymentAttempt:
    return PaymentAttempt(
        payment_id=record["payment_id"],
        status=AttemptStatus(record["status"]),
        amount=_parse_money(record["amount"]),
        at=_parse_time(record["at"]),
        message=record["message"],
        method=_shared_id(record["method"]),
        mismatch=record["mismatch"],
        bank_reference=record.get("bank_reference", ""),
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
        "customer_id": order.customer_id,
        "purchase": purchase_record(order.purchase),
        "paid_after_close": order.paid_after_close,
    }


def order_from_record(record: Record) -> Order:
    customer = record["customer"]
    return Order(
        order_id=record["order_id"],
        amount=_parse_money(record["amount"]),
        customer=_shared_customer(customer["name"], customer["email"], customer["phone"]),
        created_at=_parse_time(record["created_at"]),
        status=OrderStatus(record["status"]),
        gateway_order_id=record["gateway_order_id"],
        payment_session_id=record["payment_session_id"],
        failure_reason=record["failure_reason"],
        paid_at=_parse_optional_time(record["paid_at"]),
        updated_at=_parse_optional_time(record["updated_at"]),
        attempts=[attempt_from_record(a) for a in record["attempts"]],
        version=record["version"],
        customer_id=_shared_id(record.get("customer_id", "")),
        purchase=purchase_from_record(record.get("purchase")),
        paid_after_close=record.get("paid_after_close", False),
    )


def purchase_record(purchase: Purchase) -> Record:
    return {
        "plan_id": purchase.plan_id,
        "credits": purchase.credits,
        "period": None if purchase.period is None else purchase.period.value,
        "kind": purchase.kind,
    }


def purchase_from_record(record: Record | None) -> Purchase:
    """Orders written before plans existed bought a free amount."""
    if record is None:
        return _shared_purchase(None, 1, None, None)
    return _shared_purchase(record["plan_id"], record["credits"], record["period"], record["kind"])


@lru_cache(maxsize=_SHARED)
def _shared_purchase(
    plan_id: str | None, credits: int, period: str | None, kind: str | None
) -> Purchase:
    return Purchase(plan_id, credits, None if period is None else Period(period), kind)


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
        "customer_id": entry.customer_id,
    }


def credit_from_record(record: Record) -> CreditEntry:
    return CreditEntry(
        order_id=record["order_id"],
        payment_id=record["payment_id"],
        credits=record["credits"],
        amount=_parse_money(record["amount"]),
        customer_name=record["customer_name"],
        customer_email=record["customer_email"],
        method=_shared_id(record["method"]),
        at=_parse_time(record["at"]),
        customer_id=_shared_id(record.get("customer_id", "")),
    )


def customer_record(profile: CustomerProfile) -> Record:
    return {
        "customer_id": profile.customer_id,
        "name": profile.name,
        "email": profile.email,
        "phone": profile.phone,
        "referral_agent": profile.referral_agent,
        "created_at": _time(profile.created_at),
    }


def customer_from_record(record: Record) -> CustomerProfile:
    return CustomerProfile(
        customer_id=record["customer_id"],
        name=record["name"],
        email=record["email"],
        phone=record["phone"],
        referral_agent=record["referral_agent"],
        created_at=_parse_time(record["created_at"]),
    )


def adjustment_record(entry: LedgerAdjustment) -> Record:
    return {
        "entry_id": entry.entry_id,
        "customer_id": entry.customer_id,
        "kind": entry.kind.value,
        "credits": entry.credits,
        "at": _time(entry.at),
        "note": entry.note,
        "order_id": entry.order_id,
        "refund_id": entry.refund_id,
    }


def adjustment_from_record(record: Record) -> LedgerAdjustment:
    return LedgerAdjustment(
        entry_id=record["entry_id"],
        customer_id=record["customer_id"],
        kind=EntryKind(record["kind"]),
        credits=record["credits"],
        at=_parse_time(record["at"]),
        note=record["note"],
        order_id=record["order_id"],
        refund_id=record["refund_id"],
    )


def subscription_record(subscription: Subscription) -> Record:
    """Period lengths as whole microseconds, so no float touches them."""
    return {
        "customer_id": subscription.customer_id,
        "kind": subscription.kind,
        "version": subscription.version,
        "periods": [
            {
                "order_id": p.order_id,
                "starts_at": _time(p.starts_at),
                "ends_at": _time(p.ends_at),
                "bought_us": p.bought // timedelta(microseconds=1),
            }
            for p in subscription.periods
        ],
    }


def subscription_from_record(record: Record) -> Subscription:
    periods = tuple(
        SubscriptionPeriod(
            p["order_id"],
            _parse_time(p["starts_at"]),
            _parse_time(p["ends_at"]),
            timedelta(microseconds=p["bought_us"]),
        )
        for p in record["periods"]
    )
    return Subscription(record["customer_id"], record["kind"], periods, version=record["version"])


def referral_record(record: ReferralRecord) -> Record:
    return {
        "agent_id": record.agent_id,
        "customer_id": record.customer_id,
        "order_id": record.order_id,
        "amount": _money(record.amount),
        "commission": _money(record.commission),
        "status": record.status.value,
    }


def referral_from_record(record: Record) -> ReferralRecord:
    return ReferralRecord(
        agent_id=record["agent_id"],
        customer_id=record["customer_id"],
        order_id=record["order_id"],
        amount=_parse_money(record["amount"]),
        commission=_parse_money(record["commission"]),
        status=ReferralStatus(record["status"]),
    )
