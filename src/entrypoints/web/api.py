"""The seed-compatible payment API under /api/payment (same paths and JSON field names).

Validation errors answer 400 with `details` (the seed's list of messages) and `fields`
(one {field, message} per invalid input); every other error is `{success: false, error}`.
The endpoints are bound to one app's container, so several apps can share a process.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from application.use_cases.create_payment import CreatePaymentCommand
from entrypoints.container import Container
from entrypoints.web import params
from entrypoints.web.account_views import search_view
from entrypoints.web.accounts_api import account_routes
from entrypoints.web.auth import require_admin
from entrypoints.web.body import read_json_object, require_json
from entrypoints.web.customer_auth import CustomerAuth, ensure_owner
from entrypoints.web.params import path_order_id
from entrypoints.web.rate_limits import client_address
from entrypoints.web.refunds_api import refund_routes
from entrypoints.web.schemas import (
    CreateOrderAnswer,
    CreateOrderRequest,
    VerifyAnswer,
    VerifyRequest,
)
from entrypoints.web.views import (
    checked_status_view,
    credits_view,
    failed_payment_view,
    number,
    statistics_view,
)

log = structlog.get_logger(__name__)


class PaymentApi:
    """The payment API over the use cases one container builds."""

    def __init__(self, container: Container, customers: CustomerAuth) -> None:
        self._container = container
        self._settings = container.settings()
        self._customers = customers

    async def create_order(self, request: Request) -> JSONResponse:
        """A free amount, or a plan (`planId`) whose price the server sets."""
        require_json(request)
        await self._container.create_order_rate().hit(client_address(request))
        identity = self._customers.identify(request)
        body = CreateOrderRequest.model_validate(await read_json_object(request))
        command = CreatePaymentCommand(
            amount=body.amount,
            customer_name=body.customerName,
            customer_email=body.customerEmail,
            customer_phone=body.customerPhone,
            plan_id=body.planId,
            customer_id=identity.customer_id if identity else None,
            referral_agent=identity.referral_agent if identity else None,
        )
        order = await self._container.create_payment().execute(command)
        structlog.contextvars.bind_contextvars(order_id=order.order_id)
        assert order.payment_session_id is not None, "an opened order has its session"
        answer: CreateOrderAnswer = {
            "success": True,
            "order_id": order.order_id,
            "payment_session_id": order.payment_session_id,
            "environment": self._settings.cashfree_environment,
            "amount": number(order.amount),
            "customer_id": order.customer_id,
        }
        if order.purchase.plan_id is not None:
            answer["planId"] = order.purchase.plan_id
        return JSONResponse(answer)

    async def payment_status(self, request: Request) -> JSONResponse:
        await self._container.status_rate().hit(client_address(request))
        order_id = path_order_id(request)
        structlog.contextvars.bind_contextvars(order_id=order_id)
        checked = await self._container.get_payment_status().check(
            order_id, wait_seconds=self._settings.status_gateway_wait_seconds
        )
        return JSONResponse(checked_status_view(checked))

    async def verify(self, request: Request) -> JSONResponse:
        """The return page's check (academy seed): the gateway's truth through ConfirmPayment.
        It waits for the gateway's answer (one deadline per gateway call), unlike status."""
        await self._container.status_rate().hit(client_address(request))
        identity = self._customers.identify(request)
        body = VerifyRequest.model_validate(await read_json_object(request))
        order_id = params.order_id(body.any_order_id)
        structlog.contextvars.bind_contextvars(order_id=order_id)
        status = self._container.get_payment_status()
        if identity is not None:
            ensure_owner(await status.execute(order_id, refresh=False), identity)
        view = checked_status_view(await status.check(order_id))
        answer: VerifyAnswer = {**view, "verified": view["status"] == "SUCCESS"}
        return JSONResponse(answer)

    async def credits(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        limit, offset = params.paging(request)
        report = await self._container.list_credits().execute(limit, offset)
        return JSONResponse({"success": True, "data": credits_view(report)})

    async def failed_payments(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        limit, offset = params.paging(request)
        failed = await self._container.list_failed_payments().execute(limit, offset)
        return JSONResponse({"success": True, "data": [failed_payment_view(f) for f in failed]})

    async def stats(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        statistics = await self._container.get_statistics().execute()
        return JSONResponse({"success": True, "data": statistics_view(statistics)})

    async def search(self, request: Request) -> JSONResponse:
        """Find orders and customers by what a support request names (`q`)."""
        require_admin(request, self._settings.admin_token)
        text = params.search_text(request)
        found = await self._container.search_payments().execute(text)
        return JSONResponse({"success": True, "data": search_view(text, found)})

    async def reset(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        await self._container.reset_store().execute()
        return JSONResponse({"success": True, "message": "Credits reset successfully"})


def api_routes(container: Container) -> list[BaseRoute]:
    settings = container.settings()
    customers = CustomerAuth(settings.auth_mode, settings.jwt_secret)
    api = PaymentApi(container, customers)
    return [
        Route("/api/payment/create-order", api.create_order, methods=["POST"]),
        Route("/api/payment/status/{order_id}", api.payment_status, methods=["GET"]),
        Route("/api/payment/verify", api.verify, methods=["POST"]),
        # The academy's name for verify; same body ({orderId} or {order_id}), same answer.
        Route("/api/payment/verify-payment", api.verify, methods=["POST"]),
        *account_routes(container, customers),
        *refund_routes(container, customers),
        Route("/api/payment/credits", api.credits, methods=["GET"]),
        Route("/api/payment/failed-payments", api.failed_payments, methods=["GET"]),
        Route("/api/payment/stats", api.stats, methods=["GET"]),
        Route("/api/payment/search", api.search, methods=["GET"]),
        Route("/api/payment/credits/reset", api.reset, methods=["POST"]),
    ]
