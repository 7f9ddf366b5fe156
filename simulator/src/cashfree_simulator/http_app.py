"""The simulator over HTTP: Cashfree's /pg API and the /control scenario API.

`create_simulator_app` serves these beside the hosted checkout, at the root of the
standalone simulator or mounted inside another app; all share the one `CashfreeSimulator`
they are given.

/pg (needs x-client-id, x-client-secret: else 401; x-api-version YYYY-MM-DD: else 400;
x-idempotency-key honoured on the POSTs; JSON bodies of at most body.MAX_BODY_BYTES):
    POST  /pg/orders                                    create an order
    GET   /pg/orders/{order_id}                         fetch an order
    PATCH /pg/orders/{order_id}                         terminate: {"order_status": "TERMINATED"}
    GET   /pg/orders/{order_id}/payments                the order's payment attempts
    GET   /pg/orders/{order_id}/payments/{cf_payment_id}
    POST  /pg/orders/{order_id}/refunds                 create a refund
    GET   /pg/orders/{order_id}/refunds
    GET   /pg/orders/{order_id}/refunds/{refund_id}

/control (no credentials: a local test tool; errors as {message, code, type}; every answer
carries `X-Test-Double`, since these routes mark orders paid and the delivery log holds
customers' data: never expose them beyond a test machine):
    POST   /control/orders/{order_id}/attempts  {"outcome": "SUCCESS"|"FAILED"|"USER_DROPPED"|
           "PENDING", "message"?, "method"?: "upi"|"credit_card"|"debit_card"|"net_banking"|
           "wallet", "cf_payment_id"?: resolve that PENDING attempt, "amount"?}
           -> the PaymentEntity; its webhook has been delivered (or not, per webhook mode)
    POST   /control/orders/{order_id}/expire    -> the order, now EXPIRED
    POST   /control/next-outcome                {"outcome", "message"?}: the next hosted
           checkout payment ends this way
    POST   /control/refunds/next-outcome        {"outcome": "PENDING"|"SUCCESS"|"FAILED"|
           "CANCELLED"}: the next new refund settles this way at once (PENDING: it waits)
    POST   /control/orders/{order_id}/refunds/{refund_id}  {"outcome": "SUCCESS"|"FAILED"|
           "CANCELLED", "arn"?: the bank's reference of a SUCCESS (made up when absent; null:
           none yet, and a later SUCCESS with or without one brings it)} -> the
           RefundEntity, settled; its REFUND_STATUS_WEBHOOK is sent
    POST   /control/latency                     {"endpoint": name or "*", "seconds"}
    POST   /control/faults                      {"endpoint": name or "*", "kind": "5xx"|
           "timeout"|"reset", "rate"?: 1.0, "count"?: int or null}
    GET    /control/faults                      current latency and fault rules
    DELETE /control/faults                      clear latency and faults
    POST   /control/webhooks/mode               {"mode": "deliver"|"drop"|"duplicate"|
           "reorder"|"delay", "delay_seconds"?}
    GET    /control/webhooks                    the delivery log, oldest first
    POST   /control/webhooks/{index}/replay     {"fresh_signature"?: true} -> the new entry
    POST   /control/reset                       forget everything
Endpoint names: create_order, get_order, terminate_order, list_payments, get_payment,
create_refund, list_refunds, get_refund. A "timeout" fault answers only after
`hang_seconds`; a "reset" fault breaks the connection in the middle of the answer.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from cashfree_simulator import wire
from cashfree_simulator.body import read_object
from cashfree_simulator.errors import SimulatedFault, SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# On every /control answer: whoever reads it (a person, a proxy's log) learns what it is.
TEST_DOUBLE_HEADER = "X-Test-Double"
MAX_ARN = 50  # a bank's reference a test may set on a refund, in characters
TEST_DOUBLE_WARNING = (
    "cashfree-simulator: NOT Cashfree. A test double whose control API marks orders paid "
    "and whose webhook log holds customers' data; never expose it publicly"
)

Handler = Callable[[Request], Awaitable[Response]]


class CashfreeJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return wire.dumps(content)


class BrokenConnection(Response):
    """Starts an answer and never finishes it: the client sees the connection drop."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"cf_order', "more_body": True})


def error(exc: SimulatorError) -> Response:
    return CashfreeJSON(exc.body(), status_code=exc.status)


def pg_routes(simulator: CashfreeSimulator, hang_seconds: float) -> list[BaseRoute]:
    """Cashfree's /pg endpoints over `simulator`."""
    pg = _PgApi(simulator, hang_seconds)
    return [
        Route("/pg/orders", pg.guard(pg.create_order), methods=["POST"]),
        Route("/pg/orders/{order_id}", pg.guard(pg.get_order), methods=["GET"]),
        Route("/pg/orders/{order_id}", pg.guard(pg.terminate_order), methods=["PATCH"]),
        Route("/pg/orders/{order_id}/payments", pg.guard(pg.list_payments), methods=["GET"]),
        Route(
            "/pg/orders/{order_id}/payments/{cf_payment_id}",
            pg.guard(pg.get_payment),
            methods=["GET"],
        ),
        Route("/pg/orders/{order_id}/refunds", pg.guard(pg.create_refund), methods=["POST"]),
        Route("/pg/orders/{order_id}/refunds", pg.guard(pg.list_refunds), methods=["GET"]),
        Route(
            "/pg/orders/{order_id}/refunds/{refund_id}", pg.guard(pg.get_refund), methods=["GET"]
        ),
    ]


def control_routes(simulator: CashfreeSimulator) -> list[BaseRoute]:
    """The /control scenario API over `simulator`."""
    return _ControlApi(simulator).routes()


async def bad_url(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in Cashfree's error shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return error(
        SimulatorError(status, "bad URL, please check API documentation", "request_failed")
    )


class _PgApi:
    """Cashfree's /pg endpoints: authentication, versioning, faults, then the simulator."""

    def __init__(self, simulator: CashfreeSimulator, hang_seconds: float) -> None:
        self._sim = simulator
        self._hang = hang_seconds

    def guard(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            headers = request.headers
            request_id = headers.get("x-request-id") or secrets.token_hex(16)
            try:
                if not self._sim.credentials_match(
                    headers.get("x-client-id"), headers.get("x-client-secret")
                ):
                    raise SimulatorError(
                        401, "authentication Failed", "request_failed", "authentication_error"
                    )
                version = headers.get("x-api-version")
                if not version or not _API_VERSION.fullmatch(version):
                    raise SimulatorError(
                        400,
                        "x-api-version : x-api-version header is missing or invalid",
                        "version_invalid",
                    )
                response = await handler(request)
            except SimulatorError as exc:
                response = error(exc)
            except SimulatedFault as exc:
                response = await self._fault(exc)
            response.headers["x-request-id"] = request_id
            if headers.get("x-api-version"):
                response.headers["x-api-version"] = headers["x-api-version"]
            return response

        return guarded

    async def _fault(self, fault: SimulatedFault) -> Response:
        if fault.kind == "reset":
            return BrokenConnection()
        if fault.kind == "timeout":
            await asyncio.sleep(self._hang)
            return error(SimulatorError(504, "gateway timeout", "internal_error", "api_error"))
        return error(SimulatorError(500, "internal Server Error", "internal_error", "api_error"))

    async def create_order(self, request: Request) -> Response:
        body = await read_object(request)
        key = request.headers.get("x-idempotency-key")
        return CashfreeJSON(await self._sim.create_order(body, key))

    async def get_order(self, request: Request) -> Response:
        return CashfreeJSON(await self._sim.get_order(request.path_params["order_id"]))

    async def terminate_order(self, request: Request) -> Response:
        body = await read_object(request)
        order_id = request.path_params["order_id"]
        return CashfreeJSON(await self._sim.terminate_order(order_id, body))

    async def list_payments(self, request: Request) -> Response:
        return CashfreeJSON(await self._sim.list_payments(request.path_params["order_id"]))

    async def get_payment(self, request: Request) -> Response:
        params = request.path_params
        return CashfreeJSON(
            await self._sim.get_payment(params["order_id"], params["cf_payment_id"])
        )

    async def create_refund(self, request: Request) -> Response:
        body = await read_object(request)
        key = request.headers.get("x-idempotency-key")
        order_id = request.path_params["order_id"]
        return CashfreeJSON(await self._sim.create_refund(order_id, body, key))

    async def list_refunds(self, request: Request) -> Response:
        return CashfreeJSON(await self._sim.list_refunds(request.path_params["order_id"]))

    async def get_refund(self, request: Request) -> Response:
        params = request.path_params
        return CashfreeJSON(await self._sim.get_refund(params["order_id"], params["refund_id"]))


class _ControlApi:
    """Every scenario of the Python API, as JSON over HTTP."""

    def __init__(self, simulator: CashfreeSimulator) -> None:
        self._sim = simulator

    def routes(self) -> list[BaseRoute]:
        g = self._guard
        return [
            Route("/control/orders/{order_id}/attempts", g(self.attempt), methods=["POST"]),
            Route("/control/orders/{order_id}/expire", g(self.expire), methods=["POST"]),
            Route("/control/next-outcome", g(self.next_outcome), methods=["POST"]),
            Route("/control/refunds/next-outcome", g(self.next_refund_outcome), methods=["POST"]),
            Route(
                "/control/orders/{order_id}/refunds/{refund_id}",
                g(self.settle_refund),
                methods=["POST"],
            ),
            Route("/control/latency", g(self.latency), methods=["POST"]),
            Route("/control/faults", g(self.faults), methods=["GET", "POST", "DELETE"]),
            Route("/control/webhooks/mode", g(self.webhook_mode), methods=["POST"]),
            Route("/control/webhooks", g(self.webhooks), methods=["GET"]),
            Route("/control/webhooks/{index:int}/replay", g(self.replay), methods=["POST"]),
            Route("/control/reset", g(self.reset), methods=["POST"]),
        ]

    @staticmethod
    def _guard(handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except SimulatorError as exc:
                response = error(exc)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                response = error(SimulatorError(400, str(exc), "request_invalid"))
            response.headers[TEST_DOUBLE_HEADER] = TEST_DOUBLE_WARNING
            return response

        return guarded

    async def attempt(self, request: Request) -> Response:
        body = await read_object(request)
        amount = body.get("amount")
        payment = await self._sim.record_attempt(
            request.path_params["order_id"],
            _text(body, "outcome"),
            message=_optional_text(body, "message"),
            method=_optional_text(body, "method") or "upi",
            cf_payment_id=body.get("cf_payment_id"),
            amount=Decimal(str(amount)) if amount is not None else None,
        )
        return CashfreeJSON(payment)

    async def expire(self, request: Request) -> Response:
        return CashfreeJSON(await self._sim.expire_order(request.path_params["order_id"]))

    async def next_outcome(self, request: Request) -> Response:
        body = await read_object(request)
        outcome = _text(body, "outcome")
        self._sim.force_next_outcome(outcome, _optional_text(body, "message"))
        return CashfreeJSON({"outcome": outcome})

    async def next_refund_outcome(self, request: Request) -> Response:
        body = await read_object(request)
        outcome = _text(body, "outcome")
        self._sim.force_next_refund_outcome(outcome)
        return CashfreeJSON({"outcome": outcome})

    async def settle_refund(self, request: Request) -> Response:
        body = await read_object(request)
        params = request.path_params
        arn = body.get("arn")
        if "arn" not in body:
            arn = ""  # made up by the simulator
        elif arn is not None and not (isinstance(arn, str) and 0 < len(arn) <= MAX_ARN):
            raise ValueError(f"arn must be null or a string of 1 to {MAX_ARN} characters")
        refund = await self._sim.settle_refund(
            params["order_id"], params["refund_id"], _text(body, "outcome"), arn
        )
        return CashfreeJSON(refund)

    async def latency(self, request: Request) -> Response:
        body = await read_object(request)
        self._sim.set_latency(_text(body, "endpoint"), float(body["seconds"]))
        return JSONResponse(self._sim.faults.describe())

    async def faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self._sim.faults.clear()
        elif request.method == "POST":
            body = await read_object(request)
            count = body.get("count")
            self._sim.set_fault(
                _text(body, "endpoint"),
                _text(body, "kind"),
                float(body.get("rate", 1.0)),
                int(count) if count is not None else None,
            )
        return JSONResponse(self._sim.faults.describe())

    async def webhook_mode(self, request: Request) -> Response:
        body = await read_object(request)
        mode = _text(body, "mode")
        await self._sim.set_webhook_mode(mode, float(body.get("delay_seconds", 0)))
        return CashfreeJSON({"mode": mode})

    async def webhooks(self, request: Request) -> Response:
        return CashfreeJSON(self._sim.webhook_log())

    async def replay(self, request: Request) -> Response:
        body = await read_object(request)
        fresh = body.get("fresh_signature", True)
        if not isinstance(fresh, bool):
            raise ValueError("fresh_signature must be a boolean")
        try:
            entry = await self._sim.replay_webhook(request.path_params["index"], fresh)
        except IndexError as exc:
            raise SimulatorError(404, str(exc), "webhook_not_found") from exc
        return CashfreeJSON(entry)

    async def reset(self, request: Request) -> Response:
        await self._sim.reset()
        return CashfreeJSON({"reset": True})


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is required and must be a string")
    return value


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value
