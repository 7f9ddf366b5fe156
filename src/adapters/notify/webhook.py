"""Notifications POSTed to one receiver, signed per Standard Webhooks.

Body `{"type", "timestamp", "data"}`; headers `webhook-id` (the outbox message id, the
same on every retry, so the receiver can drop repeats), `webhook-timestamp` (this attempt,
Unix seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
`id.timestamp.body`, made by the `standardwebhooks` package). Any answer but 2xx, and any
transport error, is a failed delivery the outbox retries. Neither the secret nor the URL
(which may carry a token) is ever logged or kept in an error.
"""

from __future__ import annotations

import json
from datetime import UTC
from math import floor

import httpx
from standardwebhooks import Webhook

from application.errors import DeliveryFailed
from application.ports import Clock
from domain.notifications import OutboxMessage

USER_AGENT = "cashfree-checkout-notify/1"


def body_of(message: OutboxMessage) -> str:
    """The JSON body: the event type, when it happened, and what a receiver needs."""
    data = {
        **message.payload,
        "messageId": message.message_id,
        "orderId": message.order_id,
        "recipient": {"kind": message.recipient_kind, "id": message.recipient_id},
        "title": message.title,
        "body": message.body,
    }
    document = {"type": message.topic, "timestamp": message.created_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


class StandardWebhookNotifier:
    name = "webhook"

    def __init__(self, url: str, secret: str, client: httpx.AsyncClient, clock: Clock) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the notification webhook URL must be http(s)")
        try:
            self._signer = Webhook(secret)
        except Exception as exc:  # binascii.Error, or the package's empty-secret error
            raise ValueError(
                "NOTIFY_WEBHOOK_SECRET must be a base64 secret (optionally whsec_-prefixed)"
            ) from exc
        self._url = url
        self._client = client
        self._clock = clock

    async def deliver(self, message: OutboxMessage) -> None:
        # the package signs the wall time as UTC: hand it UTC
        now = self._clock.now().astimezone(UTC)
        body = body_of(message)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message.message_id,
            "webhook-timestamp": str(floor(now.timestamp())),
            "webhook-signature": self._signer.sign(message.message_id, now, body),
        }
        try:
            response = await self._client.post(self._url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"receiver unreachable ({type(exc).__name__})") from None
        if not response.is_success:
            raise DeliveryFailed(f"receiver answered HTTP {response.status_code}")
