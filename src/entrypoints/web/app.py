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
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from entrypoints.container import Container, check_configuration, start, stop
from entrypoints.heap import long_lived_heap
from entrypoints.settings import FAKE_MOUNT
from entrypoints.web.api import api_routes
from entrypoints.web.errors import EXCEPTION_HANDLERS
from entrypoints.web.events import event_routes
from entrypoints.web.metrics import metrics_routes
from entrypoints.web.middleware import RequestContextMiddleware
from entrypoints.web.openapi import openapi_document
from entrypoints.web.pages import page_routes
from entrypoints.web.rate_limits import RateLimited, handle_rate_limited
from entrypoints.web.security_headers import SecurityHeadersMiddleware, security_headers
from entrypoints.web.webhook import webhook_routes

log = structlog.get_logger(__name__)


class Health:
    """GET /health: what runs and for how long (uptime counts from the last start); the
    store by its kind only, never its URL; whether this instance is the leader (runs the
    background work) now. /health/live: the process answers. /health/ready: it can take
    payments (store reachable, gateway configured), else 503."""

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
                "store": self._container.store().kind,
                "gateway": settings.payment_gateway,
                "uptime": round(uptime, 3),
                "leader": self._container.leader().leading,
            }
        )

    async def live(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive"})

    async def ready(self, request: Request) -> JSONResponse:
        readiness = await self._container.check_readiness().execute()
        return JSONResponse(
            {
                "status": "ready" if readiness.ready else "not ready",
                "store": "ok" if readiness.store else "unreachable",
                "gateway": "ok" if readiness.gateway else "not configured",
            },
            status_code=200 if readiness.ready else 503,
            headers={"Cache-Control": "no-store"},
        )


def create_app(container: Container) -> Starlette:
    settings = container.settings()
    health = Health(container)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        check_configuration(container)
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

    description = bytes(JSONResponse(openapi_document()).body)

    async def openapi(request: Request) -> Response:
        return Response(description, media_type=JSONResponse.media_type)

    # Starlette tries routes in order and no two paths overlap: the busiest come first.
    routes: list[BaseRoute] = [
        *webhook_routes(container),
        Route("/health", health.check, methods=["GET"]),
        Route("/health/live", health.live, methods=["GET"]),
        Route("/health/ready", health.ready, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *api_routes(container),
        *event_routes(container),
        *page_routes(settings),
        *metrics_routes(container),
    ]
    if settings.is_fake:
        routes.append(Mount(FAKE_MOUNT, app=container.simulator_app()))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestContextMiddleware, ids=container.ids()),
            Middleware(SecurityHeadersMiddleware, headers=security_headers(settings)),
        ],
        exception_handlers={**EXCEPTION_HANDLERS, RateLimited: handle_rate_limited},
        lifespan=lifespan,
    )
    app.state.container = container
    return app
