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

The rates are counted where RATE_LIMITS_URL says (`RateCounts`): in this process's memory,
or in a Redis that every worker and instance shares, so that N of them still hold a client
to the limits once and not N times. Stream slots count connections this process holds, so
they stay its own.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

import redis.asyncio as redis
import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.errors import error_response

log = structlog.get_logger(__name__)

# An EventSource refused a stream falls back to polling; this is when to try a stream again.
STREAM_RETRY_SECONDS = 10
# A request waits at most this long on the shared counts before it is counted here.
SHARED_TIMEOUT_SECONDS = 0.5
# Connections one process keeps to the shared counts; a request finding none free within
# SHARED_TIMEOUT_SECONDS is counted here.
SHARED_CONNECTIONS = 32
# Once the shared counts failed, this process counts alone this long before it asks again,
# so a Redis that is down costs one failed call per interval, not one per request.
SHARED_RETRY_SECONDS = 5.0


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


class RateCounts:
    """The moving windows of every limit: in this process's memory (`memory://`) or in the
    Redis at `url`, under keys that begin with `namespace` (deployments sharing one Redis
    keep apart as their event channels do).

    When Redis fails or is slower than SHARED_TIMEOUT_SECONDS (or all SHARED_CONNECTIONS
    stay busy that long), the request is counted in this process's memory instead, and so
    are the next SHARED_RETRY_SECONDS of requests: the limits then hold per process, as
    without Redis, and checkout goes on. The log says when that starts and when the shared
    counts are back.
    """

    def __init__(
        self,
        url: str = "memory://",
        namespace: str = "checkout",
        now: Callable[[], float] = time.time,
    ) -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._now = now
        self._pool: redis.ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        # 0 while the shared counts answer; else until when this process counts alone
        self._local_until = 0.0
        if not url.lower().startswith("memory:"):
            self._pool = redis.BlockingConnectionPool.from_url(
                url,
                max_connections=SHARED_CONNECTIONS,
                timeout=SHARED_TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),
                socket_connect_timeout=SHARED_TIMEOUT_SECONDS,
                socket_timeout=SHARED_TIMEOUT_SECONDS,
            )
            storage = RedisStorage(
                f"async+{url}",
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=f"{namespace}:limits",
                # documented by limits, though its annotation admits only scalars
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self._shared = MovingWindowRateLimiter(storage)

    @property
    def shared(self) -> bool:
        """Whether the counts are kept in Redis (even while it is failing)."""
        return self._shared is not None

    async def hit(self, item: RateLimitItem, *identifiers: str) -> float | None:
        """Count one request; None when it is within `item`, else when its window has room
        again (a `now` timestamp)."""
        if self._shared is not None and self._now() >= self._local_until:
            try:
                reset = await self._hit(self._shared, item, identifiers)
            except StorageError as exc:
                if not self._local_until:
                    log.warning(
                        "rate_limits_counted_per_process",
                        reason=type(exc.storage_error).__name__,
                        retry_seconds=SHARED_RETRY_SECONDS,
                    )
                self._local_until = self._now() + SHARED_RETRY_SECONDS
            else:
                if self._local_until:
                    self._local_until = 0.0
                    log.info("rate_limits_shared_again")
                return reset
        return await self._hit(self._local, item, identifiers)

    @staticmethod
    async def _hit(
        limiter: MovingWindowRateLimiter, item: RateLimitItem, identifiers: tuple[str, ...]
    ) -> float | None:
        if await limiter.hit(item, *identifiers):
            return None
        return (await limiter.get_window_stats(item, *identifiers)).reset_time

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


class RequestRate:
    """At most `rate` ("30/minute") requests per client in any moving window; "" for none.
    `name` keeps this limit's windows apart from the others' in the same `counts`."""

    def __init__(
        self,
        rate: str,
        error: str,
        counts: RateCounts | None = None,
        name: str = "requests",
        now: Callable[[], float] = time.time,
    ) -> None:
        self._item: RateLimitItem | None = parse(rate) if rate else None
        self._error = error
        self._counts = counts or RateCounts(now=now)
        self._name = name
        self._now = now

    async def hit(self, client: str) -> None:
        """Count one request of `client`, or raise RateLimited when it is one too many."""
        if self._item is None:
            return
        reset = await self._counts.hit(self._item, self._name, client)
        if reset is not None:
            raise RateLimited(self._error, max(1, math.ceil(reset - self._now())))


class StreamSlots:
    """Open event streams: at most `per_client` per client address, `total` in all.
    `on_change` hears the number open after each change (the metrics' gauge)."""

    def __init__(
        self, per_client: int, total: int, on_change: Callable[[int], None] = lambda _: None
    ) -> None:
        self._per_client = per_client
        self._total = total
        self._on_change = on_change
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
        self._on_change(self.open)
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._open[client] -= 1
            if not self._open[client]:
                del self._open[client]
            self._on_change(self.open)

        return release
