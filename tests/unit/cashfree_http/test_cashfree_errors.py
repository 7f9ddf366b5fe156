"""Cashfree error answers ({message, code, type}) mapped to application errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from adapters.gateway.cashfree_errors import error_for, retry_after
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayError,
    GatewayNotFound,
    GatewayRateLimited,
    GatewayUnavailable,
    GatewayValidationError,
)


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers=headers)


def test_bad_request_passes_the_message_through() -> None:
    error = error_for(
        answer(
            400,
            {
                "message": "order_amount : invalid value provided",
                "code": "order_amount_invalid",
                "type": "invalid_request_error",
            },
        ),
        "APP1",
    )
    assert isinstance(error, GatewayValidationError)
    assert error.public_message == "order_amount : invalid value provided"


def test_authentication_error_names_the_app_id_but_shows_a_generic_message() -> None:
    error = error_for(
        answer(
            401,
            {
                "message": "authentication Failed",
                "code": "request_failed",
                "type": "authentication_error",
            },
        ),
        "APP_ID_123",
    )
    assert isinstance(error, GatewayAuthError)
    assert "APP_ID_123" in str(error)
    assert "APP_ID_123" not in error.public_message
    assert "authentication" not in error.public_message.lower()


def test_forbidden_is_an_authentication_error() -> None:
    error = error_for(answer(403, {"message": "ip not whitelisted"}), "A")
    assert isinstance(error, GatewayAuthError)


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (404, "invalid_request_error", GatewayNotFound),
        (409, "invalid_request_error", GatewayConflict),
        (422, "idempotency_error", GatewayConflict),
        (422, "invalid_request_error", GatewayValidationError),
        (500, "api_error", GatewayUnavailable),
        (502, "api_error", GatewayUnavailable),
    ],
)
def test_status_and_type_choose_the_error(
    status: int, kind: str, expected: type[GatewayError]
) -> None:
    error = error_for(answer(status, {"message": "m", "code": "c", "type": kind}), "A")
    assert type(error) is expected
    assert str(error) == "m"


def test_unexpected_status_is_a_plain_gateway_error() -> None:
    error = error_for(answer(418, {"message": "teapot"}), "A")
    assert type(error) is GatewayError


def test_body_without_message_gets_a_neutral_one() -> None:
    error = error_for(httpx.Response(404, content=b"not json"), "A")
    assert isinstance(error, GatewayNotFound)
    assert str(error) == "Cashfree answered HTTP 404"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"x-ratelimit-retry": "4"}, 4.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"x-ratelimit-retry": "soon", "Retry-After": "7"}, 7.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({"x-ratelimit-retry": "-1"}, None),
        ({}, None),
    ],
)
def test_rate_limit_carries_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    response = answer(429, {"message": "Too many requests", "type": "rate_limit_error"}, headers)
    error = error_for(response, "A")
    assert isinstance(error, GatewayRateLimited)
    assert error.retry_after == seconds
    assert retry_after(response) == seconds
