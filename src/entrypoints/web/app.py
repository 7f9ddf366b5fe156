"""The Starlette application: routes, error handlers, middleware and lifespan.

`create_app(container)` is all a server or a test needs; in fake mode the container's
Cashfree simulator is mounted at /_fake-cashfree so the whole payment loop runs offline.
The lifespan only starts and stops the container's resources: the container owns them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from entrypoints.container import Container, check_plans, start, stop
from entrypoints.heap import long_lived_heap
from entrypoints.settings import FAKE_MOUNT
from entrypoints.web.api import api_routes
from entrypoints.web.errors import EXCEPTION_HANDLERS
from entrypoints.web.events import event_routes
from entrypoints.web.middleware import RequestContextMiddleware
from entrypoints.web.pages import page_routes
from entrypoints.web.webhook import webhook_routes

log = structlog.get_logger(__name__)


class Health:
    """GET /health: what runs and for how long (uptime counts from the last start)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self.started_at: datetime = container.clock().now()

    async def check(self, request: Request) -> JSONResponse:
        settings = self._container.settings()
        uptime = (self._container.clock().now() - self.started_at).total_seconds()
        return JSONResponse(
            {
                "status": "healthy",
                "environment": settings.cashfree_environment,
                "store": self._container.store().description,
                "gateway": settings.payment_gateway,
                "uptime": round(uptime, 3),
            }
        )


def create_app(container: Container) -> Starlette:
    settings = container.settings()
    health = Health(container)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        check_plans(container)
        await start(container)
        health.started_at = container.clock().now()
        log.info(
            "service started",
            gateway=settings.payment_gateway,
            environment=settings.cashfree_environment,
            store=container.store().description,
        )
        try:
            with long_lived_heap():
                yield
        finally:
            await stop(container)

    # Starlette tries routes in order and no two paths overlap: the busiest come first.
    routes: list[BaseRoute] = [
        *webhook_routes(container),
        Route("/health", health.check, methods=["GET"]),
        *api_routes(container),
        *event_routes(container),
        *page_routes(settings),
    ]
    if settings.is_fake:
        routes.append(Mount(FAKE_MOUNT, app=container.simulator_app()))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestContextMiddleware, ids=container.ids())],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.container = container
    return app
