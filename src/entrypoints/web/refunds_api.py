"""Refunds, cancellation and reconciliation under /api/payment.

The operator (ADMIN_TOKEN) refunds a paid order, fully or in part, lists its refunds and
the recent refunds of every order, and reads the reconciler's last run. A refund carries
the client's `refund_id`: repeating it with the same body answers the first refund (200),
with another body 409, so a retried click never refunds twice.

Cancelling an open order is the operator's, or in AUTH_MODE=jwt the order's own customer's
(another customer gets 404, as for an unknown order). In AUTH_MODE=none no request proves
who the customer is, so the order id itself (unguessable, known only to whoever created
the order) is the key, as for the status route.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from domain.refunds import REASON_MESSAGE, RefundState
from entrypoints.container import Container
from entrypoints.web.auth import is_admin, require_admin
from entrypoints.web.body import read_json_object
from entrypoints.web.customer_auth import CustomerAuth, ensure_owner
from entrypoints.web.errors import HttpError
from entrypoints.web.params import paging, path_order_id
from entrypoints.web.refund_views import reconcile_run_view, refund_view
from entrypoints.web.schemas import RefundRequest
from entrypoints.web.views import order_view, payment_status_view

log = structlog.get_logger(__name__)
# Cashfree's refund_id: 3 to 40 characters; letters, digits, '_' and '-' need no escaping.
_REFUND_ID = re.compile(r"[A-Za-z0-9_-]{3,40}")
REFUND_ID_RULE = "3 to 40 letters, digits, '_' or '-'"


def _field_error(field: str, message: str) -> HttpError:
    return HttpError(
        400, "Validation failed", details=[message], fields=[{"field": field, "message": message}]
    )


def _state(request: Request) -> RefundState | None:
    raw = request.query_params.get("state")
    if raw is None or raw == "":
        return None
    try:
        return RefundState(raw.upper())
    except ValueError:
        names = ", ".join(s.value for s in RefundState)
        raise HttpError(400, f"state must be one of {names}") from None


class RefundsApi:
    """The refund, cancellation and reconciliation routes over one container."""

    def __init__(self, container: Container, customers: CustomerAuth) -> None:
        self._container = container
        self._settings = container.settings()
        self._customers = customers

    async def refund(self, request: Request) -> JSONResponse:
        """201 for a new refund, 200 when `refund_id` repeats the same request."""
        require_admin(request, self._settings.admin_token)
        order_id = path_order_id(request)
        structlog.contextvars.bind_contextvars(order_id=order_id)
        body = RefundRequest.model_validate(await read_json_object(request))
        refund_id: Any = body.any_refund_id
        if refund_id is None:
            refund_id = self._container.ids().new_id("refund")
        elif not isinstance(refund_id, str) or _REFUND_ID.fullmatch(refund_id) is None:
            raise _field_error("refund_id", f"Use {REFUND_ID_RULE}.")
        reason: Any = body.reason
        if not isinstance(reason, str):
            raise _field_error("reason", REASON_MESSAGE)
        known = await self._container.list_refunds().execute(order_id)
        repeated = any(r.refund_id == refund_id for r in known)
        refund = await self._container.refund_order().execute(
            order_id, refund_id, body.amount, reason
        )
        log.info("refund requested", refund_id=refund.refund_id, state=refund.state.value)
        return JSONResponse(
            {"success": True, "data": refund_view(refund)}, status_code=200 if repeated else 201
        )

    async def order_refunds(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        order_id = path_order_id(request)
        refunds = await self._container.list_refunds().execute(order_id)
        return JSONResponse({"success": True, "data": [refund_view(r) for r in refunds]})

    async def recent_refunds(self, request: Request) -> JSONResponse:
        """Every order's refunds, newest first, optionally of one state (the dashboard)."""
        require_admin(request, self._settings.admin_token)
        limit, offset = paging(request)
        state = _state(request)
        refunds = await self._container.reports().recent_refunds(limit, offset, state)
        return JSONResponse({"success": True, "data": [refund_view(r) for r in refunds]})

    async def cancel(self, request: Request) -> JSONResponse:
        """Terminates an open order: the operator's, or the customer's own (jwt mode)."""
        order_id = path_order_id(request)
        structlog.contextvars.bind_contextvars(order_id=order_id)
        admin = is_admin(request, self._settings.admin_token)
        if not admin:
            identity = self._customers.identify(request)
            if identity is not None:
                status = self._container.get_payment_status()
                ensure_owner(await status.execute(order_id, refresh=False), identity)
        order = await self._container.cancel_order().execute(order_id)
        log.info("order cancel requested", by="admin" if admin else "customer")
        # it was open a moment ago (or just paid): no refund can have been asked for yet
        view = order_view(order, ()) if admin else payment_status_view(order)
        return JSONResponse({"success": True, "data": view})

    async def reconciliation(self, request: Request) -> JSONResponse:
        require_admin(request, self._settings.admin_token)
        reconciler = self._container.reconciler()
        return JSONResponse(
            {
                "success": True,
                "data": {
                    "intervalSeconds": self._settings.reconcile_interval_seconds,
                    "lastRun": reconcile_run_view(reconciler.last_run),
                },
            }
        )


def refund_routes(container: Container, customers: CustomerAuth) -> list[BaseRoute]:
    api = RefundsApi(container, customers)
    order = "/api/payment/orders/{order_id}"
    return [
        Route(f"{order}/refunds", api.refund, methods=["POST"]),
        Route(f"{order}/refunds", api.order_refunds, methods=["GET"]),
        Route(f"{order}/cancel", api.cancel, methods=["POST"]),
        Route("/api/payment/refunds", api.recent_refunds, methods=["GET"]),
        Route("/api/payment/reconciliation", api.reconciliation, methods=["GET"]),
    ]
