"""Committed orders and credits held in process memory, and the queries over them.

The memory store and the JSON journal store share this: they differ only in how a commit
is made durable. Queries take any mapping of orders, so a unit of work can run them over
its staged writes laid on top of the committed state.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from adapters.store.paging import check_page
from application.ports import FailedAttempt, LedgerTotals, OrderStatistics
from domain.ledger import CreditEntry
from domain.order import Order

ZERO = Decimal("0.00")


def detached(order: Order) -> Order:
    """A copy no caller can change the stored order through.

    Everything an Order holds besides its attempt list is immutable (frozen attempts, Money,
    Customer, datetimes, strings), so copying the list is a deep copy. Events stay behind.
    """
    return replace(order, attempts=list(order.attempts), events=[])


@dataclass
class Changes:
    """The writes of one unit of work, applied together at commit."""

    orders: dict[str, Order] = field(default_factory=dict)
    credits: dict[str, CreditEntry] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.orders or self.credits)

    def clear(self) -> None:
        self.orders.clear()
        self.credits.clear()


@dataclass
class StoreState:
    """What has been committed, keyed by order id."""

    orders: dict[str, Order] = field(default_factory=dict)
    credits: dict[str, CreditEntry] = field(default_factory=dict)

    def apply(self, changes: Changes) -> None:
        self.orders.update(changes.orders)
        self.credits.update(changes.credits)

    def clear(self) -> None:
        self.orders.clear()
        self.credits.clear()


def recent_orders(orders: Iterable[Order], limit: int, offset: int) -> list[Order]:
    """Newest first by created_at, ties broken by order id (descending)."""
    check_page(limit, offset)
    top = heapq.nlargest(offset + limit, orders, key=lambda o: (o.created_at, o.order_id))
    return [detached(o) for o in top[offset:]]


def failed_attempts(orders: Iterable[Order], limit: int, offset: int) -> list[FailedAttempt]:
    """Failed attempts, newest attempt first; ties by order id then payment id (descending)."""
    check_page(limit, offset)
    failures = (
        FailedAttempt(order.order_id, order.amount, attempt)
        for order in orders
        for attempt in order.attempts
        if attempt.status.is_failure
    )
    top = heapq.nlargest(
        offset + limit, failures, key=lambda f: (f.attempt.at, f.order_id, f.attempt.payment_id)
    )
    return top[offset:]


def order_statistics(orders: Iterable[Order]) -> OrderStatistics:
    """Orders per status; orders with any attempt; count and amount of failed attempts."""
    by_status: Counter[str] = Counter()
    attempted = 0
    failures = 0
    failed_amount = ZERO
    for order in orders:
        by_status[order.status.value] += 1
        if order.attempts:
            attempted += 1
        for attempt in order.attempts:
            if attempt.status.is_failure:
                failures += 1
                failed_amount += attempt.amount.amount
    return OrderStatistics(dict(by_status), attempted, failures, failed_amount)


def recent_credits(credits: Iterable[CreditEntry], limit: int, offset: int) -> list[CreditEntry]:
    """Newest first by time of grant, ties by order id (descending)."""
    check_page(limit, offset)
    top = heapq.nlargest(offset + limit, credits, key=lambda c: (c.at, c.order_id))
    return top[offset:]


def ledger_totals(credits: Mapping[str, CreditEntry]) -> LedgerTotals:
    return LedgerTotals(
        entries=len(credits),
        credits=sum(c.credits for c in credits.values()),
        amount=sum((c.amount.amount for c in credits.values()), ZERO),
    )
