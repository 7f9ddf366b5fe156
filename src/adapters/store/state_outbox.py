"""The outbox table and its reports over state in process memory."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from adapters.store.paging import check_page
from domain.notifications import InboxNotification

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class StateOutboxReports:
    """The notification queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def notifications_of(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """Newest first by created_at, ties by message id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            mine = state.outbox.rows_in("inbox", customer_id)
            top = heapq.nlargest(offset + limit, mine, key=lambda m: (m.created_at, m.message_id))
        return [InboxNotification.of(m) for m in top[offset:]]

    async def outbox_backlog(self) -> int:
        async with self._read() as state:
            return state.outbox.size_of("due")
