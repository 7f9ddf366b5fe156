"""The limits at the HTTP edge: a moving window per client, counted in this process or in
Redis (falling back to this process while Redis fails), and stream slots by count."""

from __future__ import annotations

import asyncio
import socket

import pytest
from limits import RateLimitItem
from limits.errors import StorageError
from structlog.testing import capture_logs

from entrypoints.web import rate_limits
from entrypoints.web.rate_limits import RateCounts, RateLimited, RequestRate, StreamSlots


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


async def test_limits_counted_together_keep_their_windows_apart() -> None:
    counts = RateCounts()
    orders = RequestRate("2/minute", error="orders", counts=counts, name="create-order")
    polls = RequestRate("2/minute", error="polls", counts=counts, name="status")
    for _ in range(2):
        await orders.hit("a")
        await polls.hit("a")
    with pytest.raises(RateLimited, match="orders"):
        await orders.hit("a")
    with pytest.raises(RateLimited, match="polls"):
        await polls.hit("a")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class FlakyLimiter:
    """Stands in for the Redis windows: fails while `down`, else admits all and counts."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        self.calls += 1
        if self.down:
            raise StorageError(ConnectionError("refused"))
        return True


async def test_while_redis_fails_this_process_counts_and_asks_again_later() -> None:
    clock = Clock()
    counts = RateCounts(now=clock)
    flaky = FlakyLimiter()
    counts._shared = flaky  # type: ignore[assignment]
    rate = RequestRate("2/minute", error="slow down", counts=counts, now=clock)
    with capture_logs() as logs:
        await rate.hit("a")
        await rate.hit("a")
        with pytest.raises(RateLimited):
            await rate.hit("a")  # the process's own window holds the limit
        assert flaky.calls == 1  # one failed call, then not asked again for a while
        clock.now += rate_limits.SHARED_RETRY_SECONDS
        await rate.hit("b")
        assert flaky.calls == 2  # asked again, failed again: still one warning
        flaky.down = False
        clock.now += rate_limits.SHARED_RETRY_SECONDS
        for _ in range(5):
            await rate.hit("a")  # Redis answers again and admits (this stand-in admits all)
        assert flaky.calls == 7
    assert [(log["event"], log["log_level"]) for log in logs] == [
        ("rate_limits_counted_per_process", "warning"),
        ("rate_limits_shared_again", "info"),
    ]
    assert logs[0]["reason"] == "ConnectionError"


async def test_an_unreachable_redis_is_counted_here_and_never_named_in_the_log() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    counts = RateCounts(f"redis://:hunter2@127.0.0.1:{dead_port}/0", namespace="shop")
    assert counts.shared
    rate = RequestRate("1/minute", error="slow down", counts=counts)
    try:
        with capture_logs() as logs:
            await rate.hit("a")
            with pytest.raises(RateLimited):
                await rate.hit("a")
    finally:
        await counts.aclose()
    assert [log["event"] for log in logs] == ["rate_limits_counted_per_process"]
    assert "hunter2" not in repr(logs)


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


def test_stream_slots_report_how_many_are_open_after_each_change() -> None:
    heard: list[int] = []
    slots = StreamSlots(per_client=2, total=3, on_change=heard.append)
    release_a = slots.acquire("a")
    release_b = slots.acquire("b")
    release_a()
    release_a()  # a repeated release changes nothing and says nothing
    release_b()
    assert heard == [1, 2, 1, 0]
