"""Committed orders and credits held in process memory, and the reports over them.

The memory store and the JSON journal store share this: they differ only in how a commit
is made durable and in what reading the committed state takes.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
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


class StateReports:
    """The operator's queries over committed state in process memory.

    `read` lends the state under the store's lock (the JSON store first catches up with
    what other processes appended), so a query never sees half a commit.
    """

    def __init__(self, read: Callable[[], AbstractAsyncContextManager[StoreState]]) -> None:
        self._read = read

    async def recent_orders(self, limit: int, offset: int = 0) -> list[Order]:
        """Newest first by created_at, ties broken by order id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            top = heapq.nlargest(
                offset + limit, state.orders.values(), key=lambda o: (o.created_at, o.order_id)
            )
            return [detached(o) for o in top[offset:]]

    async def failed_attempts(self, limit: int, offset: int = 0) -> list[FailedAttempt]:
        """Newest attempt first; ties by order id then payment id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            failures = (
                FailedAttempt(order.order_id, order.amount, attempt)
                for order in state.orders.values()
                for attempt in order.attempts
                if attempt.status.is_failure
            )
            top = heapq.nlargest(
                offset + limit,
                failures,
                key=lambda f: (f.attempt.at, f.order_id, f.attempt.payment_id),
            )
        return top[offset:]

    async def order_statistics(self) -> OrderStatistics:
        """Orders per status; orders with any attempt; count and amount of failed attempts."""
        by_status: Counter[str] = Counter()
        attempted = 0
        failures = 0
        failed_amount = ZERO
        async with self._read() as state:
            for order in state.orders.values():
                by_status[order.status.value] += 1
                if order.attempts:
                    attempted += 1
                for attempt in order.attempts:
                    if attempt.status.is_failure:
                        failures += 1
                        failed_amount += attempt.amount.amount
        return OrderStatistics(dict(by_status), attempted, failures, failed_amount)

    async def credits(self, limit: int, offset: int = 0) -> list[CreditEntry]:
        """Newest first by time of grant, ties by order id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            top = heapq.nlargest(
                offset + limit, state.credits.values(), key=lambda c: (c.at, c.order_id)
            )
        return top[offset:]

    async def ledger_totals(self) -> LedgerTotals:
        async with self._read() as state:
            entries = state.credits.values()
            return LedgerTotals(
                entries=len(entries),
                credits=sum(c.credits for c in entries),
                amount=sum((c.amount.amount for c in entries), ZERO),
            )
