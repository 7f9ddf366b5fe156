"""A unit of work that stages writes in memory and applies them at commit.

Used by the stores whose units of work are serialized by a lock (memory, JSON journal):
with the lock held from enter to commit nothing else can change the committed state, so
the duplicate and version checks made when an operation is called stay true until commit.
A store may give the lock back at commit (the JSON journal does, to let others join its
group commit); the unit then takes it again before it is used again.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from adapters.store.detached import detached
from adapters.store.staged_accounts import (
    StagedAdjustments,
    StagedCustomers,
    StagedReferrals,
    StagedSubscriptions,
)
from adapters.store.staged_outbox import StagedOutbox
from adapters.store.staged_refunds import StagedRefunds
from adapters.store.state import Changes, StoreState
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


class _Overlay(ChainMap[Any, Any]):
    """One unit's staged writes over a committed table. ChainMap's look-ups, without the
    generator that its `in` runs and the KeyError its `get` raises for every key the unit
    did not write: a payment makes a dozen of them."""

    def __contains__(self, key: object) -> bool:
        staged, committed = self.maps
        return key in staged or key in committed

    def __getitem__(self, key: Any) -> Any:
        staged, committed = self.maps
        return staged[key] if key in staged else committed[key]

    def get(self, key: Any, default: Any = None) -> Any:
        staged, committed = self.maps
        return staged[key] if key in staged else committed.get(key, default)


class _Staging:
    """The committed state seen through one unit of work's staged writes.

    `held` says whether the unit holds the store's lock; `relock` takes it again after a
    commit gave it back.
    """

    def __init__(self, state: StoreState, relock: Callable[[], Awaitable[None]]) -> None:
        self.state = state
        self.changes = Changes()
        self.active = False
        self.held = False
        self._relock = relock

    async def view(self, name: str) -> ChainMap[Any, Any]:
        """One table: the staged writes over the committed state."""
        await self.ready()
        return _Overlay(getattr(self.changes, name), getattr(self.state, name))

    async def orders(self) -> ChainMap[str, Order]:
        await self.ready()
        return _Overlay(self.changes.orders, self.state.orders)

    async def rows_in(self, name: str, index: str, group: Any) -> list[Any]:
        """The rows of table `name` in `group` of its `index`, staged writes included,
        without reading the rest of the table."""
        await self.ready()
        changed: dict[Any, Any] = getattr(self.changes, name)
        table = getattr(self.state, name)
        rows = [table[key] for key in table.keys_in(index, group) if key not in changed]
        rows.extend(row for row in changed.values() if table.group_of(index, row) == group)
        return rows

    async def credits(self) -> ChainMap[str, CreditEntry]:
        await self.ready()
        return _Overlay(self.changes.credits, self.state.credits)

    async def ready(self) -> None:
        """Refuse use outside the unit of work; take the lock back after a commit."""
        if not self.active:
            raise RuntimeError("use the repositories inside `async with store.unit_of_work()`")
        if not self.held:
            await self._relock()
            self.held = True


class StagedOrders:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def add(self, order: Order) -> None:
        orders = await self._staging.orders()
        if order.order_id in orders:
            raise DuplicateOrder(order.order_id)
        self._staging.changes.orders[order.order_id] = detached(order)

    async def get(self, order_id: str) -> Order | None:
        order = (await self._staging.orders()).get(order_id)
        return None if order is None else detached(order)

    def adopt(self, order: Order) -> None:
        """Nothing to note: `save` compares the version with the state's own order."""

    async def save(self, order: Order) -> None:
        current = (await self._staging.orders()).get(order.order_id)
        if current is None or current.version != order.version:
            raise ConcurrencyConflict(f"order {order.order_id} changed since it was loaded")
        order.version += 1
        self._staging.changes.orders[order.order_id] = detached(order)


class StagedLedger(StagedAdjustments):
    """Grants (one per order); adjustments and the balance come from `StagedAdjustments`."""

    async def add(self, entry: CreditEntry) -> None:
        if entry.order_id in await self._staging.credits():
            raise DuplicateCredit(entry.order_id)
        self._staging.changes.credits[entry.order_id] = entry

    async def get(self, order_id: str) -> CreditEntry | None:
        return (await self._staging.credits()).get(order_id)


class StagedUnitOfWork:
    """Enter takes the store's lock; commit makes the staged writes durable and visible.

    Subclasses say how: `_begin` (lock, catch up), `_end` (unlock), and either
    `_make_durable` (before the state changes; an error there leaves the state untouched)
    and `_after_commit`, or a `_commit` of their own, which may give the lock back
    (clearing `_staging.held`).
    """

    def __init__(self, state: StoreState) -> None:
        self._staging = _Staging(state, self._begin)
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
        self._staging.active = self._staging.held = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staging.changes.clear()
        self._staging.active = False
        if self._staging.held:
            self._staging.held = False
            await self._end()

    async def commit(self) -> None:
        await self._staging.ready()
        if self._staging.changes:
            await self._commit(self._staging.changes)

    async def _commit(self, changes: Changes) -> None:
        await self._make_durable(changes)
        self._staging.state.apply(changes)
        changes.clear()
        await self._after_commit()

    async def rollback(self) -> None:
        self._staging.changes.clear()

    async def tables(self) -> tuple[StoreState, Changes]:
        """The committed state (read only) and this unit's staged writes, for writing
        whole records in bulk (`state_transfer`); the unit's lock is held meanwhile."""
        await self._staging.ready()
        return self._staging.state, self._staging.changes

    async def _begin(self) -> None:
        raise NotImplementedError

    async def _end(self) -> None:
        raise NotImplementedError

    async def _make_durable(self, changes: Changes) -> None:
        raise NotImplementedError

    async def _after_commit(self) -> None:
        raise NotImplementedError
