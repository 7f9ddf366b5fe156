"""The reconciler's query over committed state in process memory (memory, JSON journal)."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from adapters.store.detached import detached
from adapters.store.paging import check_page
from domain.order import AttemptStatus, Order, OrderStatus

if TYPE_CHECKING:
    from adapters.store.state import StoreState

OPEN = frozenset({OrderStatus.CREATED, OrderStatus.ACTIVE})
CLOSED = frozenset({OrderStatus.EXPIRED, OrderStatus.TERMINATED})


def may_still_move(order: Order) -> bool:
    """Open, or closed with an attempt the bank may still confirm."""
    return order.status in OPEN or (
        order.status in CLOSED and any(a.status is AttemptStatus.PENDING for a in order.attempts)
    )


class StateReconcileReports:
    """`open_orders` of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def open_orders(self, limit: int) -> list[Order]:
        """Oldest first by created_at, ties by order id (ascending)."""
        check_page(limit, 0)
        async with self._read() as state:
            oldest = heapq.nsmallest(
                limit,
                state.orders.rows_in("may_move", True),
                key=lambda o: (o.created_at, o.order_id),
            )
            return [detached(o) for o in oldest]
