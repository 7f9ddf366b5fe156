"""Outbox messages as JSON-ready records for the JSON journal: times as ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.store.records import Record
from domain.notifications import OutboxMessage


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat()


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"stored time {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _required_time(value: str) -> datetime:
    parsed = _parse_time(value)
    assert parsed is not None
    return parsed


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
        topic=record["topic"],
        recipient_kind=record["recipient_kind"],
        recipient_id=record["recipient_id"],
        order_id=record["order_id"],
        title=record["title"],
        body=record["body"],
        payload=record["payload"],
        created_at=_required_time(record["created_at"]),
        next_attempt_at=_required_time(record["next_attempt_at"]),
        attempts=record["attempts"],
        delivered_at=_parse_time(record["delivered_at"]),
        last_error=record["last_error"],
        read_at=_parse_time(record["read_at"]),
    )
