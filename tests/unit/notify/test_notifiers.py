"""The log and Standard Webhooks notifiers, over httpx's mock transport."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from structlog.testing import capture_logs

from adapters.clock import SystemClock
from adapters.notify.log import LogNotifier
from adapters.notify.webhook import StandardWebhookNotifier
from application.errors import DeliveryFailed
from domain.events import OrderPaid
from domain.money import Money
from domain.notifications import OutboxMessage, notifications_for

from ..domain.factories import T0

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
URL = "https://receiver.test/hooks?token=sekrit"


def message() -> OutboxMessage:
    event = OrderPaid("ORDER_A", T0, "p1", Money.of("499.00"))
    return notifications_for([event], {"ORDER_A": "cus_a"})[0]


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 204)


def notifier(receiver: Receiver | None = None) -> StandardWebhookNotifier:
    transport = httpx.MockTransport(receiver or Receiver([]))
    return StandardWebhookNotifier(
        URL, SECRET, httpx.AsyncClient(transport=transport), SystemClock()
    )


async def test_a_delivery_is_signed_per_standard_webhooks() -> None:
    receiver = Receiver([])
    sent = message()
    await notifier(receiver).deliver(sent)
    [request] = receiver.requests
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["webhook-id"] == sent.message_id
    body = Webhook(SECRET).verify(request.content, dict(request.headers))
    assert body["type"] == "payment.succeeded"
    assert body["timestamp"] == T0.isoformat()
    assert body["data"]["orderId"] == "ORDER_A"
    assert body["data"]["amount"] == "499.00"
    assert body["data"]["recipient"] == {"kind": "customer", "id": "cus_a"}
    assert json.loads(request.content) == body
    tampered = request.content.replace(b"499.00", b"999.00")
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(tampered, dict(request.headers))


async def test_the_webhook_id_is_stable_across_retries() -> None:
    receiver = Receiver([500, 502])
    target, sent = notifier(receiver), message()
    for _ in range(2):
        with pytest.raises(DeliveryFailed, match="HTTP 50"):
            await target.deliver(sent)
    await target.deliver(sent)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {sent.message_id}
    for request in receiver.requests:
        Webhook(SECRET).verify(request.content, dict(request.headers))


async def test_an_unreachable_receiver_fails_without_naming_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    target = StandardWebhookNotifier(URL, SECRET, client, SystemClock())
    with pytest.raises(DeliveryFailed) as caught:
        await target.deliver(message())
    assert "sekrit" not in str(caught.value) and "receiver.test" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("secret", ["", "whsec_", "not base64!"])
def test_a_bad_secret_is_refused_at_construction(secret: str) -> None:
    with pytest.raises(ValueError, match="NOTIFY_WEBHOOK_SECRET"):
        StandardWebhookNotifier(URL, secret, httpx.AsyncClient(), SystemClock())


async def test_the_log_notifier_logs_ids_not_contents() -> None:
    sent = message()
    with capture_logs() as logs:
        await LogNotifier().deliver(sent)
    [line] = logs
    assert line["message_id"] == sent.message_id and line["recipient_id"] == "cus_a"
    assert sent.body not in str(line) and sent.title not in str(line)
