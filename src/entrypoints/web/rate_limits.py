"""Per-client limits at the HTTP edge: order creation and status checks by rate, event
streams by count.

Order creation costs a store write and a gateway call, so each client address may create
`RATE_LIMIT_CREATE_ORDER` orders (a moving window of the `limits` library). A status poll
or a verification of an open order asks the gateway, so one address may make
`RATE_LIMIT_STATUS` of them together: without it anyone could turn requests to us into
calls on the shop's Cashfree account, whose API is rate limited too. An open event
stream holds a connection and keeps its order watched, so each address may hold
`RATE_LIMIT_STREAMS_PER_CLIENT` streams at once and the process `MAX_OPEN_STREAMS`.
A refusal is `RateLimited`, which the web layer answers with 429 and `Retry-After`.

The counts live in this process's memory: with `--workers N` each worker counts on its
own, so a client may reach N times the limits.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.errors import error_response

# An EventSource refused a stream falls back to polling; this is when to try a stream again.
STREAM_RETRY_SECONDS = 10


class RateLimited(Exception):
    """The client went over a limit; `retry_after` whole seconds until it may try again."""

    def __init__(self, error: str, retry_after: int) -> None:
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy, uvicorn takes it from
    X-Forwarded-For when the proxy is in FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


async def handle_rate_limited(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    response = error_response(429, exc.error)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


class RequestRate:
    """At most `rate` ("30/minute") requests per client in any moving window; "" for none."""

    def __init__(self, rate: str, error: str, now: Callable[[], float] = time.time) -> None:
        self._item: RateLimitItem | None = parse(rate) if rate else None
        self._error = error
        self._now = now
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, client: str) -> None:
        """Count one request of `client`, or raise RateLimited when it is one too many."""
        if self._item is None or await self._limiter.hit(self._item, client):
            return
        stats = await self._limiter.get_window_stats(self._item, client)
        raise RateLimited(self._error, max(1, math.ceil(stats.reset_time - self._now())))


class StreamSlots:
    """Open event streams: at most `per_client` per client address, `total` in all."""

    def __init__(self, per_client: int, total: int) -> None:
        self._per_client = per_client
        self._total = total
        self._open: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return self._open.total()

    def acquire(self, client: str) -> Callable[[], None]:
        """A slot for one stream of `client` and how to give it back (once; repeats do
        nothing); RateLimited when none is free."""
        if self.open >= self._total:
            raise RateLimited("Too many open event streams; try again later", STREAM_RETRY_SECONDS)
        if self._open[client] >= self._per_client:
            raise RateLimited("Too many open event streams from this address", STREAM_RETRY_SECONDS)
        self._open[client] += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._open[client] -= 1
            if not self._open[client]:
                del self._open[client]

        return release
