"""The credit ledger: append-only per customer; one grant per paid order, never two.

A grant gives an order the credits its purchase names (one for a free-amount payment, the
plan's credits for a plan; zero for a period-only plan, whose grant row still records that
the order was fulfilled). The store's uniqueness on the grant's `order_id` is what makes
"never two" hold under concurrency. Reversals (refunds) and adjustments (an operator, with
a note) are further entries; the balance is the sum of them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import IllegalTransition, InsufficientCredits, InvalidField
from domain.money import Money
from domain.order import Order, OrderStatus

CREDITS_PER_PAID_ORDER = 1
MAX_NOTE_LENGTH = 500

__all__ = [
    "CREDITS_PER_PAID_ORDER",
    "CreditEntry",
    "EntryKind",
    "InsufficientCredits",
    "LedgerAdjustment",
    "StatementLine",
    "balance",
    "credit_for",
    "statement",
    "statement_page",
]


class EntryKind(StrEnum):
    GRANT = "grant"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class CreditEntry:
    """One grant of credits, keyed by the order that earned it."""

    order_id: str
    payment_id: str
    credits: int
    amount: Money
    customer_name: str
    customer_email: str
    method: str
    at: datetime
    customer_id: str = ""


def credit_for(order: Order, now: datetime) -> CreditEntry:
    """The ledger entry a paid order earns; refuses an order that is not paid."""
    paying = order.paying_attempt
    if order.status is not OrderStatus.PAID or paying is None:
        raise IllegalTransition(order.order_id, order.status, "credit")
    return CreditEntry(
        order_id=order.order_id,
        payment_id=paying.payment_id,
        credits=order.purchase.credits,
        amount=order.amount,
        customer_name=order.customer.name,
        customer_email=order.customer.email,
        method=paying.method,
        at=now,
        customer_id=order.customer_id,
    )


@dataclass(frozen=True, slots=True)
class LedgerAdjustment:
    """A ledger entry other than a grant: a reversal (its refund) or an operator's
    adjustment (its note). `credits` is signed; the entry is never changed once written."""

    entry_id: str
    customer_id: str
    kind: EntryKind
    credits: int
    at: datetime
    note: str = ""
    order_id: str | None = None
    refund_id: str | None = None

    def __post_init__(self) -> None:
        if not self.entry_id:
            raise InvalidField("entry_id", "must not be empty")
        if not self.customer_id:
            raise InvalidField("customer_id", "must not be empty")
        if not isinstance(self.kind, EntryKind) or self.kind is EntryKind.GRANT:
            raise InvalidField("kind", "must be a reversal or an adjustment")
        if isinstance(self.credits, bool) or not isinstance(self.credits, int):
            raise InvalidField("credits", "must be a whole number")
        if self.credits == 0:
            raise InvalidField("credits", "must not be zero")
        if len(self.note) > MAX_NOTE_LENGTH:
            raise InvalidField("note", f"must be at most {MAX_NOTE_LENGTH} characters")
        if self.kind is EntryKind.ADJUSTMENT and not self.note.strip():
            raise InvalidField("note", "an adjustment must say why")
        if self.kind is EntryKind.REVERSAL and self.refund_id is None:
            raise InvalidField("refund_id", "a reversal names its refund")

    @classmethod
    def by_operator(
        cls, entry_id: str, customer_id: str, credits: int, note: str, at: datetime, balance: int
    ) -> LedgerAdjustment:
        """An operator's adjustment, refused when it would take `balance` below zero."""
        entry = cls(entry_id, customer_id, EntryKind.ADJUSTMENT, credits, at, note.strip())
        if balance + credits < 0:
            raise InsufficientCredits(customer_id, balance, credits)
        return entry


@dataclass(frozen=True)
class StatementLine:
    """One entry as a customer's statement shows it, whatever its kind."""

    entry_id: str
    kind: EntryKind
    credits: int
    at: datetime
    order_id: str | None
    refund_id: str | None
    note: str


def statement(
    grants: Iterable[CreditEntry], adjustments: Iterable[LedgerAdjustment]
) -> list[StatementLine]:
    """Every entry of one customer, oldest first (ties by entry id). A grant's entry id
    is its order id, the key that makes it unique."""
    lines = [
        StatementLine(g.order_id, EntryKind.GRANT, g.credits, g.at, g.order_id, None, "")
        for g in grants
    ]
    lines += [
        StatementLine(a.entry_id, a.kind, a.credits, a.at, a.order_id, a.refund_id, a.note)
        for a in adjustments
    ]
    return sorted(lines, key=lambda line: (line.at, line.entry_id))


def balance(grants: Iterable[CreditEntry], adjustments: Iterable[LedgerAdjustment]) -> int:
    """A customer's credits: every grant and adjustment (reversals included) summed."""
    return sum(g.credits for g in grants) + sum(a.credits for a in adjustments)


def statement_page(
    grants: Iterable[CreditEntry],
    adjustments: Iterable[LedgerAdjustment],
    limit: int,
    offset: int = 0,
) -> list[StatementLine]:
    """Entries `offset` to `offset + limit` of `statement`, newest first. The entries
    given may be only each kind's newest `offset + limit`: those hold the page."""
    return statement(grants, adjustments)[::-1][offset : offset + limit]
