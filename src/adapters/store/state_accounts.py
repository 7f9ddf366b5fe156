"""Customer, statement, subscription and referral reports over state in process memory."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from adapters.store.detached import detached
from adapters.store.paging import check_page
from domain.accounts import CustomerProfile
from domain.ledger import StatementLine, balance, statement_page
from domain.order import Order
from domain.referrals import ReferralRecord
from domain.subscriptions import Subscription

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class StateAccountReports:
    """The account queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def customer(self, customer_id: str) -> CustomerProfile | None:
        async with self._read() as state:
            return state.customers.get(customer_id)

    async def statement(self, customer_id: str, limit: int, offset: int = 0) -> list[StatementLine]:
        check_page(limit, offset)
        async with self._read() as state:
            grants = state.credits.rows_in("customer", customer_id)
            adjustments = state.adjustments.rows_in("customer", customer_id)
        return statement_page(grants, adjustments, limit, offset)

    async def customer_balance(self, customer_id: str) -> int:
        async with self._read() as state:
            grants = state.credits.rows_in("customer", customer_id)
            adjustments = state.adjustments.rows_in("customer", customer_id)
            return balance(grants, adjustments)

    async def subscriptions_of(self, customer_id: str) -> list[Subscription]:
        async with self._read() as state:
            found = [s.copy() for s in state.subscriptions.rows_in("customer", customer_id)]
        return sorted(found, key=lambda s: s.kind)

    async def active_subscriptions(
        self, now: datetime, limit: int, offset: int = 0
    ) -> list[Subscription]:
        """Ending soonest first, ties by customer id then kind. Only those ending after
        `now` are read: an active one's period ends after it."""
        check_page(limit, offset)
        async with self._read() as state:
            table = state.subscriptions
            ending = (table[key] for _, key in table.after("ending", now))
            active = (s for s in ending if s.is_active(now))
            return [s.copy() for s in islice(active, offset, offset + limit)]

    async def orders_of(self, customer_id: str, limit: int, offset: int = 0) -> list[Order]:
        check_page(limit, offset)
        async with self._read() as state:
            mine = state.orders.rows_in("customer", customer_id)
            top = heapq.nlargest(offset + limit, mine, key=lambda o: (o.created_at, o.order_id))
            return [detached(o) for o in top[offset:]]

    async def referrals_of(self, agent_id: str) -> list[ReferralRecord]:
        async with self._read() as state:
            found = state.referrals.rows_in("agent", agent_id)
        return sorted(found, key=lambda r: r.order_id)
