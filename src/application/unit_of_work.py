"""Units of work that publish what they wrote, after it is committed and never otherwise.

Use cases change orders and grant credits; they never publish by hand. This wrapper sits
over any store's unit of work (memory, JSON journal, SQL), so the rule is written once: an
order's events are taken from it when the order is written (added or saved), an
`OrderCredited` is recorded when a ledger entry is written, a saved subscription hands over
its `SubscriptionActivated` events, `record` takes facts no aggregate carries (a
`ReferralEarned`), and all reach the publisher when the unit of work ends, for what was
committed. A rollback, a failed commit or an exit without commit drops them: subscribers
never hear of a change the store does not hold. The notifications those events call for
go to the outbox in the same transaction, just before the commit. Once committed, each
order's payment state change is logged and counted (`payment_states`), and the commit's
duration measured.
"""

from __future__ import annotations

import contextlib
import time
from types import TracebackType
from typing import Self

from application import payment_states
from application.payment_states import State, StateChange
from application.ports import (
    CreditLedger,
    CustomerRepository,
    EventPublisher,
    Metrics,
    OrderRepository,
    Outbox,
    ReferralRepository,
    RefundRepository,
    Store,
    SubscriptionRepository,
    UnitOfWork,
)
from domain.events import Event, OrderCredited
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.notifications import notifications_for
from domain.order import Order
from domain.refunds import Refund
from domain.subscriptions import Subscription


class _Events:
    """Events of writes not yet committed, and of writes committed but not yet published.

    Credits are kept after the order changes of the same commit, because a credit is
    always earned by an order that was paid first.
    """

    def __init__(self) -> None:
        self.orders: list[Event] = []
        self.credits: list[Event] = []
        self.fulfilment: list[Event] = []
        self.committed: list[Event] = []
        # order id -> customer id of every order written: order events do not name it
        self.customers: dict[str, str] = {}
        # order id -> its state as last read or written in this unit of work
        self.states: dict[str, State] = {}
        self.changes: list[StateChange] = []
        self.committed_changes: list[StateChange] = []

    def written(self, order: Order, events: list[Event], *, new: bool) -> None:
        """An order was added or saved with `events`: note them and its state change."""
        self.orders += events
        self.customers[order.order_id] = order.customer_id
        before = None if new else self.states.get(order.order_id)
        change = payment_states.state_change(order, before, events)
        if change is not None:
            self.changes.append(change)
        self.states[order.order_id] = payment_states.state_of(order)

    def commit(self) -> None:
        self.committed += self.pending()
        self.committed_changes += self.changes
        self.discard()

    def pending(self) -> list[Event]:
        """What the next commit will publish, in publishing order."""
        return self.orders + self.credits + self.fulfilment

    def discard(self) -> None:
        self.orders = []
        self.credits = []
        self.fulfilment = []
        self.changes = []

    def take_committed(self) -> tuple[list[Event], list[StateChange]]:
        committed, self.committed = self.committed, []
        changes, self.committed_changes = self.committed_changes, []
        return committed, changes


class _CollectingOrders:
    """The store's orders; each written order hands its events over."""

    def __init__(self, orders: OrderRepository, events: _Events) -> None:
        self._orders = orders
        self._events = events

    async def add(self, order: Order) -> None:
        await self._orders.add(order)
        self._events.written(order, order.pull_events(), new=True)

    async def get(self, order_id: str) -> Order | None:
        order = await self._orders.get(order_id)
        if order is not None:
            self._events.states.setdefault(order_id, payment_states.state_of(order))
        return order

    def adopt(self, order: Order) -> None:
        self._orders.adopt(order)
        self._events.states.setdefault(order.order_id, payment_states.state_of(order))

    async def save(self, order: Order) -> None:
        await self._orders.save(order)
        self._events.written(order, order.pull_events(), new=False)


class _CollectingLedger:
    """The store's ledger; each written entry is an `OrderCredited`."""

    def __init__(self, ledger: CreditLedger, events: _Events) -> None:
        self._ledger = ledger
        self._events = events

    async def add(self, entry: CreditEntry) -> None:
        await self._ledger.add(entry)
        self._events.credits.append(OrderCredited(entry.order_id, entry.at, entry.credits))

    async def get(self, order_id: str) -> CreditEntry | None:
        return await self._ledger.get(order_id)

    async def add_adjustment(self, entry: LedgerAdjustment) -> None:
        await self._ledger.add_adjustment(entry)

    async def balance(self, customer_id: str) -> int:
        return await self._ledger.balance(customer_id)


class _CollectingSubscriptions:
    """The store's subscriptions; each saved subscription hands its events over
    (a `SubscriptionActivated` per period granted)."""

    def __init__(self, subscriptions: SubscriptionRepository, events: _Events) -> None:
        self._subscriptions = subscriptions
        self._events = events

    async def get(self, customer_id: str, kind: str) -> Subscription | None:
        return await self._subscriptions.get(customer_id, kind)

    async def save(self, subscription: Subscription) -> None:
        await self._subscriptions.save(subscription)
        self._events.fulfilment += subscription.pull_events()


class _CollectingRefunds:
    """The store's refunds; each written refund hands its events over."""

    def __init__(self, refunds: RefundRepository, events: _Events) -> None:
        self._refunds = refunds
        self._events = events

    async def add(self, refund: Refund) -> None:
        await self._refunds.add(refund)
        self._events.fulfilment += refund.pull_events()

    async def get(self, refund_id: str) -> Refund | None:
        return await self._refunds.get(refund_id)

    async def for_order(self, order_id: str) -> list[Refund]:
        return await self._refunds.for_order(order_id)

    async def save(self, refund: Refund) -> None:
        await self._refunds.save(refund)
        self._events.fulfilment += refund.pull_events()


class PublishingUnitOfWork:
    """A store's unit of work whose committed events are published when it ends.

    Publishing waits for the end, after the store has let go of its locks and
    connection, so a subscriber reading the order at once finds the committed state.
    """

    def __init__(
        self, inner: UnitOfWork, publisher: EventPublisher, metrics: Metrics | None = None
    ) -> None:
        self._inner = inner
        self._publisher = publisher
        self._metrics = metrics
        self._events = _Events()
        self.orders: OrderRepository = _CollectingOrders(inner.orders, self._events)
        self.ledger: CreditLedger = _CollectingLedger(inner.ledger, self._events)
        self.customers: CustomerRepository = inner.customers
        self.subscriptions: SubscriptionRepository = _CollectingSubscriptions(
            inner.subscriptions, self._events
        )
        self.referrals: ReferralRepository = inner.referrals
        self.outbox: Outbox = inner.outbox
        self.refunds: RefundRepository = _CollectingRefunds(inner.refunds, self._events)

    def record(self, event: Event) -> None:
        """Publish `event` if this unit of work commits (facts no aggregate carries,
        such as a `ReferralEarned`); dropped like the rest on rollback."""
        self._events.fulfilment.append(event)

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events.discard()
        try:
            await self._inner.__aexit__(exc_type, exc, tb)
        finally:
            committed, changes = self._events.take_committed()
            if committed:
                await self._publisher.publish(committed)
                if self._metrics is not None:
                    payment_states.count(committed, self._metrics)
            for change in changes:
                change.log()

    async def commit(self) -> None:
        """Commit, or on failure roll back, so a later commit cannot write what the
        failed one dropped the events of. The commit's error is the one reported.

        The notifications of the events about to be committed go to the outbox first,
        in the same transaction: the outbox holds a message exactly when its fact is stored.
        """
        try:
            for message in notifications_for(self._events.pending(), self._events.customers):
                await self._inner.outbox.add(message)
            started = time.perf_counter()
            await self._inner.commit()
            if self._metrics is not None:
                self._metrics.store_commit(time.perf_counter() - started)
        except BaseException as failure:
            self._events.discard()
            if isinstance(failure, Exception):
                with contextlib.suppress(Exception):
                    await self._inner.rollback()
            raise
        self._events.commit()

    async def rollback(self) -> None:
        self._events.discard()
        await self._inner.rollback()


class UnitOfWorkFactory:
    """Opens publishing units of work on one store: what use cases that write depend on."""

    def __init__(
        self, store: Store, publisher: EventPublisher, metrics: Metrics | None = None
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._metrics = metrics

    def __call__(self) -> PublishingUnitOfWork:
        return PublishingUnitOfWork(self._store.unit_of_work(), self._publisher, self._metrics)
