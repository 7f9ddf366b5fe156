"""The outbox and the inbox reports in SQL.

The primary key on the message id is the insert-or-ignore: a second insert of the same
fact (a racing confirmation) is refused by the database inside a savepoint and ignored.
Payloads are stored as JSON text, which every dialect keeps as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, bindparam, func, literal_column, null, select, update

from adapters.store.paging import check_page
from adapters.store.sql.tables import OUTBOX
from domain.notifications import InboxNotification, OutboxMessage, RecipientKind

if TYPE_CHECKING:
    from adapters.store.sql.session import SqlSession
    from adapters.store.sql.unit_of_work import SqlUnitOfWork

Row = Mapping[str, Any]
_ERROR_MAX = 500
# The relay reads a batch of up to 50 due messages and marks the delivered ones in one
# unit of work. Through SQLAlchemy's execute, marking a batch held SQLite's writer 9 to
# 13 ms (the webhooks waiting behind it); compiled once and run on the raw driver (see
# `prepared`), 1.2 to 1.6 ms; since the ninth round one executemany, which asyncpg sends
# to PostgreSQL as one pipeline instead of a round trip per message. Every value they do
# not take as a parameter is SQL text, as the raw path needs.
_ONE_MORE = OUTBOX.c.attempts + literal_column("1")
_UNDELIVERED = (OUTBOX.c.message_id == bindparam("key_message_id")) & (
    OUTBOX.c.delivered_at.is_(None)
)
_MARK_DELIVERED = (
    update(OUTBOX)
    .where(_UNDELIVERED)
    .values(
        delivered_at=bindparam("delivered_at", type_=OUTBOX.c.delivered_at.type),
        attempts=_ONE_MORE,
        last_error=null(),
    )
)
_DUE = (
    select(OUTBOX)
    .where(OUTBOX.c.delivered_at.is_(None), OUTBOX.c.next_attempt_at <= bindparam("now"))
    .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.message_id)
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))  # SQLite writes an OFFSET with any LIMIT
)
_MARK_FAILED = (
    update(OUTBOX)
    .where(_UNDELIVERED)
    .values(
        attempts=_ONE_MORE,
        last_error=bindparam("last_error", type_=OUTBOX.c.last_error.type),
        next_attempt_at=bindparam("next_attempt_at", type_=OUTBOX.c.next_attempt_at.type),
    )
)


def outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "topic": message.topic,
        "recipient_kind": message.recipient_kind,
        "recipient_id": message.recipient_id,
        "order_id": message.order_id,
        "title": message.title,
        "body": message.body,
        "payload": json.dumps(dict(message.payload), ensure_ascii=False, sort_keys=True),
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "attempts": message.attempts,
        "delivered_at": message.delivered_at,
        "last_error": message.last_error,
        "read_at": message.read_at,
    }


def outbox_from_row(row: Row) -> OutboxMessage:
    return OutboxMessage(
        message_id=row["message_id"],
        topic=row["topic"],
        recipient_kind=row["recipient_kind"],
        recipient_id=row["recipient_id"],
        order_id=row["order_id"],
        title=row["title"],
        body=row["body"],
        payload=json.loads(row["payload"]),
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        attempts=row["attempts"],
        delivered_at=row["delivered_at"],
        last_error=row["last_error"],
        read_at=row["read_at"],
    )


class SqlOutbox:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> None:
        """A message stored twice (a racing confirmation) is one message."""
        await self._session.insert_or_hold(OUTBOX, outbox_values(message), message.message_id)

    async def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        rows = await self._session.fetch(_DUE, {"now": now, "limit": limit, "offset": 0})
        return [outbox_from_row(row) for row in rows]

    async def mark_delivered(self, message_ids: list[str], now: datetime) -> None:
        marks = [{"key_message_id": m, "delivered_at": now} for m in dict.fromkeys(message_ids)]
        if marks:
            await self._session.write_many(_MARK_DELIVERED, marks)

    async def mark_failed(self, message_id: str, error: str, next_attempt_at: datetime) -> None:
        await self._session.write(
            _MARK_FAILED,
            {
                "key_message_id": message_id,
                "last_error": error[:_ERROR_MAX],
                "next_attempt_at": next_attempt_at,
            },
        )

    async def mark_read(self, customer_id: str, ids: Sequence[str], now: datetime) -> int:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return 0
        result = await self._session.execute(
            update(OUTBOX)
            .where(
                OUTBOX.c.message_id.in_(unique),
                OUTBOX.c.recipient_kind == RecipientKind.CUSTOMER.value,
                OUTBOX.c.recipient_id == customer_id,
                OUTBOX.c.read_at.is_(None),
            )
            .values(read_at=now)
        )
        return int(result.rowcount)


class SqlOutboxReports:
    """The notification queries of `SqlReports`."""

    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def notifications_of(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """Newest first by created_at, ties by message id (descending)."""
        check_page(limit, offset)
        statement = (
            select(OUTBOX)
            .where(
                OUTBOX.c.recipient_kind == RecipientKind.CUSTOMER.value,
                OUTBOX.c.recipient_id == customer_id,
            )
            .order_by(OUTBOX.c.created_at.desc(), OUTBOX.c.message_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(statement)
            return [InboxNotification.of(outbox_from_row(row)) for row in result.mappings()]

    async def outbox_backlog(self) -> int:
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(
                select(func.count()).where(OUTBOX.c.delivered_at.is_(None))
            )
            return int(result.scalar_one())
