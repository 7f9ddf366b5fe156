"""Cashfree error answers ({message, code, type}) as application errors.

The customer-facing text of each error is its `public_message`; only validation errors
pass Cashfree's own message through, because only those describe the customer's input.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayError,
    GatewayNotFound,
    GatewayRateLimited,
    GatewayTimeout,
    GatewayUnavailable,
    GatewayValidationError,
)
from cashfree_simulator import wire

_IDEMPOTENCY_ERROR = "idempotency_error"
_RETRY_AFTER_HEADERS = ("x-ratelimit-retry", "retry-after")


def error_message(response: httpx.Response) -> str:
    """Cashfree's `message`, or a neutral description when the body has none."""
    try:
        body = wire.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
    return f"Cashfree answered HTTP {response.status_code}"


def error_type(response: httpx.Response) -> str:
    try:
        body = wire.loads(response.content)
    except ValueError:
        return ""
    kind = body.get("type") if isinstance(body, Mapping) else None
    return kind if isinstance(kind, str) else ""


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from Cashfree's x-ratelimit-retry (or a standard Retry-After)."""
    for header in _RETRY_AFTER_HEADERS:
        raw = response.headers.get(header)
        if raw is None:
            continue
        try:
            seconds = float(raw.strip())
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def error_for(response: httpx.Response, app_id: str) -> GatewayError:
    """The application error for a non-2xx Cashfree answer over HTTP."""
    return error_from(
        response.status_code,
        error_message(response),
        error_type(response),
        app_id,
        retry_after(response),
    )


def error_from(
    status: int, message: str, kind: str, app_id: str, wait: float | None = None
) -> GatewayError:
    """The application error for a Cashfree refusal: its status, message and type.

    401/403 name the app id whose credentials were refused (never the secret). A 422 is
    Cashfree's idempotency error (same key, different body), which is a conflict; any
    other 422 is a validation error. The simulator's in-process refusals map here too.
    """
    if status in (401, 403):
        return GatewayAuthError(f"Cashfree refused the credentials of app id {app_id}: {message}")
    if status == 422 and kind == _IDEMPOTENCY_ERROR:
        return GatewayConflict(message)
    if status in (400, 422):
        return GatewayValidationError(message)
    if status == 404:
        return GatewayNotFound(message)
    if status == 409:
        return GatewayConflict(message)
    if status == 429:
        return GatewayRateLimited(message, wait)
    if status == 504:
        return GatewayTimeout(message)
    if status >= 500:
        return GatewayUnavailable(message)
    return GatewayError(message)
