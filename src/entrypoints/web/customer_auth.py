"""Customer authentication: who is calling the customer routes.

AUTH_MODE=none (the default) trusts no one and asks nothing: CreatePayment derives the
customer id from the e-mail, and the order id (unguessable) is the only key to an order.
AUTH_MODE=jwt asks for `Authorization: Bearer <token>` signed with JWT_SECRET (HS256 only:
a token naming another algorithm, or none, is refused), whose `sub` is the customer id and
whose optional `referral_agent` names the agent who referred the customer. `exp` and `nbf`
are enforced when present.

A customer id (and an agent id) in a token is 3 to 50 letters, digits, `_` or `-`: the
customer id is sent to Cashfree as `customer_details.customer_id`, which allows exactly
that, and such an id needs no escaping in a URL path or a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from pydantic import SecretStr
from starlette.requests import Request

from domain.order import Order
from entrypoints.web.errors import HttpError

ALGORITHM = "HS256"
_ID = re.compile(r"[A-Za-z0-9_-]{3,50}")
ID_RULE = "3 to 50 letters, digits, '_' or '-'"
AuthMode = Literal["none", "jwt"]


@dataclass(frozen=True)
class CustomerIdentity:
    """The customer a valid token speaks for, and the agent the token says referred them."""

    customer_id: str
    referral_agent: str | None = None


def is_valid_id(value: object) -> bool:
    """Whether `value` is a customer or agent id as tokens may carry them."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _unauthorized(reason: str) -> HttpError:
    return HttpError(401, f"Customer authentication required: {reason}")


class CustomerAuth:
    """Reads the customer's identity from a request, according to AUTH_MODE."""

    def __init__(self, mode: AuthMode, secret: SecretStr) -> None:
        self._mode = mode
        self._secret = secret

    @property
    def enabled(self) -> bool:
        return self._mode == "jwt"

    def identify(self, request: Request) -> CustomerIdentity | None:
        """None when AUTH_MODE=none; in jwt mode the token's customer, else 401."""
        if not self.enabled:
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("send Authorization: Bearer <token>")
        return self.decode(token)

    def require(self, request: Request) -> CustomerIdentity:
        """The caller's identity on a route that only exists in jwt mode (404 otherwise)."""
        identity = self.identify(request)
        if identity is None:
            raise HttpError(404, "Not available when AUTH_MODE=none")
        return identity

    def decode(self, token: str) -> CustomerIdentity:
        """The identity in a token signed with our secret; 401 for anything else."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret.get_secret_value(),
                algorithms=[ALGORITHM],
                options={"require": ["sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the token has expired") from None
        except jwt.InvalidTokenError:
            raise _unauthorized("the token is not valid") from None
        subject = claims.get("sub")
        if not is_valid_id(subject):
            raise _unauthorized("the token's sub is not a valid customer id")
        agent = claims.get("referral_agent")
        if agent is not None and not is_valid_id(agent):
            raise _unauthorized("the token's referral_agent is not a valid agent id")
        assert isinstance(subject, str)
        return CustomerIdentity(subject, agent if isinstance(agent, str) else None)


def ensure_owner(order: Order, identity: CustomerIdentity | None) -> None:
    """404 (as for an unknown order) when an authenticated customer asks for another's order:
    a 403 would confirm that the order id exists."""
    if identity is not None and order.customer_id != identity.customer_id:
        raise HttpError(404, "Order not found")
