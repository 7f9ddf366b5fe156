"""The adapter's HTTP behaviour on a scripted transport: headers, retries, 409 recovery."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.gateway.cashfree_mapping import encode
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayRateLimited,
    GatewayUnavailable,
)
from application.ports import GatewayOrderRequest, GatewayOrderStatus, IdGenerator
from domain.customer import Customer
from domain.money import Money

SECRET = "cfsk_ma_test_0123456789abcdef_SECRET"
BASE = "https://cashfree.test/pg"
Load = Callable[[str], Any]
Step = httpx.Response | Exception


class Script:
    """A transport that answers requests with the next scripted step, recording each one."""

    def __init__(self, steps: list[Step]) -> None:
        self._steps: Iterator[Step] = iter(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = next(self._steps)
        if isinstance(step, Exception):
            raise step
        return step


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, content=encode(body))


def fail(status: int, message: str = "m", **headers: str) -> httpx.Response:
    body = {"message": message, "code": "c", "type": "api_error"}
    return httpx.Response(status, json=body, headers=headers)


def gateway(
    script: Script, ids: IdGenerator, max_attempts: int = 4, *, lent: bool = False
) -> CashfreeHttpGateway:
    """The adapter on a client of its own over `script`, or on a client lent to it."""
    transport = httpx.MockTransport(script)
    http: dict[str, Any] = (
        {"client": httpx.AsyncClient(transport=transport)} if lent else {"transport": transport}
    )
    return CashfreeHttpGateway(
        "APP_TEST_1",
        SECRET,
        BASE,
        ids=ids,
        max_attempts=max_attempts,
        backoff_base=0.001,
        backoff_max=0.002,
        **http,
    )


def order_request(amount: str = "499.50") -> GatewayOrderRequest:
    return GatewayOrderRequest(
        order_id="ORDER_7QXW2M4K9B3ZL5NHT6RJPC8DYA",
        amount=Money.of(amount),
        customer=Customer.create("Asha Rao", "asha@example.com", "9876543210"),
        customer_id="CUST_4F7Q",
        return_url="https://shop.example.com/return",
        notify_url="https://shop.example.com/webhook",
    )


def timeout() -> httpx.ReadTimeout:
    return httpx.ReadTimeout("read timed out")


@pytest.mark.parametrize("lent", [False, True], ids=["own client", "lent client"])
async def test_create_order_sends_credentials_version_and_idempotency_key(
    cashfree_json: Load, ids: IdGenerator, lent: bool
) -> None:
    script = Script([ok(cashfree_json("order.json"))])
    order = await gateway(script, ids, lent=lent).create_order(order_request())

    assert order.payment_session_id.startswith("session_")
    (sent,) = script.requests
    assert sent.method == "POST"
    assert str(sent.url) == f"{BASE}/orders"
    assert sent.headers["x-client-id"] == "APP_TEST_1"
    assert sent.headers["x-client-secret"] == SECRET
    assert sent.headers["x-api-version"] == "2025-01-01"
    assert sent.headers["x-idempotency-key"] == "ORDER_7QXW2M4K9B3ZL5NHT6RJPC8DYA"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-request-id"].startswith("req_")
    body = json.loads(sent.content, parse_float=Decimal)
    assert body["order_amount"] == Decimal("499.50")


async def test_each_logical_call_has_its_own_request_id_kept_across_retries(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    order = cashfree_json("order.json")
    script = Script([fail(503), timeout(), ok(order), ok(order)])
    adapter = gateway(script, ids)

    await adapter.get_order("o1")
    await adapter.get_order("o1")

    first, retry, success, second = (r.headers["x-request-id"] for r in script.requests)
    assert first == retry == success
    assert second != first


async def test_reads_are_retried_then_give_up_as_unavailable(ids: IdGenerator) -> None:
    script = Script([fail(500), timeout(), httpx.ConnectError("refused"), fail(502)])
    with pytest.raises(GatewayUnavailable):
        await gateway(script, ids, max_attempts=4).list_payments("o1")
    assert len(script.requests) == 4


async def test_create_order_retried_after_5xx_returns_the_single_order(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    script = Script([fail(503), fail(500), ok(cashfree_json("order.json"))])
    order = await gateway(script, ids).create_order(order_request())

    assert order.gateway_order_id == "2149460581"
    assert {r.headers["x-idempotency-key"] for r in script.requests} == {order.order_id}
    assert len({r.content for r in script.requests}) == 1


async def test_conflict_after_a_lost_answer_returns_the_existing_order(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    conflict = fail(409, "order with same id is already present")
    script = Script([timeout(), conflict, ok(cashfree_json("order.json"))])
    with capture_logs() as logs:
        order = await gateway(script, ids).create_order(order_request())

    assert order.status is GatewayOrderStatus.ACTIVE
    assert [r.method for r in script.requests] == ["POST", "POST", "GET"]
    assert any(log["event"] == "cashfree.order_recovered" for log in logs)


async def test_conflict_after_a_lost_answer_with_another_amount_stays_a_conflict(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    script = Script([timeout(), fail(409), ok(cashfree_json("order.json"))])
    with pytest.raises(GatewayConflict):
        await gateway(script, ids).create_order(order_request(amount="10.00"))


async def test_conflict_on_the_first_try_is_not_papered_over(ids: IdGenerator) -> None:
    script = Script([fail(409, "order with same id is already present")])
    with pytest.raises(GatewayConflict, match="already present"):
        await gateway(script, ids).create_order(order_request())
    assert len(script.requests) == 1


async def test_conflict_after_a_refused_connection_is_not_papered_over(ids: IdGenerator) -> None:
    script = Script([httpx.ConnectError("refused"), fail(409)])
    with pytest.raises(GatewayConflict):
        await gateway(script, ids).create_order(order_request())
    assert [r.method for r in script.requests] == ["POST", "POST"]


async def test_refund_retried_after_lost_answer_resolves_its_409(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    refund = cashfree_json("refund.json")
    script = Script([fail(504), fail(409, "refund_id already exists"), ok(refund)])
    result = await gateway(script, ids).create_refund(
        refund["order_id"], "REFUND_3KD8", Money.of("100.25"), "partial"
    )

    assert result.gateway_refund_id == "1553338"
    post, retry, lookup = script.requests
    assert post.headers["x-idempotency-key"] == retry.headers["x-idempotency-key"] == "REFUND_3KD8"
    assert lookup.method == "GET"
    assert lookup.url.path.endswith("/refunds/REFUND_3KD8")


async def test_terminate_is_not_retried_once_the_request_may_have_landed(
    ids: IdGenerator,
) -> None:
    script = Script([timeout()])
    with pytest.raises(GatewayUnavailable):
        await gateway(script, ids).terminate_order("o1")
    assert len(script.requests) == 1


async def test_terminate_is_retried_when_the_connection_never_opened(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    terminated = cashfree_json("order.json") | {"order_status": "TERMINATED"}
    script = Script([httpx.ConnectError("refused"), ok(terminated)])
    order = await gateway(script, ids).terminate_order("o1")

    assert order.status is GatewayOrderStatus.TERMINATED
    assert json.loads(script.requests[-1].content) == {"order_status": "TERMINATED"}
    assert "x-idempotency-key" not in script.requests[-1].headers


async def test_rate_limit_is_reported_with_its_wait_and_not_retried(ids: IdGenerator) -> None:
    script = Script([fail(429, "Too many requests", **{"x-ratelimit-retry": "4"})])
    with pytest.raises(GatewayRateLimited) as caught:
        await gateway(script, ids).get_order("o1")
    assert caught.value.retry_after == 4.0
    assert len(script.requests) == 1


async def test_order_id_cannot_escape_its_path_segment(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    script = Script([ok(cashfree_json("order.json"))])
    await gateway(script, ids).get_order("../refunds?x=1")
    assert script.requests[0].url.raw_path == b"/pg/orders/..%2Frefunds%3Fx%3D1"


async def test_refused_credentials_log_the_app_id_and_never_the_secret(ids: IdGenerator) -> None:
    script = Script([fail(401, "authentication Failed")])
    with capture_logs() as logs, pytest.raises(GatewayAuthError) as caught:
        await gateway(script, ids).get_order("o1")

    refused = [log for log in logs if log["event"] == "cashfree.credentials_refused"]
    assert refused and refused[0]["app_id"] == "APP_TEST_1"
    assert SECRET not in repr(logs)
    assert SECRET not in str(caught.value)
    assert SECRET not in caught.value.public_message


async def test_retries_are_logged_with_the_request_id_and_without_headers(
    cashfree_json: Load, ids: IdGenerator
) -> None:
    script = Script([fail(503), ok(cashfree_json("order.json"))])
    with capture_logs() as logs:
        await gateway(script, ids).get_order("o1")

    request_id = script.requests[0].headers["x-request-id"]
    assert [log["event"] for log in logs] == [
        "cashfree.response",
        "cashfree.retrying",
        "cashfree.response",
    ]
    assert all(log["request_id"] == request_id for log in logs)
    assert SECRET not in repr(logs)
    assert "x-client-secret" not in repr(logs)


async def test_aclose_closes_only_a_client_the_adapter_owns(ids: IdGenerator) -> None:
    lent = httpx.AsyncClient(transport=httpx.MockTransport(Script([])))
    await CashfreeHttpGateway("A", SECRET, BASE, ids=ids, client=lent).aclose()
    assert not lent.is_closed

    owned = CashfreeHttpGateway("A", SECRET, BASE, ids=ids)
    await owned.aclose()
    assert owned._client.is_closed
    await lent.aclose()


async def test_a_cookie_cashfree_sets_is_not_sent_back(
    ids: IdGenerator, cashfree_json: Load
) -> None:
    order = cashfree_json("order.json")
    sticky = httpx.Response(200, content=encode(order), headers={"set-cookie": "AWSALB=x1; Path=/"})
    script = Script([sticky, ok(order)])
    adapter = gateway(script, ids)

    await adapter.get_order(order["order_id"])
    await adapter.get_order(order["order_id"])

    assert [request.headers.get("cookie") for request in script.requests] == [None, None]
    with pytest.raises(TypeError):
        adapter._client.cookies = {"AWSALB": "x1"}
    await adapter.aclose()


def test_a_lent_client_and_a_transport_are_refused_together(ids: IdGenerator) -> None:
    lent = httpx.AsyncClient()
    with pytest.raises(ValueError, match="lent client"):
        CashfreeHttpGateway(
            "A", SECRET, BASE, ids=ids, client=lent, transport=httpx.MockTransport(Script([]))
        )


def test_repr_shows_no_secret(ids: IdGenerator) -> None:
    adapter = CashfreeHttpGateway("A", SECRET, BASE, ids=ids)
    assert SECRET not in repr(adapter)
    assert "A" in repr(adapter)
