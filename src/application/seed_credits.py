"""The checkout seed's `credits.json`, read into this service's domain.

The seed (an Express app, `creditManager.js`) keeps everything in one JSON document:

    {"totalCredits": 2, "payments": [...], "failedPayments": [...], "orders": [...],
     "lastUpdated": "...", "version": "1.0"}

- `orders[]`, written at order creation: `orderId`, `customerId` (a random `CUST_...` per
  order, so one person has many), `amount` (a float), `customerName`, `customerEmail`,
  `customerPhone` (as the customer typed them), `status` (CREATED, then PAID or FAILED),
  `createdAt`, `paymentSessionId`, and `paidAt` or `failedAt` and `failureReason`.
- `payments[]`, one per credited order: `id` (`PAY_...`, the seed's own), `orderId`,
  `transactionId` (Cashfree's `cf_payment_id` from a webhook, its `cf_order_id` from a
  status poll), `amount`, `currency`, `customerName`, `customerEmail`, `paymentMethod`
  (Cashfree's `payment_method` object from a webhook, absent from a poll), `status`
  (SUCCESS), `timestamp`, `processedAt`.
- `failedPayments[]`, one per order at most: `id`, `orderId`, `amount`, `status` (FAILED),
  `reason` (the gateway's payment message, or the order status EXPIRED or CANCELLED that
  a status poll saw), `timestamp`, `failedAt`.

Each seed order becomes an `Order` kept under the seed's order id, its customer id derived
from the e-mail as AUTH_MODE=none does, buying a free amount (one credit, as the seed's
`totalCredits` counts one per payment). It is replayed through the domain's own state
machine, in time order: the seed created it at Cashfree (ACTIVE); a failed payment is a
FAILED attempt (the reason its message), and a poll's EXPIRED or CANCELLED also ends the
order (EXPIRED, TERMINATED); a payment is a SUCCESS attempt (id `transactionId`, method
the kind of `paymentMethod`, never its details) that pays the order, which earns one
grant. Amounts become Decimal with two places (floats are read as their exact decimal
text; a third place is rounded half-up and noted). Each customer gets a profile with
their latest contact details. Notifications are not made: these payments were told of
long ago.

What cannot be mapped (a record without an order id or a readable time, customer
details the service would refuse, a payment for an order the file does not hold) is
skipped and reported with the reason; nothing is dropped silently. Reports name records
and order ids, never a customer's personal data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.accounts import CustomerProfile
from domain.customer import Customer, customer_id_for_email
from domain.errors import DomainError
from domain.ledger import CreditEntry, credit_for
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus, PaymentAttempt

MAX_ID_LENGTH = 100
MAX_METHOD_LENGTH = 100
_CLOSING_REASONS = {"EXPIRED": "expire", "CANCELLED": "terminate"}


class SeedUnreadable(ValueError):
    """The file is not the seed's credits.json at all (not JSON, or not its shape)."""


@dataclass(frozen=True)
class SeedIssue:
    """A seed record (`where`, e.g. `payments[3]`) that was skipped or needs a note."""

    where: str
    order_id: str | None
    problem: str

    def __str__(self) -> str:
        order = f" (order {self.order_id})" if self.order_id else ""
        return f"{self.where}{order}: {self.problem}"


@dataclass
class SeedRecords:
    """The seed's history as this service's records, and what did not map cleanly."""

    customers: list[CustomerProfile] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    grants: list[CreditEntry] = field(default_factory=list)
    skipped: list[SeedIssue] = field(default_factory=list)
    notes: list[SeedIssue] = field(default_factory=list)
    total_credits: int | None = None


class _Unmappable(Exception):
    """This record cannot become a record of ours; the message says why."""


@dataclass(frozen=True)
class _Event:
    """A seed payment or failure, placed in time to be replayed on its order."""

    where: str
    at: datetime
    attempt: PaymentAttempt
    reason: str


def _text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _Unmappable(f"{name} is not text")
    return str(value).strip() or None


def _order_id(record: Mapping[str, Any]) -> str:
    order_id = _text(record, "orderId")
    if order_id is None:
        raise _Unmappable("no orderId")
    if len(order_id) > MAX_ID_LENGTH:
        raise _Unmappable(f"orderId longer than {MAX_ID_LENGTH} characters")
    return order_id


def _time(record: Mapping[str, Any], *names: str) -> datetime:
    """The first of `names` present, as an aware datetime (the seed writes toISOString)."""
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _Unmappable(f"{name} is not a time")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Unmappable(f"{name} is not an ISO 8601 time") from None
        if moment.utcoffset() is None:
            raise _Unmappable(f"{name} has no UTC offset")
        return moment
    raise _Unmappable(f"no {' or '.join(names)}")


def _amount(record: Mapping[str, Any], notes: list[SeedIssue], where: str) -> Money:
    value = record.get("amount")
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise _Unmappable("amount is not a number")
    try:
        exact = Decimal(value)
    except InvalidOperation:
        raise _Unmappable("amount is not a number") from None
    if not exact.is_finite() or exact <= 0:
        raise _Unmappable("amount is not a positive number")
    cents = Money.quantize(exact)
    if cents != exact:
        notes.append(
            SeedIssue(where, _text(record, "orderId"), f"amount {exact} rounded to {cents}")
        )
    currency = _text(record, "currency") or "INR"
    try:
        return Money.of(cents, currency)
    except DomainError as exc:
        raise _Unmappable(str(exc)) from None


def _method(value: object) -> str:
    """The kind of payment: Cashfree's `payment_method` is `{"upi": {...}}`; its details
    (a UPI id, a masked card) are personal data and are not kept."""
    if isinstance(value, str):
        return value.strip()[:MAX_METHOD_LENGTH]
    if isinstance(value, Mapping) and len(value) == 1:
        return str(next(iter(value)))[:MAX_METHOD_LENGTH]
    return ""


def _records(document: Mapping[str, Any], name: str) -> list[tuple[str, Mapping[str, Any]]]:
    items = document.get(name, [])
    if not isinstance(items, list):
        raise SeedUnreadable(f"{name} is not a list")
    return [(f"{name}[{index}]", item) for index, item in enumerate(items)]


class SeedTranslation:
    """One reading of a seed document; `translate` runs it once."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._out = SeedRecords()
        self._events: dict[str, list[_Event]] = {}

    def translate(self) -> SeedRecords:
        total = self._document.get("totalCredits")
        if isinstance(total, int) and not isinstance(total, bool):
            self._out.total_credits = total
        self._collect("payments", self._payment)
        self._collect("failedPayments", self._failure)
        seen: set[str] = set()
        mapped: set[str] = set()
        for where, record in _records(self._document, "orders"):
            order_id = None
            try:
                if not isinstance(record, Mapping):
                    raise _Unmappable("not an object")
                order_id = _order_id(record)
                if order_id in seen:
                    raise _Unmappable("a second order record with this orderId")
                seen.add(order_id)
                self._order(where, order_id, record)
                mapped.add(order_id)
            except _Unmappable as exc:
                self._out.skipped.append(SeedIssue(where, order_id, str(exc)))
        for order_id, events in sorted(self._events.items()):
            if order_id not in mapped:
                problem = (
                    "its order record was skipped"
                    if order_id in seen
                    else "no order record with this orderId"
                )
                self._out.skipped += [SeedIssue(e.where, order_id, problem) for e in events]
        self._out.customers = self._profiles()
        return self._out

    def _collect(self, name: str, read: Callable[[str, Mapping[str, Any]], _Event]) -> None:
        for where, record in _records(self._document, name):
            order_id = None
            try:
                if not isinstance(record, Mapping):
                    raise _Unmappable("not an object")
                order_id = _order_id(record)
                event = read(where, record)
            except _Unmappable as exc:
                self._out.skipped.append(SeedIssue(where, order_id, str(exc)))
                continue
            self._events.setdefault(order_id, []).append(event)

    def _payment(self, where: str, record: Mapping[str, Any]) -> _Event:
        at = _time(record, "processedAt", "timestamp")
        payment_id = _text(record, "transactionId") or _text(record, "id")
        if payment_id is None:
            raise _Unmappable("neither transactionId nor id")
        attempt = PaymentAttempt(
            payment_id=payment_id[:MAX_ID_LENGTH],
            status=AttemptStatus.SUCCESS,
            amount=_amount(record, self._out.notes, where),
            at=at,
            method=_method(record.get("paymentMethod")),
        )
        return _Event(where, at, attempt, "")

    def _failure(self, where: str, record: Mapping[str, Any]) -> _Event:
        at = _time(record, "failedAt", "timestamp")
        payment_id = _text(record, "id") or f"{_order_id(record)}-failure"
        reason = _text(record, "reason") or ""
        attempt = PaymentAttempt(
            payment_id=payment_id[:MAX_ID_LENGTH],
            status=AttemptStatus.FAILED,
            amount=_amount(record, self._out.notes, where),
            at=at,
            message=reason,
        )
        return _Event(where, at, attempt, reason)

    def _order(self, where: str, order_id: str, record: Mapping[str, Any]) -> None:
        try:
            customer = Customer.create(
                record.get("customerName"), record.get("customerEmail"), record.get("customerPhone")
            )
        except DomainError as exc:
            raise _Unmappable(f"customer details the service refuses ({exc})") from None
        created_at = _time(record, "createdAt")
        order = Order.create(
            order_id,
            _amount(record, self._out.notes, where),
            customer,
            created_at,
            customer_id=customer_id_for_email(customer.email),
        )
        # The seed opened it at Cashfree, but kept neither Cashfree's cf_order_id nor,
        # sometimes, the session: what it did not keep stays None.
        order.activate("", "", created_at)
        order.gateway_order_id = None
        order.payment_session_id = _text(record, "paymentSessionId")
        events = sorted(self._events.get(order_id, []), key=lambda e: e.at)
        payments = [e for e in events if e.attempt.status is AttemptStatus.SUCCESS]
        for extra in payments[1:]:
            self._out.skipped.append(
                SeedIssue(extra.where, order_id, "a second payment of this order")
            )
            events.remove(extra)
        try:
            for event in events:
                self._replay(order, event)
        except DomainError as exc:
            raise _Unmappable(str(exc)) from None
        self._check_status(where, order, record)
        order.pull_events()
        self._out.orders.append(order)
        if order.status is OrderStatus.PAID:
            assert order.paid_at is not None
            self._out.grants.append(credit_for(order, order.paid_at))

    def _replay(self, order: Order, event: _Event) -> None:
        order.record_attempt(event.attempt, event.at)
        recorded = order.attempt(event.attempt.payment_id)
        if recorded is not None and recorded.mismatch:
            self._out.notes.append(
                SeedIssue(
                    event.where,
                    order.order_id,
                    f"paid {event.attempt.amount.amount} for an order of {order.amount.amount}:"
                    " kept as a mismatched attempt, not credited (the seed credited it)",
                )
            )
        closing = _CLOSING_REASONS.get(event.reason.upper())
        if closing is not None and order.status is OrderStatus.ACTIVE:
            getattr(order, closing)(event.at)

    def _check_status(self, where: str, order: Order, record: Mapping[str, Any]) -> None:
        seed_status = (_text(record, "status") or "").upper()
        if seed_status == "PAID" and order.status is not OrderStatus.PAID:
            self._out.notes.append(
                SeedIssue(
                    where,
                    order.order_id,
                    "the seed marked it PAID without a payment record: imported unpaid "
                    f"({order.status.value}) for the reconciler to ask Cashfree",
                )
            )
        elif seed_status == "FAILED" and not any(a.status.is_failure for a in order.attempts):
            self._out.notes.append(
                SeedIssue(
                    where,
                    order.order_id,
                    "the seed marked it FAILED without a failure record: imported "
                    f"{order.status.value}",
                )
            )

    def _profiles(self) -> list[CustomerProfile]:
        """One profile per customer: the latest contact details, the first order's time."""
        profiles: dict[str, CustomerProfile] = {}
        for order in sorted(self._out.orders, key=lambda o: (o.created_at, o.order_id)):
            known = profiles.get(order.customer_id)
            latest = CustomerProfile(
                order.customer_id,
                order.customer.name,
                order.customer.email,
                order.customer.phone,
                None,
                order.created_at if known is None else known.created_at,
            )
            profiles[order.customer_id] = latest
        return [profiles[key] for key in sorted(profiles)]


def read_seed_credits(raw: bytes) -> SeedRecords:
    """The seed's credits.json as records of ours; SeedUnreadable if it is not one."""
    try:
        document = json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SeedUnreadable(f"not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise SeedUnreadable("not a JSON object")
    if not any(name in document for name in ("orders", "payments", "failedPayments")):
        raise SeedUnreadable("no orders, payments or failedPayments: not the seed's credits.json")
    return SeedTranslation(document).translate()
