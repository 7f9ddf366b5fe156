"""GET /metrics: the service's counts and timings in Prometheus' text format.

Behind `Authorization: Bearer` with the admin token or, so a scraper need not hold the
operator's token, METRICS_TOKEN. The outbox backlog is read from the store at scrape time.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from entrypoints.container import Container
from entrypoints.web.auth import is_admin
from entrypoints.web.errors import HttpError


class MetricsEndpoint:
    def __init__(self, container: Container) -> None:
        self._container = container
        settings = container.settings()
        self._tokens = [settings.admin_token]
        if settings.metrics_token.get_secret_value():
            self._tokens.append(settings.metrics_token)

    async def scrape(self, request: Request) -> Response:
        if not any(is_admin(request, token) for token in self._tokens):
            raise HttpError(401, "Metrics need the admin token or METRICS_TOKEN")
        metrics = self._container.metrics()
        metrics.outbox_backlog(await self._container.reports().outbox_backlog())
        body, content_type = metrics.render()
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def metrics_routes(container: Container) -> list[BaseRoute]:
    endpoint = MetricsEndpoint(container)
    return [Route("/metrics", endpoint.scrape, methods=["GET"])]
