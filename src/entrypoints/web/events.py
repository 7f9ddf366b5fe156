"""`GET /api/payment/events/{order_id}`: an order's status changes as Server-Sent Events.

The stream sends the current status at once, then each change the moment any instance
of the service commits it (whether webhook, verification or watcher changed the order,
the unit of work publishes the change on the event bus, which wakes the streams of that
order in every process), then a `final` event, and closes. A wake-up only says "read
again": the stream re-reads the order from the store and sends it if its view changed.
While it is open the order watcher asks the gateway once per interval, so a failure
shows even when Cashfree's webhook is late or lost; while the bus is disconnected the
stream also re-reads the store once per interval, so it never waits on a silent bus.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import structlog
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from application.errors import OrderNotFound
from domain.order import Order
from entrypoints.container import Container
from entrypoints.web.params import is_printable_id
from entrypoints.web.rate_limits import client_address
from entrypoints.web.schemas import MAX_ORDER_ID
from entrypoints.web.views import payment_status_view

PING_SECONDS = 15
RETRY_MILLISECONDS = 2000


def _event(name: str, view: Mapping[str, object]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(view), event=name, retry=RETRY_MILLISECONDS)


async def _stream(container: Container, order_id: str) -> AsyncIterator[ServerSentEvent]:
    status = container.get_payment_status()
    watcher = container.order_watcher()
    # Subscribe before reading, so a change committed in between is not missed.
    async with container.event_bus().subscribe(order_id) as changes:
        order: Order = await status.execute(order_id, refresh=False)
        view = payment_status_view(order)
        if order.status.is_final:
            yield _event("final", view)
            return
        yield _event("status", view)
        async with watcher.watch(order_id):
            while True:
                await changes.wait(fallback_seconds=watcher.interval_seconds)
                order = await status.execute(order_id, refresh=False)
                latest = payment_status_view(order)
                if order.status.is_final:
                    yield _event("final", latest)
                    return
                if latest != view:
                    view = latest
                    yield _event("status", view)


class _HeldStream(EventSourceResponse):
    """An event stream that gives its slot back when it ends, however it ends.

    When the server shuts down, sse-starlette stops the stream without ending its body;
    uvicorn then logs an error and the client sees a cut-off response. This ends the body
    instead, so the page's EventSource sees the stream close and reconnects (to another
    instance behind a balancer)."""

    def __init__(self, release: Callable[[], None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = ended = False

        async def watched(message: Message) -> None:
            nonlocal started, ended
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                ended = True
            await send(message)

        try:
            await super().__call__(scope, receive, watched)
            if started and not ended:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self._release()


class OrderEvents:
    """The event stream endpoint over one app's container."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def stream(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if not is_printable_id(order_id, 1, MAX_ORDER_ID):
            return JSONResponse({"success": False, "error": "Order not found"}, status_code=404)
        structlog.contextvars.bind_contextvars(order_id=order_id)
        try:
            await self._container.get_payment_status().execute(order_id, refresh=False)
        except OrderNotFound:
            return JSONResponse({"success": False, "error": "Order not found"}, status_code=404)
        release = self._container.stream_slots().acquire(client_address(request))
        return _HeldStream(
            release,
            _stream(self._container, order_id),
            ping=PING_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


def event_routes(container: Container) -> list[BaseRoute]:
    events = OrderEvents(container)
    return [Route("/api/payment/events/{order_id}", events.stream, methods=["GET"])]
