"""HTTP errors as the seed's JSON shape: {success: false, error, ...}, never a 500 page."""

from __future__ import annotations

from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.errors import (
    ApplicationError,
    ConcurrencyConflict,
    CustomerNotFound,
    GatewayAuthError,
    GatewayError,
    GatewayRateLimited,
    GatewayTimeout,
    GatewayValidationError,
    OrderNotCancellable,
    OrderNotFound,
    OrderNotRefundable,
    RefundConflict,
    RefundNotFound,
    ResetRefused,
)
from domain.errors import (
    DomainError,
    IllegalTransition,
    InsufficientCredits,
    InvalidField,
    ValidationFailed,
)
from domain.refunds import RefundExceedsRemaining
from entrypoints.web.views import api_field

log = structlog.get_logger(__name__)


class HttpError(Exception):
    """Raised by route code to answer with `status` and a safe message."""

    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.extra = extra


def error_response(status: int, error: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"success": False, "error": error, **extra}, status_code=status)


def validation_details(exc: ValidationFailed) -> dict[str, Any]:
    """`details` as the seed's list of messages, `fields` for forms that mark inputs."""
    return {
        "details": [e.message for e in exc.errors],
        "fields": [{"field": api_field(e.field), "message": e.message} for e in exc.errors],
    }


async def handle_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_response(exc.status, exc.error, **exc.extra)


async def handle_starlette_http(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "Endpoint not found", 405: "Method not allowed"}.get(exc.status_code, exc.detail)
    return error_response(exc.status_code, error)


async def handle_domain_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationFailed):
        return error_response(400, "Validation failed", **validation_details(exc))
    if isinstance(exc, RefundExceedsRemaining):
        single = ValidationFailed([exc.error])
        return error_response(
            400,
            "The amount is more than remains refundable",
            remaining=float(exc.remaining.amount),
            **validation_details(single),
        )
    if isinstance(exc, InvalidField):
        single = ValidationFailed([exc.error])
        return error_response(400, "Validation failed", **validation_details(single))
    if isinstance(exc, IllegalTransition):
        return error_response(409, "The order cannot take this change in its current state")
    if isinstance(exc, InsufficientCredits):
        return error_response(
            409,
            f"Insufficient credits: the balance is {exc.balance}, cannot apply {exc.change}",
            balance=exc.balance,
        )
    return error_response(400, str(exc))


async def handle_application_error(_: Request, exc: Exception) -> Response:
    if isinstance(exc, OrderNotFound):
        return error_response(404, "Order not found")
    if isinstance(exc, RefundNotFound):
        return error_response(404, "Refund not found")
    if isinstance(exc, OrderNotRefundable):
        return error_response(409, f"Only a paid order can be refunded; this one is {exc.status}")
    if isinstance(exc, RefundConflict):
        return error_response(
            409, "This refund_id was already used for another amount, reason or order"
        )
    if isinstance(exc, OrderNotCancellable):
        return error_response(409, f"Only an open order can be cancelled; this one is {exc.status}")
    if isinstance(exc, CustomerNotFound):
        return error_response(404, "Customer not found")
    if isinstance(exc, ResetRefused):
        return error_response(403, "reset is disabled when CASHFREE_ENVIRONMENT=PRODUCTION")
    if isinstance(exc, ConcurrencyConflict):
        return error_response(409, "The order is being updated; please retry")
    if isinstance(exc, GatewayError):
        if isinstance(exc, GatewayAuthError):
            log.error("gateway refused our credentials: check CASHFREE_APP_ID/SECRET_KEY")
        status = 400 if isinstance(exc, GatewayValidationError) else 502
        if isinstance(exc, GatewayTimeout):
            status = 504
        headers = {}
        if isinstance(exc, GatewayRateLimited):
            status = 503
            if exc.retry_after is not None:
                headers["Retry-After"] = str(int(exc.retry_after + 0.999))
        response = error_response(status, exc.public_message)
        response.headers.update(headers)
        return response
    return error_response(500, "Internal server error")


async def handle_unexpected(_: Request, exc: Exception) -> Response:
    log.exception("unhandled error", error=type(exc).__name__)
    return error_response(500, "Internal server error")


EXCEPTION_HANDLERS = {
    HttpError: handle_http_error,
    HTTPException: handle_starlette_http,
    DomainError: handle_domain_error,
    ApplicationError: handle_application_error,
    Exception: handle_unexpected,
}
