"""A notifier that writes one log line per message: ids and topic, no personal data."""

from __future__ import annotations

import structlog

from domain.notifications import OutboxMessage

log = structlog.get_logger(__name__)


class LogNotifier:
    name = "log"

    async def deliver(self, message: OutboxMessage) -> None:
        log.info(
            "notification",
            message_id=message.message_id,
            topic=message.topic,
            recipient_kind=message.recipient_kind,
            recipient_id=message.recipient_id,
            order_id=message.order_id,
            attempts=message.attempts,
        )
