"""The Starlette application: routes, error handlers, middleware and lifespan.

`create_app(container)` is all a server or a test needs; in fake mode the Cashfree
simulator is mounted at /_fake-cashfree so the whole payment loop runs offline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from adapters.gateway.fake.checkout_pages import checkout_routes
from adapters.gateway.fake.http_app import build_simulator_app
from entrypoints.container import Container
from entrypoints.settings import FAKE_MOUNT
from entrypoints.web.api import api_routes
from entrypoints.web.errors import EXCEPTION_HANDLERS
from entrypoints.web.events import event_routes
from entrypoints.web.middleware import RequestContextMiddleware
from entrypoints.web.pages import page_routes
from entrypoints.web.webhook import webhook_routes

log = structlog.get_logger(__name__)


async def health(request: Request) -> JSONResponse:
    container = request.app.state.container
    settings = container.settings()
    uptime = (container.clock().now() - request.app.state.started_at).total_seconds()
    return JSONResponse(
        {
            "status": "healthy",
            "environment": settings.cashfree_environment,
            "store": container.store().description,
            "gateway": settings.payment_gateway,
            "uptime": round(uptime, 3),
        }
    )


def create_app(container: Container) -> Starlette:
    settings = container.settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.started_at = container.clock().now()
        await container.store().open()
        log.info(
            "service started",
            gateway=settings.payment_gateway,
            environment=settings.cashfree_environment,
            store=container.store().description,
        )
        try:
            yield
        finally:
            await container.gateway().aclose()
            if settings.is_fake:
                await container.webhook_dispatcher().aclose()
                await container.webhook_http_client().aclose()
            await container.store().close()

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        *api_routes(),
        *event_routes(),
        *webhook_routes(),
        *page_routes(),
    ]
    if settings.is_fake:
        simulator = container.simulator()
        routes.append(
            Mount(
                FAKE_MOUNT,
                app=build_simulator_app(simulator, extra_routes=checkout_routes(simulator)),
            )
        )
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestContextMiddleware, ids=container.ids())],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.started_at = container.clock().now()
    return app
