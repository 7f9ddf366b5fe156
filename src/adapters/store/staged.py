"""A unit of work that stages writes in memory and applies them at commit.

Used by the stores whose units of work are serialized by a lock (memory, JSON journal):
with the lock held from enter to exit nothing else can change the committed state, so the
duplicate and version checks made when an operation is called stay true until commit.
"""

from __future__ import annotations

from collections import ChainMap
from types import TracebackType
from typing import Self

from adapters.store.staged_accounts import (
    StagedAdjustments,
    StagedCustomers,
    StagedReferrals,
    StagedSubscriptions,
)
from adapters.store.staged_outbox import StagedOutbox
from adapters.store.staged_refunds import StagedRefunds
from adapters.store.state import Changes, StoreState, detached
from application.errors import ConcurrencyConflict, DuplicateOrder
from application.ports import (
    CreditLedger,
    CustomerRepository,
    OrderRepository,
    Outbox,
    ReferralRepository,
    RefundRepository,
    SubscriptionRepository,
)
from domain.errors import DuplicateCredit
from domain.ledger import CreditEntry
from domain.order import Order


class _Staging:
    """The committed state seen through one unit of work's staged writes."""

    def __init__(self, state: StoreState) -> None:
        self.state = state
        self.changes = Changes()
        self.active = False

    def orders(self) -> ChainMap[str, Order]:
        self._require_active()
        return ChainMap(self.changes.orders, self.state.orders)

    def credits(self) -> ChainMap[str, CreditEntry]:
        self._require_active()
        return ChainMap(self.changes.credits, self.state.credits)

    def _require_active(self) -> None:
        if not self.active:
            raise RuntimeError("use the repositories inside `async with store.unit_of_work()`")


class StagedOrders:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def add(self, order: Order) -> None:
        orders = self._staging.orders()
        if order.order_id in orders:
            raise DuplicateOrder(order.order_id)
        self._staging.changes.orders[order.order_id] = detached(order)

    async def get(self, order_id: str) -> Order | None:
        order = self._staging.orders().get(order_id)
        return None if order is None else detached(order)

    async def save(self, order: Order) -> None:
        current = self._staging.orders().get(order.order_id)
        if current is None or current.version != order.version:
            raise ConcurrencyConflict(f"order {order.order_id} changed since it was loaded")
        order.version += 1
        self._staging.changes.orders[order.order_id] = detached(order)


class StagedLedger(StagedAdjustments):
    """Grants (one per order); adjustments and the balance come from `StagedAdjustments`."""

    async def add(self, entry: CreditEntry) -> None:
        if entry.order_id in self._staging.credits():
            raise DuplicateCredit(entry.order_id)
        self._staging.changes.credits[entry.order_id] = entry

    async def get(self, order_id: str) -> CreditEntry | None:
        return self._staging.credits().get(order_id)


class StagedUnitOfWork:
    """Enter takes the store's lock; commit makes the staged writes durable, then visible.

    Subclasses say how: `_begin` (lock, catch up), `_make_durable` (before the state
    changes; an error there leaves the state untouched), `_after_commit`, `_end` (unlock).
    """

    def __init__(self, state: StoreState) -> None:
        self._staging = _Staging(state)
        self.orders: OrderRepository = StagedOrders(self._staging)
        self.ledger: CreditLedger = StagedLedger(self._staging)
        self.customers: CustomerRepository = StagedCustomers(self._staging)
        self.subscriptions: SubscriptionRepository = StagedSubscriptions(self._staging)
        self.referrals: ReferralRepository = StagedReferrals(self._staging)
        self.outbox: Outbox = StagedOutbox(self._staging)
        self.refunds: RefundRepository = StagedRefunds(self._staging)

    async def __aenter__(self) -> Self:
        if self._staging.active:
            raise RuntimeError("a unit of work cannot be entered twice")
        await self._begin()
        self._staging.active = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staging.changes.clear()
        self._staging.active = False
        await self._end()

    async def commit(self) -> None:
        self._staging.orders()
        changes = self._staging.changes
        if changes:
            await self._make_durable(changes)
            self._staging.state.apply(changes)
            changes.clear()
            await self._after_commit()

    async def rollback(self) -> None:
        self._staging.changes.clear()

    async def _begin(self) -> None:
        raise NotImplementedError

    async def _end(self) -> None:
        raise NotImplementedError

    async def _make_durable(self, changes: Changes) -> None:
        raise NotImplementedError

    async def _after_commit(self) -> None:
        raise NotImplementedError
