"""The outbox table and its reports over state in process memory."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from adapters.store.paging import check_page
from domain.notifications import InboxNotification, OutboxMessage, RecipientKind

if TYPE_CHECKING:
    from adapters.store.state import StoreState


class OutboxTable(dict[str, OutboxMessage]):
    """The outbox by message id, with the ids not yet delivered kept aside.

    The relay polls for due messages every few seconds under the store's lock; without
    this set each poll would read every message ever sent, so its cost (and the wait of
    every payment behind it) would grow with the shop's history.
    """

    def __init__(self, *args: Any, **kwargs: OutboxMessage) -> None:
        super().__init__()
        self.waiting: set[str] = set()
        self.update(*args, **kwargs)

    def __setitem__(self, message_id: str, message: OutboxMessage) -> None:
        super().__setitem__(message_id, message)
        if message.delivered_at is None:
            self.waiting.add(message_id)
        else:
            self.waiting.discard(message_id)

    def __delitem__(self, message_id: str) -> None:
        super().__delitem__(message_id)
        self.waiting.discard(message_id)

    def pop(self, message_id: str, *default: Any) -> Any:
        self.waiting.discard(message_id)
        return super().pop(message_id, *default)

    def popitem(self) -> tuple[str, OutboxMessage]:
        message_id, message = super().popitem()
        self.waiting.discard(message_id)
        return message_id, message

    def setdefault(self, message_id: str, message: OutboxMessage) -> OutboxMessage:
        if message_id not in self:
            self[message_id] = message
        return self[message_id]

    def update(self, *args: Any, **kwargs: OutboxMessage) -> None:
        pairs: Iterable[tuple[str, OutboxMessage]]
        for source in args:
            pairs = source.items() if isinstance(source, Mapping) else source
            for message_id, message in pairs:
                self[message_id] = message
        for message_id, message in kwargs.items():
            self[message_id] = message

    def __ior__(self, other: Any) -> OutboxTable:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        super().clear()
        self.waiting.clear()


class StateOutboxReports:
    """The notification queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def notifications_of(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """Newest first by created_at, ties by message id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            mine = (
                m
                for m in state.outbox.values()
                if m.recipient_kind == RecipientKind.CUSTOMER and m.recipient_id == customer_id
            )
            top = heapq.nlargest(offset + limit, mine, key=lambda m: (m.created_at, m.message_id))
        return [InboxNotification.of(m) for m in top[offset:]]

    async def outbox_backlog(self) -> int:
        async with self._read() as state:
            return len(state.outbox.waiting)
