"""The simulator's hosted checkout: the page a customer pays on, and the cashfree.js that opens it.

Cashfree hosts this page at payments.cashfree.com; the simulator serves it next to its API so
a merchant's page can load `cashfree.js` from the simulator and open a checkout for any
payment_session_id. The person at the page picks the outcome, the simulator records it as a
payment attempt (and sends its webhook), and the page returns the customer to the merchant.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cashfree_simulator import wire
from cashfree_simulator.body import read_body
from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator

STATIC = Path(__file__).parent / "static"
OUTCOMES = frozenset({"SUCCESS", "FAILED", "USER_DROPPED", "PENDING"})
FAILURE_MESSAGES = (
    "Insufficient funds in the account",
    "Transaction declined by the issuing bank",
    "Incorrect UPI PIN entered",
    "Card expired",
    "Transaction timed out at the bank",
)
PENDING_MS_DEFAULT = 1500
PENDING_MS_MAX = 10_000
MESSAGE_MAX = 200
_ORDER_ID_PLACEHOLDERS = ("{order_id}", "%7Border_id%7D", "%7border_id%7d")
_ASSETS = {
    "checkout.css": "text/css; charset=utf-8",
    "checkout.js": "application/javascript; charset=utf-8",
}
# The page must be framable by any merchant origin (the modal flow), but loads nothing
# from anywhere but the simulator.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors *"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class CheckoutRefused(Exception):
    """The session cannot be paid; carries the status and the customer-facing reason."""

    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class PayRequest:
    """The outcome a person picked on the page."""

    outcome: str
    method: str
    message: str | None
    cf_payment_id: str | None


def checkout_routes(simulator: CashfreeSimulator) -> list[BaseRoute]:
    """The hosted checkout, cashfree.js and a home page, served beside `/pg` and `/control`."""
    pages = CheckoutPages(simulator)
    return [
        Route("/", pages.home, methods=["GET", "HEAD"]),
        Route("/cashfree.js", pages.cashfree_js, methods=["GET", "HEAD"]),
        Route("/checkout/assets/{name}", pages.asset, methods=["GET", "HEAD"]),
        Route("/checkout/{payment_session_id}", pages.page, methods=["GET", "HEAD"]),
        Route("/checkout/{payment_session_id}/pay", pages.pay, methods=["POST"]),
    ]


def return_url_for(return_url: str, order_id: str) -> str:
    """Cashfree's redirect target: `{order_id}` replaced, else `order_id` added to the query
    unless the merchant already put it there (a return URL filled in before it was sent)."""
    quoted = quote(order_id, safe="")
    for placeholder in _ORDER_ID_PLACEHOLDERS:
        if placeholder in return_url:
            return return_url.replace(placeholder, quoted)
    parts = urlsplit(return_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "order_id" for name, _ in query):
        return return_url
    query.append(("order_id", order_id))
    return urlunsplit(parts._replace(query=urlencode(query)))


def format_amount(amount: object, currency: str) -> str:
    """`₹1,234.50` for INR, `1,234.50 USD` otherwise; the exact decimal, never a float."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"
    text = f"{value:,.2f}"
    return f"\u20b9{text}" if currency == "INR" else f"{text} {currency}"


class CheckoutPages:
    """Request handlers of the hosted checkout, bound to one simulator."""

    def __init__(self, simulator: CashfreeSimulator) -> None:
        self._simulator = simulator
        self._page = Template((STATIC / "checkout.html").read_text(encoding="utf-8"))
        self._error = Template((STATIC / "error.html").read_text(encoding="utf-8"))
        self._home = Template((STATIC / "home.html").read_text(encoding="utf-8"))

    async def home(self, request: Request) -> Response:
        """What a person who opens the simulator's address sees: what it is, where the docs are."""
        text = self._home.substitute(base=_attr(_base_path(request)))
        return HTMLResponse(text, headers=_PAGE_HEADERS)

    async def cashfree_js(self, request: Request) -> Response:
        return Response(
            (STATIC / "cashfree.js").read_bytes(),
            media_type="application/javascript; charset=utf-8",
            headers={
                "Cache-Control": "no-cache",
                "Access-Control-Allow-Origin": "*",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        media_type = _ASSETS.get(name)
        if media_type is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            (STATIC / name).read_bytes(),
            media_type=media_type,
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    async def page(self, request: Request) -> Response:
        session_id = request.path_params["payment_session_id"]
        assets = _base_path(request) + "/checkout/assets"
        try:
            order = await self._payable_order(session_id)
        except CheckoutRefused as refused:
            return self._error_page(refused, assets)
        currency = str(order.get("order_currency") or "INR")
        customer = order.get("customer_details") or {}
        text = self._page.substitute(
            assets=_attr(assets),
            session_id=_attr(session_id),
            order_id=_attr(str(order["order_id"])),
            pay_url=_attr(f"{_base_path(request)}/checkout/{quote(session_id, safe='')}/pay"),
            flow="modal" if request.query_params.get("flow") == "modal" else "redirect",
            parent_origin=_attr(_origin_or_empty(request.query_params.get("parent_origin"))),
            pending_ms=str(_pending_ms(request.query_params.get("pending_ms"))),
            amount_text=_attr(format_amount(order.get("order_amount"), currency)),
            customer_name=_attr(str(customer.get("customer_name") or "Customer")),
            failure_options="\n".join(
                f'      <option value="{_attr(m)}">{_attr(m)}</option>' for m in FAILURE_MESSAGES
            ),
        )
        return HTMLResponse(text, headers=_PAGE_HEADERS)

    async def pay(self, request: Request) -> Response:
        session_id = request.path_params["payment_session_id"]
        try:
            order = await self._payable_order(session_id)
        except CheckoutRefused as refused:
            return _json_error(refused.status, refused.detail, refused.code)
        try:
            body = await read_body(request)
        except SimulatorError as refused:
            return JSONResponse(refused.body(), status_code=refused.status)
        try:
            choice = parse_pay_request(body)
        except ValueError as exc:
            return _json_error(400, str(exc), "request_invalid")
        order_id = str(order["order_id"])
        try:
            payment = await self._attempt(session_id, order_id, choice)
        except SimulatorError as refused:
            return JSONResponse(refused.body(), status_code=refused.status)
        return_url = (order.get("order_meta") or {}).get("return_url")
        redirect_url = return_url_for(return_url, order_id) if return_url else None
        return Response(
            wire.dumps({"payment": payment, "redirect_url": redirect_url}),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def _attempt(self, session_id: str, order_id: str, choice: PayRequest) -> dict[str, Any]:
        """A new attempt (where a forced outcome overrides the choice), or the bank's late
        answer to the PENDING attempt the page is waiting on."""
        if choice.cf_payment_id is None:
            return await self._simulator.pay_with_session(
                session_id, choice.outcome, choice.message, choice.method
            )
        return await self._simulator.record_attempt(
            order_id,
            choice.outcome,
            message=choice.message,
            method=choice.method,
            cf_payment_id=choice.cf_payment_id,
        )

    async def _payable_order(self, session_id: str) -> dict[str, Any]:
        try:
            order = await self._simulator.order_for_session(session_id)
        except SimulatorError as unknown:
            raise CheckoutRefused(
                404,
                "payment_session_id_invalid",
                "Checkout not found",
                "This payment link is not valid. Start the payment again from the shop.",
            ) from unknown
        status = order.get("order_status")
        if status == "EXPIRED":
            raise CheckoutRefused(
                410,
                "order_expired",
                "Checkout expired",
                "This order has expired. Start the payment again from the shop.",
            )
        if status == "TERMINATED" or status == "TERMINATION_REQUESTED":
            raise CheckoutRefused(
                410,
                "order_terminated",
                "Checkout closed",
                "This order was cancelled by the shop. Start the payment again from the shop.",
            )
        if status == "PAID":
            raise CheckoutRefused(
                409, "order_already_paid", "Already paid", "This order has already been paid."
            )
        return order

    def _error_page(self, refused: CheckoutRefused, assets: str) -> Response:
        text = self._error.substitute(
            assets=_attr(assets),
            code=_attr(refused.code),
            title=_attr(refused.title),
            detail=_attr(refused.detail),
        )
        return HTMLResponse(text, status_code=refused.status, headers=_PAGE_HEADERS)


def parse_pay_request(body: bytes) -> PayRequest:
    """Validate the page's POST body; every problem is a ValueError with a readable message."""
    try:
        data = json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError("request body must be JSON") from exc
    if not isinstance(data, Mapping):
        raise ValueError("request body must be a JSON object")
    outcome = data.get("outcome")
    if not isinstance(outcome, str) or outcome.upper() not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(sorted(OUTCOMES))}")
    method = data.get("method", "upi")
    if not isinstance(method, str) or not method:
        raise ValueError("method must be a payment method name such as upi or card")
    message = data.get("message")
    if message is not None and (not isinstance(message, str) or len(message) > MESSAGE_MAX):
        raise ValueError(f"message must be text of at most {MESSAGE_MAX} characters")
    cf_payment_id = data.get("cf_payment_id")
    if cf_payment_id is not None:
        if isinstance(cf_payment_id, bool) or not isinstance(cf_payment_id, (str, int)):
            raise ValueError("cf_payment_id must be a string")
        cf_payment_id = str(cf_payment_id)
    return PayRequest(outcome.upper(), method, message or None, cf_payment_id)


def _base_path(request: Request) -> str:
    """Where the simulator is mounted: its Mount path inside another app, `` when standalone."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _origin_or_empty(value: str | None) -> str:
    """Only a bare http(s) origin may become postMessage's target origin."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _pending_ms(value: str | None) -> int:
    if value is None or not value.isdigit():
        return PENDING_MS_DEFAULT
    return min(int(value), PENDING_MS_MAX)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _json_error(status: int, message: str, code: str) -> JSONResponse:
    """Cashfree's error shape, so the page and scripts read one format."""
    kind = "invalid_request_error" if status < 500 else "api_error"
    return JSONResponse({"message": message, "code": code, "type": kind}, status_code=status)
