"""POST /api/payment/webhook: Cashfree's notifications, verified before anything is read.

The signature is checked over the raw bytes with x-webhook-signature/x-webhook-timestamp,
in every environment; a bad or missing one is a 401 and nothing is written. A verified
payment webhook is evidence ConfirmPayment applies; other types are acknowledged.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from adapters.gateway import signature
from adapters.gateway.cashfree_webhook import WebhookInvalid, parse_webhook
from application.errors import OrderNotFound
from entrypoints.web.body import read_body
from entrypoints.web.errors import error_response

log = structlog.get_logger(__name__)


async def receive_webhook(request: Request) -> JSONResponse:
    container = request.app.state.container
    settings = container.settings()
    raw = await read_body(request)
    now = container.clock().now()
    if not signature.verify(
        settings.cashfree_secret_key.get_secret_value(),
        request.headers.get("x-webhook-timestamp"),
        request.headers.get("x-webhook-signature"),
        raw,
        now,
        settings.webhook_tolerance_seconds,
    ):
        log.warning("webhook refused: bad or missing signature")
        return error_response(401, "Invalid webhook signature")
    try:
        webhook = parse_webhook(raw, now)
    except WebhookInvalid as exc:
        log.warning("webhook refused: unreadable body", reason=str(exc))
        return error_response(400, "Invalid webhook payload")
    if webhook is None:
        log.info("webhook ignored: type not handled")
        return JSONResponse({"success": True, "status": "ignored"})
    structlog.contextvars.bind_contextvars(order_id=webhook.order_id)
    try:
        if webhook.attempt.status.is_failure:
            order = await container.record_failure().execute(webhook.order_id, webhook.attempt)
        else:
            order = await container.confirm_payment().apply(webhook.order_id, [webhook.attempt])
    except OrderNotFound:
        log.warning("webhook for an order this service does not know", type=webhook.type)
        return JSONResponse({"success": True, "status": "ignored"})
    log.info("webhook applied", type=webhook.type, status=order.payment_status)
    return JSONResponse({"success": True, "status": "received"})


def webhook_routes() -> list[BaseRoute]:
    return [Route("/api/payment/webhook", receive_webhook, methods=["POST"])]
