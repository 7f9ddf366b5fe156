"""The real Cashfree Payment Gateway adapter: the PG REST API over one pooled HTTP client.

Retry policy (exponential backoff with jitter, at most `max_attempts` tries per call):
- reads (GET) are retried on connection errors, timeouts and 5xx answers;
- order and refund creation (POST) are retried on the same faults because each carries a
  stable `x-idempotency-key` (our order id, our refund id): Cashfree answers a repeat with
  the first result, so a retry can never open a second gateway order or refund. When a
  retry whose earlier try may have reached Cashfree still meets a 409 (the order or refund
  exists), the adapter fetches it and returns it if its amount matches;
- termination (PATCH) is retried only when the request provably never left this process
  (connect errors, connect and pool timeouts). Terminating twice is refused by Cashfree,
  so a blind retry after a lost answer could turn a success into an error; the caller
  reconciles with `get_order` instead.

A call that outlives its retries fails with `GatewayTimeout` when its last try timed out
(or Cashfree answered 504), else `GatewayUnavailable`. The overall deadline of one call,
retries included, is not kept here but by `DeadlineGateway` around any gateway.

Every logical call gets a fresh `x-request-id`, kept across its retries and bound to each
log line. Neither the client secret nor the request headers are ever logged.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final
from urllib.parse import quote

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from adapters.clock import SystemClock
from adapters.gateway.cashfree_errors import error_for, error_message
from adapters.gateway.cashfree_mapping import (
    decode,
    encode,
    gateway_order,
    gateway_refund,
    gateway_refunds,
    order_request,
    payment_attempts,
    refund_request,
    terminate_request,
)
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayTimeout,
    GatewayUnavailable,
)
from application.ports import (
    Clock,
    GatewayOrder,
    GatewayOrderRequest,
    GatewayRefund,
    IdGenerator,
)
from domain.money import Money
from domain.order import PaymentAttempt

DEFAULT_API_VERSION: Final = "2025-01-01"

_log = structlog.get_logger(__name__)

# Failures that happen before a single byte of the request reaches Cashfree.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class _Retry(Enum):
    """Which failures a call may be repeated after."""

    TRANSIENT = "transient"
    UNSENT = "unsent"

    def covers(self, exc: BaseException) -> bool:
        if self is _Retry.UNSENT:
            return isinstance(exc, _UNSENT)
        return isinstance(exc, (*_TRANSIENT, _ServerError))


class _ServerError(Exception):
    """A 5xx answer, raised inside the retry loop so tenacity sees it as a failure."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@dataclass(frozen=True)
class _Exchange:
    """The final answer of a call, and whether an earlier try may have reached Cashfree."""

    response: httpx.Response
    earlier_try_may_have_landed: bool

    @property
    def ok(self) -> bool:
        return self.response.is_success


class _NoCookies(httpx.Cookies):
    """A jar that takes nothing from an answer, without looking at it."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    """httpx's client that keeps no cookies, for Cashfree's header-authenticated API.

    httpx wraps every answer and its request in `urllib` objects to look for `Set-Cookie`
    and has no option to skip it: about 60 µs of CPU a call on a 2-core machine, a fifth
    of the adapter's own. Cashfree authenticates each call by its headers, so a cookie it
    might set (a load balancer's) is of no use to the next call.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("this client keeps no cookies")


class CashfreeHttpGateway:
    """`PaymentGateway` over Cashfree's PG API; `base_url` already ends in `/pg`.

    The adapter owns a `CookielessClient` over `transport` (httpx's default when None),
    unless a `client` is lent, which it then neither configures nor closes."""

    name = "cashfree"

    def __init__(
        self,
        app_id: str,
        secret: str,
        base_url: str,
        *,
        ids: IdGenerator,
        api_version: str = DEFAULT_API_VERSION,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if client is not None and transport is not None:
            raise ValueError("a lent client brings its own transport")
        self._app_id = app_id
        self._base_url = base_url.rstrip("/")
        self._ids = ids
        self._clock: Clock = clock or SystemClock()
        self._max_attempts = max_attempts
        self._wait = wait_exponential_jitter(
            multiplier=backoff_base, max=backoff_max, jitter=backoff_base
        )
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        every_call = {
            "x-client-id": app_id,
            "x-client-secret": secret,
            "x-api-version": api_version,
            "content-type": "application/json",
            "accept": "application/json",
        }
        self._owns_client = client is None
        # A client of our own carries the headers every call sends, so httpx merges only a
        # call's own two into them; a lent client gets them with each call.
        self._every_call_headers = {} if client is None else every_call
        self._client = client or CookielessClient(
            transport=transport,
            headers=every_call,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    def __repr__(self) -> str:
        return f"CashfreeHttpGateway(app_id={self._app_id!r}, base_url={self._base_url!r})"

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        exchange = await self._call(
            "POST",
            "/orders",
            body=order_request(request),
            idempotency_key=request.order_id,
        )
        if exchange.response.status_code == 409 and exchange.earlier_try_may_have_landed:
            return await self._existing_order(request)
        return gateway_order(self._payload(exchange))

    async def get_order(self, order_id: str) -> GatewayOrder:
        exchange = await self._call("GET", f"/orders/{_segment(order_id)}")
        return gateway_order(self._payload(exchange))

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        exchange = await self._call("GET", f"/orders/{_segment(order_id)}/payments")
        return payment_attempts(self._payload(exchange), self._clock.now())

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        exchange = await self._call(
            "PATCH", f"/orders/{_segment(order_id)}", body=terminate_request(), retry=_Retry.UNSENT
        )
        return gateway_order(self._payload(exchange))

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        exchange = await self._call(
            "POST",
            f"/orders/{_segment(order_id)}/refunds",
            body=refund_request(refund_id, amount, note),
            idempotency_key=refund_id,
        )
        if exchange.response.status_code == 409 and exchange.earlier_try_may_have_landed:
            return await self._existing_refund(order_id, refund_id, amount)
        return gateway_refund(self._payload(exchange))

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        exchange = await self._call("GET", f"/orders/{_segment(order_id)}/refunds")
        return gateway_refunds(self._payload(exchange))

    async def aclose(self) -> None:
        """Close the connection pool, unless the client was lent to us."""
        if self._owns_client:
            await self._client.aclose()

    async def _existing_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        """Resolve a 409 after a lost answer: the order is ours if the amount matches."""
        existing = await self.get_order(request.order_id)
        if existing.amount != request.amount:
            _log.warning(
                "cashfree.order_conflict",
                order_id=request.order_id,
                expected=str(request.amount),
                found=str(existing.amount),
            )
            raise GatewayConflict(f"order {request.order_id} exists with another amount")
        _log.info("cashfree.order_recovered", order_id=request.order_id)
        return existing

    async def _existing_refund(self, order_id: str, refund_id: str, amount: Money) -> GatewayRefund:
        exchange = await self._call(
            "GET", f"/orders/{_segment(order_id)}/refunds/{_segment(refund_id)}"
        )
        existing = gateway_refund(self._payload(exchange))
        if existing.amount != amount:
            raise GatewayConflict(f"refund {refund_id} exists with another amount")
        _log.info("cashfree.refund_recovered", order_id=order_id, refund_id=refund_id)
        return existing

    def _payload(self, exchange: _Exchange) -> Any:
        """The decoded body of a 2xx answer; the mapped application error otherwise."""
        if exchange.ok:
            return decode(exchange.response.content)
        error = error_for(exchange.response, self._app_id)
        if isinstance(error, GatewayAuthError):
            _log.error(
                "cashfree.credentials_refused",
                app_id=self._app_id,
                credential="x-client-id/x-client-secret",
                status=exchange.response.status_code,
                request_id=exchange.response.request.headers.get("x-request-id"),
            )
        raise error

    def _headers(self, request_id: str, idempotency_key: str | None) -> dict[str, str]:
        headers = {**self._every_call_headers, "x-request-id": request_id}
        if idempotency_key is not None:
            headers["x-idempotency-key"] = idempotency_key
        return headers

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        retry: _Retry = _Retry.TRANSIENT,
    ) -> _Exchange:
        """One logical call: its tries share one request id; a 5xx or transport failure
        that outlives the retries becomes `GatewayUnavailable` (`GatewayTimeout` when the
        last try timed out or was answered 504)."""
        request_id = self._ids.new_id("req")
        log = _log.bind(request_id=request_id, method=method, path=path)
        headers = self._headers(request_id, idempotency_key)
        content = encode(body) if body is not None else None
        url = _url(self._base_url + path)
        may_have_landed = False

        def before_sleep(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning("cashfree.retrying", attempt=state.attempt_number, wait=round(wait, 3))

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(retry.covers),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    landed_before = may_have_landed
                    try:
                        response = await self._client.request(
                            method, url, content=content, headers=headers, timeout=self._timeout
                        )
                    except httpx.TransportError as exc:
                        may_have_landed = may_have_landed or not isinstance(exc, _UNSENT)
                        log.warning(
                            "cashfree.transport_error", attempt=number, error=type(exc).__name__
                        )
                        raise
                    log.info("cashfree.response", attempt=number, status=response.status_code)
                    if response.status_code >= 500:
                        may_have_landed = True
                        raise _ServerError(response)
                    return _Exchange(response, landed_before)
        except _ServerError as exc:
            status = exc.response.status_code
            log.error("cashfree.unavailable", status=status)
            failure = GatewayTimeout if status == 504 else GatewayUnavailable
            raise failure(
                f"Cashfree answered HTTP {status}: {error_message(exc.response)}"
            ) from None
        except httpx.TimeoutException as exc:
            reason = type(exc).__name__
            log.error("cashfree.timed_out", error=reason)
            raise GatewayTimeout(f"Cashfree did not answer in time ({reason})") from None
        except httpx.TransportError as exc:
            reason = type(exc).__name__
            log.error("cashfree.unreachable", error=reason)
            raise GatewayUnavailable(f"Cashfree could not be reached ({reason})") from None
        raise AssertionError("the retry loop either returns or raises")


@functools.lru_cache(maxsize=256)
def _url(text: str) -> httpx.URL:
    """The parsed URL, kept: httpx would parse the same text again for every call (about
    40 µs of a create_order's CPU), and the orders endpoint is the same for every order."""
    return httpx.URL(text)


def _segment(value: str) -> str:
    """One URL path segment, percent-encoded so an id can never change the path."""
    return quote(value, safe="")
