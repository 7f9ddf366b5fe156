"""The store's disk thread: answers in order, hands failures back, and a cancelled wait
still lets the call finish before it gives up."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from adapters.store.disk_thread import DiskThread, finish


async def test_calls_run_in_order_on_one_named_thread() -> None:
    disk = DiskThread("test-disk")
    seen: list[tuple[int, str]] = []

    def record(n: int) -> int:
        seen.append((n, threading.current_thread().name))
        return n * 10

    futures = [disk.submit(record, n) for n in range(5)]
    results = await asyncio.gather(*futures)

    assert results == [0, 10, 20, 30, 40]
    assert seen == [(n, "test-disk") for n in range(5)]
    disk.close()


async def test_a_failure_reaches_the_caller_and_the_thread_goes_on() -> None:
    disk = DiskThread("test-disk")

    def refuse() -> None:
        raise OSError("disk I/O error")

    with pytest.raises(OSError, match="disk I/O error"):
        await disk.submit(refuse)
    assert await disk.submit(len, b"abc") == 3
    disk.close()


async def test_a_cancelled_wait_lets_the_call_finish_first() -> None:
    disk = DiskThread("test-disk")
    done = threading.Event()

    def slow() -> None:
        time.sleep(0.1)
        done.set()

    waiter = asyncio.create_task(finish(disk.submit(slow)))
    await asyncio.sleep(0.01)
    waiter.cancel()

    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert done.is_set()
    disk.close()


async def test_a_closed_disk_thread_starts_again_when_used() -> None:
    disk = DiskThread("test-disk")
    assert await disk.submit(len, b"a") == 1
    disk.close()

    assert await disk.submit(len, b"ab") == 2
    disk.close()
