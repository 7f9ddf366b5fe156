"""The operator's search over state in process memory: an order by its id, Cashfree's, a
payment's id or bank reference, or a refund's id, Cashfree's or the bank's (ARN); a
customer by their latest e-mail or phone or one any of their orders was paid with; each one
read from an index, never a scan."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from adapters.store.detached import detached
from adapters.store.paging import check_page
from domain.accounts import CustomerProfile
from domain.order import Order

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class StateSearchReports:
    """The search queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def find_orders(self, text: str, limit: int) -> list[Order]:
        check_page(limit, 0)
        async with self._read() as state:
            keys = dict.fromkeys(state.orders.keys_in("reference", text))
            if text in state.orders:
                keys[text] = None
            refunds = [*state.refunds.rows_in("reference", text), state.refunds.get(text)]
            keys.update((refund.order_id, None) for refund in refunds if refund is not None)
            found = [state.orders[key] for key in keys]
            newest = heapq.nlargest(limit, found, key=lambda o: (o.created_at, o.order_id))
            return [detached(o) for o in newest]

    async def find_customers(
        self, *, email: str | None, phone: str | None, limit: int
    ) -> list[CustomerProfile]:
        check_page(limit, 0)
        async with self._read() as state:
            keys: dict[str, None] = {}
            if email is not None:
                keys.update(dict.fromkeys(state.customers.keys_in("email", email)))
                keys.update(dict.fromkeys(state.orders.members_in("contact", email)))
            if phone is not None:
                keys.update(dict.fromkeys(state.customers.keys_in("phone", phone)))
                keys.update(dict.fromkeys(state.orders.members_in("contact", phone)))
            profiles = (state.customers.get(key) for key in keys)
            found = [profile for profile in profiles if profile is not None]
        return heapq.nlargest(limit, found, key=lambda c: (c.created_at, c.customer_id))

    async def contacts_of(self, customer_id: str) -> list[str]:
        """Read from the customer's orders, for the operator's page of one customer: an
        index of each customer's contacts cost 0.26 KB a paid order where every order is
        a new customer's (`bench/operator_reports.py --customers 100000`), a dict each."""
        async with self._read() as state:
            orders = state.orders.rows_in("customer", customer_id)
        return sorted({c for o in orders for c in (o.customer.email, o.customer.phone)})
