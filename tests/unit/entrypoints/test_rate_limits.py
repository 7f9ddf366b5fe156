"""The limits at the HTTP edge: a moving window per client, and stream slots by count."""

from __future__ import annotations

import asyncio

import pytest

from entrypoints.web.rate_limits import RateLimited, RequestRate, StreamSlots


async def test_a_client_gets_its_rate_then_a_refusal_with_retry_after() -> None:
    rate = RequestRate("3/minute", error="slow down")
    for _ in range(3):
        await rate.hit("203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        await rate.hit("203.0.113.7")
    assert refused.value.error == "slow down"
    assert 1 <= refused.value.retry_after <= 60
    await rate.hit("203.0.113.8")  # another address has its own window


async def test_an_empty_rate_is_no_limit() -> None:
    rate = RequestRate("", error="never")
    for _ in range(1000):
        await rate.hit("203.0.113.7")


async def test_the_window_moves_on() -> None:
    rate = RequestRate("2/second", error="slow down")
    await rate.hit("a")
    await rate.hit("a")
    with pytest.raises(RateLimited) as refused:
        await rate.hit("a")
    assert refused.value.retry_after == 1
    await asyncio.sleep(1.05)
    await rate.hit("a")


def test_stream_slots_per_client_and_in_total() -> None:
    slots = StreamSlots(per_client=2, total=3)
    release_first = slots.acquire("a")
    slots.acquire("a")
    with pytest.raises(RateLimited, match="from this address") as per_client:
        slots.acquire("a")
    assert per_client.value.retry_after > 0
    slots.acquire("b")
    with pytest.raises(RateLimited, match="Too many open event streams; try again"):
        slots.acquire("c")
    assert slots.open == 3
    release_first()
    release_first()  # releasing twice gives one slot back, not two
    assert slots.open == 2
    slots.acquire("c")
    with pytest.raises(RateLimited):
        slots.acquire("d")
