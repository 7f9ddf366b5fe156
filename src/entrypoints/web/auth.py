"""Operator authentication: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time."""

from __future__ import annotations

import hmac

from pydantic import SecretStr
from starlette.requests import Request

from entrypoints.web.errors import HttpError


def is_admin(request: Request, admin_token: SecretStr) -> bool:
    """Whether the request carries the admin token (routes open to admin or customer)."""
    expected = admin_token.get_secret_value()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )


def require_admin(request: Request, admin_token: SecretStr) -> None:
    if not is_admin(request, admin_token):
        raise HttpError(401, "Admin authentication required")
