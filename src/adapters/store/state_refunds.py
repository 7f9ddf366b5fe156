"""The refund reports over committed state in process memory (memory, JSON journal)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager
from itertools import islice
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
        return (await self.refunds_of_orders([order_id])).get(order_id, [])

    async def refunds_of_orders(self, order_ids: Collection[str]) -> dict[str, list[Refund]]:
        async with self._read() as state:
            found = {
                order_id: [detached_refund(r) for r in state.refunds.rows_in("order", order_id)]
                for order_id in order_ids
            }
        return {
            order_id: sorted(refunds, key=lambda r: (r.created_at, r.refund_id))
            for order_id, refunds in found.items()
            if refunds
        }

    async def recent_refunds(
        self, limit: int, offset: int = 0, state: RefundState | None = None
    ) -> list[Refund]:
        """Newest first by created_at, ties by refund id (descending)."""
        check_page(limit, offset)
        index = "created" if state is None else f"created_{state.value}"
        async with self._read() as committed:
            refunds = committed.refunds
            page = islice(refunds.in_order(index, reverse=True), offset, offset + limit)
            return [detached_refund(refunds[refund_id]) for _, refund_id in page]

    async def pending_refunds(self, limit: int) -> list[Refund]:
        """PENDING refunds, oldest first (the reconciler's work)."""
        check_page(limit, 0)
        index = f"created_{RefundState.PENDING.value}"
        async with self._read() as committed:
            refunds = committed.refunds
            oldest = islice(refunds.in_order(index), limit)
            return [detached_refund(refunds[refund_id]) for _, refund_id in oldest]

    async def refund_totals(self) -> RefundTotals:
        """Count and amount of SUCCESS refunds."""
        async with self._read() as committed:
            count, amount = committed.refunds.total("refunded")
        return RefundTotals(count, amount)
