"""Committed orders and credits held in process memory, and the reports over them.

The memory store and the JSON journal store share this: they differ only in how a commit
is made durable and in what reading the committed state takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import islice
from typing import Any

from adapters.store.detached import detached
from adapters.store.indexed_table import Counted, Each, IndexedTable, Members, Sorted, Tally
from adapters.store.paging import check_page
from adapters.store.state_accounts import StateAccountReports
from adapters.store.state_outbox import StateOutboxReports
from adapters.store.state_reconcile import StateReconcileReports, may_still_move
from adapters.store.state_references import StateReferenceReports
from adapters.store.state_refunds import StateRefundReports
from adapters.store.state_search import StateSearchReports
from application.ports import FailedAttempt, LedgerTotals, OrderStatistics
from domain.accounts import CustomerProfile
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.notifications import OutboxMessage, RecipientKind
from domain.order import AttemptStatus, Order
from domain.referrals import ReferralRecord
from domain.refunds import Refund, RefundState
from domain.subscriptions import Subscription

ZERO = Decimal("0.00")
_ABSENT = object()


@dataclass
class Changes:
    """The writes of one unit of work, applied together at commit."""

    orders: dict[str, Order] = field(default_factory=dict)
    credits: dict[str, CreditEntry] = field(default_factory=dict)
    customers: dict[str, CustomerProfile] = field(default_factory=dict)
    adjustments: dict[str, LedgerAdjustment] = field(default_factory=dict)
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    referrals: dict[str, ReferralRecord] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.orders
            or self.credits
            or self.customers
            or self.adjustments
            or self.subscriptions
            or self.referrals
            or self.outbox
            or self.refunds
        )

    def clear(self) -> None:
        self.orders.clear()
        self.credits.clear()
        self.customers.clear()
        self.adjustments.clear()
        self.subscriptions.clear()
        self.referrals.clear()
        self.outbox.clear()
        self.refunds.clear()


class Undo:
    """What applied changes replaced, to put back if they fail to become durable."""

    def __init__(self) -> None:
        self._replaced: list[tuple[dict[Any, Any], Any, Any]] = []

    def remember(self, table: dict[Any, Any], key: Any) -> None:
        self._replaced.append((table, key, table.get(key, _ABSENT)))

    def restore(self) -> None:
        """Newest first, so a key changed twice ends with the value it had before both."""
        for table, key, previous in reversed(self._replaced):
            if previous is _ABSENT:
                table.pop(key, None)
            else:
                table[key] = previous
        self._replaced.clear()


def _failed_places(order: Order) -> tuple[tuple[datetime, str, str, int], ...]:
    """Where each failed attempt of `order` stands among all: by time, order, payment id;
    its position last, to find it again."""
    if not order.attempts:
        return ()
    return tuple(
        (attempt.at, order.order_id, attempt.payment_id, position)
        for position, attempt in enumerate(order.attempts)
        if attempt.status.is_failure
    )


def _statistics(order: Order) -> tuple[int, int, int, Decimal, int] | None:
    """What the statistics add up of an order: attempted (0 or 1), paid after close (0 or
    1), its failed attempts, their amount and the drop-outs among them (None: nothing to
    add, an order not attempted yet)."""
    if not order.attempts:
        return None
    failed = [a for a in order.attempts if a.status.is_failure]
    if not failed:
        return 1, int(order.paid_after_close), 0, ZERO, 0
    amount = sum((a.amount.amount for a in failed), ZERO)
    dropped = sum(a.status is AttemptStatus.USER_DROPPED for a in failed)
    return 1, int(order.paid_after_close), len(failed), amount, dropped


def _references(order: Order) -> tuple[str, ...]:
    """What an operator may find an order by besides its id: its payments' ids and bank
    references, and Cashfree's id of the order."""
    found = [attempt.payment_id for attempt in order.attempts]
    found.extend(attempt.bank_reference for attempt in order.attempts if attempt.bank_reference)
    if order.gateway_order_id:
        found.append(order.gateway_order_id)
    return tuple(found)


def _contacts(order: Order) -> tuple[tuple[str, str], tuple[str, str]]:
    """The e-mail and the phone the order's customer paid it with, each with the customer:
    an operator finds a customer by any contact of their orders (an e-mail holds `@`, a
    phone only digits, so one index holds both)."""
    customer = order.customer
    return (customer.email, order.customer_id), (customer.phone, order.customer_id)


def _unreferenced(order: Order) -> tuple[str, ...]:
    return (order.order_id,) if order.lacks_bank_reference else ()


def _orders() -> IndexedTable[str, Order]:
    """By customer; the orders the reconciler may still see move; those paid without the
    bank's reference, by id (the backfill's pages); and for the operator: by a payment's or
    Cashfree's reference (a search), the customers who paid with a contact (a search),
    counts by status, newest first, failed attempts, and the statistics' sums."""
    return IndexedTable(
        customer=lambda o: o.customer_id,
        reference=Each(_references),
        contact=Members(_contacts),
        may_move=lambda o: True if may_still_move(o) else None,
        unreferenced=Sorted(_unreferenced),
        status=Counted(lambda o: o.status),
        created=Sorted(lambda o: (o.created_at,)),
        failed=Sorted(_failed_places),
        statistics=Tally(_statistics, (0, 0, 0, ZERO, 0)),
    )


def _credits() -> IndexedTable[str, CreditEntry]:
    """By customer (a balance, a statement); by time of grant and the ledger's totals (the
    operator's)."""
    return IndexedTable(
        customer=lambda entry: entry.customer_id,
        granted=Sorted(lambda entry: (entry.at,)),
        totals=Tally(lambda entry: (1, entry.credits, entry.amount.amount), (0, 0, ZERO)),
    )


def _by_customer() -> IndexedTable[str, Any]:
    """Adjustments: what a balance or a statement reads."""
    return IndexedTable(customer=lambda entry: entry.customer_id)


def _subscriptions() -> IndexedTable[tuple[str, str], Subscription]:
    """By customer; by the end of their last period (the active ones' report)."""
    return IndexedTable(
        customer=lambda s: s.customer_id,
        ending=Sorted(lambda s: () if s.ends_at is None else (s.ends_at,)),
    )


def _customers() -> IndexedTable[str, CustomerProfile]:
    """By e-mail and by phone: what an operator's search finds a customer by."""
    return IndexedTable(email=lambda c: c.email, phone=lambda c: c.phone)


def _referrals() -> IndexedTable[str, ReferralRecord]:
    return IndexedTable(agent=lambda r: r.agent_id)


def _outbox() -> IndexedTable[str, OutboxMessage]:
    """`due`: the undelivered by next attempt (the relay's poll); `inbox`: a customer's
    messages."""
    return IndexedTable(
        due=Sorted(lambda m: (m.next_attempt_at,) if m.delivered_at is None else ()),
        inbox=lambda m: m.recipient_id if m.recipient_kind == RecipientKind.CUSTOMER else None,
    )


def _created_in(state: RefundState, refund: Refund) -> tuple[datetime, ...]:
    return (refund.created_at,) if refund.state is state else ()


def _refunded(refund: Refund) -> tuple[int, Decimal] | None:
    return (1, refund.amount.amount) if refund.state is RefundState.SUCCESS else None


def _refund_references(refund: Refund) -> tuple[str, ...]:
    """What an operator may find a refund's order by besides the refund's id: Cashfree's id
    of the refund and the bank's (ARN)."""
    return tuple(found for found in (refund.gateway_refund_id, refund.arn) if found)


def _without_arn(refund: Refund) -> tuple[str, ...]:
    return (refund.refund_id,) if refund.state is RefundState.SUCCESS and not refund.arn else ()


def _refunds() -> IndexedTable[str, Refund]:
    """By order; by Cashfree's or the bank's reference (a search); by creation, all and in
    each state (the refund pages, the reconciler's pending ones); the successful ones
    without an ARN, by id (the backfill's pages); the successful ones' count and amount."""
    in_state = {f"created_{s.value}": Sorted(partial(_created_in, s)) for s in RefundState}
    return IndexedTable(
        order=lambda r: r.order_id,
        reference=Each(_refund_references),
        unreferenced=Sorted(_without_arn),
        created=Sorted(lambda r: (r.created_at,)),
        refunded=Tally(_refunded, (0, ZERO)),
        **in_state,
    )


@dataclass
class StoreState:
    """What has been committed, keyed by order id; the tables that queries read by some
    other key keep an index of it (see `IndexedTable`)."""

    orders: IndexedTable[str, Order] = field(default_factory=_orders)
    credits: IndexedTable[str, CreditEntry] = field(default_factory=_credits)
    customers: IndexedTable[str, CustomerProfile] = field(default_factory=_customers)
    adjustments: IndexedTable[str, LedgerAdjustment] = field(default_factory=_by_customer)
    subscriptions: IndexedTable[tuple[str, str], Subscription] = field(
        default_factory=_subscriptions
    )
    referrals: IndexedTable[str, ReferralRecord] = field(default_factory=_referrals)
    outbox: IndexedTable[str, OutboxMessage] = field(default_factory=_outbox)
    refunds: IndexedTable[str, Refund] = field(default_factory=_refunds)

    def apply(self, changes: Changes, undo: Undo | None = None) -> None:
        """Make the changes visible; with `undo`, first remember what they replace."""
        pairs: list[tuple[dict[Any, Any], dict[Any, Any]]] = [
            (self.orders, changes.orders),
            (self.credits, changes.credits),
            (self.customers, changes.customers),
            (self.adjustments, changes.adjustments),
            (self.subscriptions, changes.subscriptions),
            (self.referrals, changes.referrals),
            (self.outbox, changes.outbox),
            (self.refunds, changes.refunds),
        ]
        for table, changed in pairs:
            if not changed:
                continue  # most units write two or three of the eight tables
            if undo is not None:
                for key in changed:
                    undo.remember(table, key)
            table.update(changed)

    @contextmanager
    def loading(self) -> Iterator[None]:
        """Every table loading in bulk (`IndexedTable.loading`): a store reading its files."""
        with ExitStack() as stack:
            for table in self._tables():
                stack.enter_context(table.loading())
            yield

    def clear(self) -> None:
        for table in self._tables():
            table.clear()

    def _tables(self) -> tuple[IndexedTable[Any, Any], ...]:
        return (
            self.orders,
            self.credits,
            self.customers,
            self.adjustments,
            self.subscriptions,
            self.referrals,
            self.outbox,
            self.refunds,
        )


class StateReports(
    StateAccountReports,
    StateOutboxReports,
    StateReconcileReports,
    StateReferenceReports,
    StateRefundReports,
    StateSearchReports,
):
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
            page = islice(state.orders.in_order("created", reverse=True), offset, offset + limit)
            return [detached(state.orders[order_id]) for _, order_id in page]

    async def failed_attempts(self, limit: int, offset: int = 0) -> list[FailedAttempt]:
        """Newest attempt first; ties by order id then payment id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            page = islice(state.orders.in_order("failed", reverse=True), offset, offset + limit)
            found = []
            for (_, order_id, _, position), _ in page:
                order = state.orders[order_id]
                found.append(FailedAttempt(order_id, order.amount, order.attempts[position]))
        return found

    async def order_statistics(self) -> OrderStatistics:
        """Orders per status; orders with any attempt; count and amount of failed attempts,
        and how many of those were drop-outs."""
        async with self._read() as state:
            orders = state.orders
            by_status = {str(status): n for status, n in orders.counts("status").items()}
            attempted, paid_after_close, failures, failed_amount, dropped = orders.total(
                "statistics"
            )
        return OrderStatistics(
            by_status,
            attempted,
            failures,
            failed_amount,
            paid_after_close,
            dropped_attempts=dropped,
        )

    async def credits(self, limit: int, offset: int = 0) -> list[CreditEntry]:
        """Newest first by time of grant, ties by order id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            page = islice(state.credits.in_order("granted", reverse=True), offset, offset + limit)
            return [state.credits[order_id] for _, order_id in page]

    async def ledger_totals(self) -> LedgerTotals:
        async with self._read() as state:
            entries, credits, amount = state.credits.total("totals")
        return LedgerTotals(entries=entries, credits=credits, amount=amount)
