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
    """The outbox by message id, with two indexes: the ids not yet delivered, and each
    customer's message ids (their inbox).

    The relay polls for due messages every few seconds, and customers read their inbox,
    under the store's lock; without the indexes each would read every message ever sent,
    so its cost (and the wait of every payment behind it) would grow with the shop's
    history.
    """

    def __init__(self, *args: Any, **kwargs: OutboxMessage) -> None:
        super().__init__()
        self.waiting: set[str] = set()
        self.inboxes: dict[str, set[str]] = {}
        self.update(*args, **kwargs)

    def __setitem__(self, message_id: str, message: OutboxMessage) -> None:
        self._forget(message_id)
        super().__setitem__(message_id, message)
        if message.delivered_at is None:
            self.waiting.add(message_id)
        if message.recipient_kind == RecipientKind.CUSTOMER:
            self.inboxes.setdefault(message.recipient_id, set()).add(message_id)

    def __delitem__(self, message_id: str) -> None:
        self._forget(message_id)
        super().__delitem__(message_id)

    def _forget(self, message_id: str) -> None:
        """Drop `message_id` from both indexes (it is about to be replaced or removed)."""
        self.waiting.discard(message_id)
        old = super().get(message_id)
        if old is not None and old.recipient_kind == RecipientKind.CUSTOMER:
            inbox = self.inboxes.get(old.recipient_id)
            if inbox is not None:
                inbox.discard(message_id)
                if not inbox:
                    del self.inboxes[old.recipient_id]

    def inbox(self, customer_id: str) -> list[OutboxMessage]:
        """The customer's messages, in no particular order."""
        return [self[message_id] for message_id in self.inboxes.get(customer_id, ())]

    def pop(self, message_id: str, *default: Any) -> Any:
        self._forget(message_id)
        return super().pop(message_id, *default)

    def popitem(self) -> tuple[str, OutboxMessage]:
        if not self:
            raise KeyError("popitem(): outbox is empty")
        message_id = next(reversed(self))
        return message_id, self.pop(message_id)

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
        self.inboxes.clear()


class StateOutboxReports:
    """The notification queries of `StateReports`; `_read` lends the committed state."""

    _read: Callable[[], AbstractAsyncContextManager[StoreState]]

    async def notifications_of(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """Newest first by created_at, ties by message id (descending)."""
        check_page(limit, offset)
        async with self._read() as state:
            mine = state.outbox.inbox(customer_id)
            top = heapq.nlargest(offset + limit, mine, key=lambda m: (m.created_at, m.message_id))
        return [InboxNotification.of(m) for m in top[offset:]]

    async def outbox_backlog(self) -> int:
        async with self._read() as state:
            return len(state.outbox.waiting)
