"""`GET /api/payment/events/{order_id}`: an order's status changes as Server-Sent Events.

The stream sends the current status at once, then each change the moment the service
commits it (whether webhook, verification or watcher changed the order, the unit of work
publishes the change on the event bus), then a `final` event, and closes. While it is open
the order watcher asks the gateway once per interval, so a failure shows even when
Cashfree's webhook is late or lost.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from application.errors import OrderNotFound
from domain.order import Order
from entrypoints.container import Container
from entrypoints.web.params import is_printable_id
from entrypoints.web.schemas import MAX_ORDER_ID
from entrypoints.web.views import payment_status_view

PING_SECONDS = 15
RETRY_MILLISECONDS = 2000


def _event(name: str, view: Mapping[str, object]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(view), event=name, retry=RETRY_MILLISECONDS)


async def _stream(container: Container, order_id: str) -> AsyncIterator[ServerSentEvent]:
    status = container.get_payment_status()
    # Subscribe before reading, so a change committed in between is not missed.
    async with container.event_bus().subscribe(order_id) as queue:
        order: Order = await status.execute(order_id, refresh=False)
        view = payment_status_view(order)
        if order.status.is_final:
            yield _event("final", view)
            return
        yield _event("status", view)
        async with container.order_watcher().watch(order_id):
            while True:
                await queue.get()
                while not queue.empty():
                    queue.get_nowait()
                order = await status.execute(order_id, refresh=False)
                latest = payment_status_view(order)
                if order.status.is_final:
                    yield _event("final", latest)
                    return
                if latest != view:
                    view = latest
                    yield _event("status", view)


class OrderEvents:
    """The event stream endpoint over one app's container."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def stream(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if not is_printable_id(order_id, 1, MAX_ORDER_ID):
            return JSONResponse({"success": False, "error": "Order not found"}, status_code=404)
        try:
            await self._container.get_payment_status().execute(order_id, refresh=False)
        except OrderNotFound:
            return JSONResponse({"success": False, "error": "Order not found"}, status_code=404)
        return EventSourceResponse(
            _stream(self._container, order_id),
            ping=PING_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


def event_routes(container: Container) -> list[BaseRoute]:
    events = OrderEvents(container)
    return [Route("/api/payment/events/{order_id}", events.stream, methods=["GET"])]
