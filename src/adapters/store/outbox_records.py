"""Outbox messages as JSON-ready records for the JSON journal: times as ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.store.records import Record, _shared_id
from adapters.store.records import _parse_time as _parse_required
from domain.notifications import OutboxMessage


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else _parse_required(value)


def outbox_record(message: OutboxMessage) -> Record:
    return {
        "message_id": message.message_id,
        "topic": message.topic,
        "recipient_kind": message.recipient_kind,
        "recipient_id": message.recipient_id,
        "order_id": message.order_id,
        "title": message.title,
        "body": message.body,
        "payload": dict(message.payload),
        "created_at": _time(message.created_at),
        "next_attempt_at": _time(message.next_attempt_at),
        "attempts": message.attempts,
        "delivered_at": _time(message.delivered_at),
        "last_error": message.last_error,
        "read_at": _time(message.read_at),
    }


def outbox_from_record(record: Record) -> OutboxMessage:
    return OutboxMessage(
        message_id=record["message_id"],
        topic=_shared_id(record["topic"]),
        recipient_kind=_shared_id(record["recipient_kind"]),
        recipient_id=_shared_id(record["recipient_id"]),
        order_id=record["order_id"],
        title=record["title"],
        body=record["body"],
        payload=record["payload"],
        created_at=_parse_required(record["created_at"]),
        next_attempt_at=_parse_required(record["next_attempt_at"]),
        attempts=record["attempts"],
        delivered_at=_parse_time(record["delivered_at"]),
        last_error=record["last_error"],
        read_at=_parse_time(record["read_at"]),
    )
