"""POST /api/payment/webhook: the gateway's notifications, verified before anything is read.

Verification and parsing sit behind the `PaymentNotifications` port (Cashfree's signature
over the raw bytes, in every environment): a bad or missing signature is a 401 and nothing
is written; an unreadable signed body is a 400. A payment notification is evidence
ConfirmPayment applies, a refund notification ApplyRefundState; other types, orders or
refunds this service does not know, and signed values no store can hold (a retry would
carry them again) are logged and acknowledged so the gateway stops retrying. Each answer
is counted by result: applied, duplicate (nothing new), refused (401/400) or ignored.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from application.errors import (
    NotificationUnauthentic,
    NotificationUnreadable,
    NotificationUnstorable,
    OrderNotFound,
    RefundNotFound,
)
from application.ports import RefundNotification
from entrypoints.container import Container
from entrypoints.web.body import read_body
from entrypoints.web.errors import error_response

log = structlog.get_logger(__name__)
# The two answers never vary: rendered once, as JSONResponse would render them.
IGNORED = bytes(JSONResponse({"success": True, "status": "ignored"}).body)
RECEIVED = bytes(JSONResponse({"success": True, "status": "received"}).body)


def _answer(body: bytes) -> Response:
    return Response(body, media_type=JSONResponse.media_type)


class WebhookReceiver:
    """The webhook endpoint over one app's container."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def receive(self, request: Request) -> Response:
        raw = await read_body(request)
        notifications = self._container.payment_notifications()
        metrics = self._container.metrics()
        try:
            notification = notifications.verify_and_parse(
                request.headers, raw, self._container.clock().now()
            )
        except NotificationUnauthentic:
            log.warning("webhook refused: bad or missing signature")
            metrics.webhook("refused")
            return error_response(401, "Invalid webhook signature")
        except NotificationUnreadable as exc:
            log.warning("webhook refused: unreadable body", reason=str(exc))
            metrics.webhook("refused")
            return error_response(400, "Invalid webhook payload")
        except NotificationUnstorable as exc:
            log.error("webhook acknowledged but not applied: unstorable value", reason=str(exc))
            metrics.webhook("ignored")
            return _answer(IGNORED)
        if notification is None:
            log.info("webhook ignored: type not handled")
            metrics.webhook("ignored")
            return _answer(IGNORED)
        structlog.contextvars.bind_contextvars(order_id=notification.order_id)
        if isinstance(notification, RefundNotification):
            return await self._refund(notification)
        attempt = notification.attempt
        try:
            if attempt.status.is_failure:
                confirmation = await self._container.record_failure().record(
                    notification.order_id, attempt
                )
            else:
                confirmation = await self._container.confirm_payment().record(
                    notification.order_id, [attempt]
                )
        except OrderNotFound:
            log.warning("webhook for an order this service does not know", type=notification.type)
            metrics.webhook("ignored")
            return _answer(IGNORED)
        order = confirmation.order
        log.info("webhook applied", type=notification.type, status=order.payment_status)
        metrics.webhook("applied" if confirmation.changed else "duplicate")
        return _answer(RECEIVED)

    async def _refund(self, notification: RefundNotification) -> Response:
        metrics = self._container.metrics()
        try:
            settlement = await self._container.apply_refund_state().settle(
                notification.order_id,
                notification.refund_id,
                notification.state,
                notification.gateway_refund_id,
                notification.arn,
            )
        except RefundNotFound:
            log.warning(
                "webhook for a refund this service does not know",
                type=notification.type,
                refund_id=notification.refund_id,
            )
            metrics.webhook("ignored")
            return _answer(IGNORED)
        refund = settlement.refund
        log.info("refund webhook applied", refund_id=refund.refund_id, state=refund.state.value)
        metrics.webhook("applied" if settlement.changed else "duplicate")
        return _answer(RECEIVED)


def webhook_routes(container: Container) -> list[BaseRoute]:
    receiver = WebhookReceiver(container)
    return [Route("/api/payment/webhook", receiver.receive, methods=["POST"])]
