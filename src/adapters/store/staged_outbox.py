"""The outbox for the staged stores (memory, JSON journal).

The same rules as `staged.py`: writes are staged and applied at commit, and the store's
lock, held for the whole unit of work, keeps the insert-or-ignore check true until then.
"""

from __future__ import annotations

import heapq
from collections import ChainMap
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from domain.notifications import OutboxMessage, RecipientKind

if TYPE_CHECKING:
    from adapters.store.staged import _Staging


def _by_due(message: OutboxMessage) -> tuple[datetime, str]:
    return message.next_attempt_at, message.message_id


class StagedOutbox:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def _messages(self) -> ChainMap[str, OutboxMessage]:
        return await self._staging.view("outbox")

    def _put(self, message: OutboxMessage) -> None:
        self._staging.changes.outbox[message.message_id] = message

    async def add(self, message: OutboxMessage) -> None:
        if message.message_id not in await self._messages():
            self._put(message)

    async def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        await self._staging.ready()
        staged = self._staging.changes.outbox
        table = self._staging.state.outbox
        # The committed rows come in due order, so the first `limit` not staged over are
        # the only committed ones that can make the batch; every staged row competes.
        first: list[OutboxMessage] = []
        for at, message_id in table.in_order("due"):
            if at > now or len(first) == limit:
                break
            if message_id not in staged:
                first.append(table[message_id])
        first.extend(
            m for m in staged.values() if m.delivered_at is None and m.next_attempt_at <= now
        )
        return heapq.nsmallest(limit, first, key=_by_due)

    async def mark_delivered(self, message_ids: list[str], now: datetime) -> None:
        messages = await self._messages()
        for message_id in message_ids:
            message = messages.get(message_id)
            if message is not None and message.delivered_at is None:
                self._put(message.delivered(now))

    async def mark_failed(self, message_id: str, error: str, next_attempt_at: datetime) -> None:
        message = (await self._messages()).get(message_id)
        if message is not None and message.delivered_at is None:
            self._put(message.failed(error, next_attempt_at))

    async def mark_read(self, customer_id: str, ids: Sequence[str], now: datetime) -> int:
        messages = await self._messages()
        marked = 0
        for message_id in dict.fromkeys(ids):
            message = messages.get(message_id)
            if (
                message is not None
                and message.recipient_kind == RecipientKind.CUSTOMER
                and message.recipient_id == customer_id
                and message.read_at is None
            ):
                self._put(message.read(now))
                marked += 1
        return marked
