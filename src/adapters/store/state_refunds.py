"""The refund reports over committed state in process memory (memory, JSON journal)."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import TYPE_CHECKING

from adapters.store.paging import check_page
from adapters.store.staged_refunds import detached_refund
from application.ports import RefundTotals
from domain.refunds import Refund, RefundState

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class StateRefundReports:
    """Refund queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def refunds_of(self, order_id: str) -> list[Refund]:
        """The order's refunds, oldest first."""
        async with self._read() as state:
            mine = [detached_refund(r) for r in state.refunds.rows_in("order", order_id)]
        return sorted(mine, key=lambda r: (r.created_at, r.refund_id))

    async def recent_refunds(
        self, limit: int, offset: int = 0, state: RefundState | None = None
    ) -> list[Refund]:
        """Newest first by created_at, ties by refund id (descending)."""
        check_page(limit, offset)
        async with self._read() as committed:
            refunds = committed.refunds
            top = heapq.nlargest(
                offset + limit,
                refunds.values() if state is None else refunds.rows_in("state", state),
                key=lambda r: (r.created_at, r.refund_id),
            )
            return [detached_refund(r) for r in top[offset:]]

    async def pending_refunds(self, limit: int) -> list[Refund]:
        """PENDING refunds, oldest first (the reconciler's work)."""
        check_page(limit, 0)
        async with self._read() as committed:
            oldest = heapq.nsmallest(
                limit,
                committed.refunds.rows_in("state", RefundState.PENDING),
                key=lambda r: (r.created_at, r.refund_id),
            )
            return [detached_refund(r) for r in oldest]

    async def refund_totals(self) -> RefundTotals:
        """Count and amount of SUCCESS refunds."""
        async with self._read() as committed:
            done = committed.refunds.rows_in("state", RefundState.SUCCESS)
        return RefundTotals(len(done), sum((r.amount.amount for r in done), Decimal("0.00")))
