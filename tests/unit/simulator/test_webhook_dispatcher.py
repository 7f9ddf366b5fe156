"""Webhook delivery: one serialization, fresh signatures, retries, modes, the log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from cashfree_simulator import wire
from cashfree_simulator.webhooks import WebhookDispatcher

from .conftest import SECRET, FakeClock, Receiver

URL = "http://merchant.test/hook"


async def eventually(condition: Callable[[], bool]) -> None:
    """Let background retries run until `condition` holds (bounded by iterations, not time)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("condition never held")


async def send(dispatcher: WebhookDispatcher, n: int = 1) -> None:
    await dispatcher.dispatch(dispatcher.event(URL, "PAYMENT_SUCCESS_WEBHOOK", {"n": n}))


def numbers(receiver: Receiver) -> list[int]:
    return [json.loads(r.content)["data"]["n"] for r in receiver.requests]


async def test_the_log_holds_the_exact_body_and_headers(
    dispatcher: WebhookDispatcher, receiver: Receiver, clock: FakeClock
) -> None:
    await send(dispatcher)
    (entry,) = dispatcher.deliveries()
    assert entry["url"] == URL
    assert entry["status"] == 200
    assert entry["attempt"] == 1
    assert entry["body"].encode() == receiver.requests[0].content
    assert (
        entry["headers"]["x-webhook-signature"]
        == receiver.requests[0].headers["x-webhook-signature"]
    )
    headers = entry["headers"]
    assert headers["x-webhook-signature"] == wire.sign(
        SECRET, headers["x-webhook-timestamp"], entry["body"].encode()
    )


async def test_a_refused_delivery_is_retried_with_the_same_body_and_key(
    dispatcher: WebhookDispatcher, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses = [500, 503]
    await send(dispatcher)
    await eventually(lambda: len(dispatcher.deliveries()) == 3)

    log = dispatcher.deliveries()
    assert [e["status"] for e in log] == [500, 503, 200]
    assert [e["attempt"] for e in log] == [1, 2, 3]
    assert len({e["body"] for e in log}) == 1
    assert len({e["headers"]["x-idempotency-key"] for e in log}) == 1
    assert [r.headers["x-webhook-attempt"] for r in receiver.requests] == ["1", "2", "3"]


async def test_retries_stop_after_the_schedule(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 10
    await send(dispatcher)
    await eventually(lambda: len(dispatcher.deliveries()) == 4)
    await asyncio.sleep(0.05)
    assert len(dispatcher.deliveries()) == 4


async def test_connection_errors_are_logged_without_status_and_retried(clock: FakeClock) -> None:
    calls: list[int] = []

    def refuse_once(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse_once)) as client:
        dispatcher = WebhookDispatcher(SECRET, client, clock, time_scale=100_000)
        await send(dispatcher)
        await eventually(lambda: len(dispatcher.deliveries()) == 2)
        assert [e["status"] for e in dispatcher.deliveries()] == [None, 204]
        await dispatcher.aclose()


async def test_aclose_cancels_pending_retries(clock: FakeClock, receiver: Receiver) -> None:
    receiver.statuses = [500]
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle)) as client:
        dispatcher = WebhookDispatcher(SECRET, client, clock, retry_delays=(3600,))
        await send(dispatcher)
        await dispatcher.aclose()
    assert len(dispatcher.deliveries()) == 1


async def test_drop_mode_sends_and_logs_nothing(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    await dispatcher.set_mode("drop")
    await send(dispatcher)
    assert receiver.requests == []
    assert dispatcher.deliveries() == []


async def test_duplicate_mode_delivers_each_event_twice_with_one_key(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    await dispatcher.set_mode("duplicate")
    await send(dispatcher)
    keys = [r.headers["x-idempotency-key"] for r in receiver.requests]
    assert len(keys) == 2
    assert keys[0] == keys[1]


async def test_reorder_mode_swaps_pairs_and_flushes_on_mode_change(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    await dispatcher.set_mode("reorder")
    for n in (1, 2, 3):
        await send(dispatcher, n)
    assert numbers(receiver) == [2, 1]
    await dispatcher.set_mode("deliver")
    assert numbers(receiver) == [2, 1, 3]


async def test_delay_mode_delivers_later_in_the_background(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    await dispatcher.set_mode("delay", delay_seconds=0.01)
    await send(dispatcher)
    assert receiver.requests == []
    await eventually(lambda: len(receiver.requests) == 1)


async def test_replay_resends_the_same_body_freshly_signed_or_verbatim(
    dispatcher: WebhookDispatcher, receiver: Receiver, clock: FakeClock
) -> None:
    await send(dispatcher)
    clock.advance(minutes=10)
    fresh = await dispatcher.replay(0)
    verbatim = await dispatcher.replay(0, fresh_signature=False)

    original = dispatcher.deliveries()[0]
    assert fresh["body"] == verbatim["body"] == original["body"]
    assert fresh["headers"]["x-webhook-timestamp"] != original["headers"]["x-webhook-timestamp"]
    assert verbatim["headers"] == original["headers"]
    assert len(dispatcher.deliveries()) == 3
    with pytest.raises(IndexError):
        await dispatcher.replay(7)


async def test_unknown_mode_is_refused(dispatcher: WebhookDispatcher) -> None:
    with pytest.raises(ValueError, match="mode"):
        await dispatcher.set_mode("teleport")


async def test_reset_clears_the_log_and_mode(
    dispatcher: WebhookDispatcher, receiver: Receiver
) -> None:
    await send(dispatcher)
    await dispatcher.set_mode("drop")
    await dispatcher.reset()
    assert dispatcher.deliveries() == []
    assert dispatcher.mode == "deliver"


async def test_a_crashing_merchant_is_logged_not_raised(clock: FakeClock) -> None:
    def crash(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("merchant bug")

    async with httpx.AsyncClient(transport=httpx.MockTransport(crash)) as client:
        dispatcher = WebhookDispatcher(SECRET, client, clock, retry_delays=())
        await send(dispatcher)
        assert [e["status"] for e in dispatcher.deliveries()] == [None]
