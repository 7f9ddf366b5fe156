"""The backfill's queries over committed state in process memory (memory, JSON journal):
what was settled before the bank's references were kept, read from the `unreferenced`
indexes a page on from the last id, so a page costs its own rows however long the history."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from itertools import islice
from typing import TYPE_CHECKING

from adapters.store.paging import check_page
from adapters.store.staged_refunds import detached_refund
from domain.refunds import Refund

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class StateReferenceReports:
    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def payments_without_reference(self, after: str, limit: int) -> list[str]:
        check_page(limit, 0)
        async with self._read() as state:
            page = islice(state.orders.after("unreferenced", after), limit)
            return [order_id for _, order_id in page]

    async def refunds_without_reference(self, after: str, limit: int) -> list[Refund]:
        check_page(limit, 0)
        async with self._read() as state:
            refunds = state.refunds
            page = islice(refunds.after("unreferenced", after), limit)
            return [detached_refund(refunds[refund_id]) for _, refund_id in page]
