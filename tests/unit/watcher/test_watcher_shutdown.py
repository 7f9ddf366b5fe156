"""OrderWatcher.aclose: at shutdown the watcher stops the loops no stream is left to end."""

from __future__ import annotations

import asyncio

from .test_order_watcher import make_watcher, settle


async def test_aclose_stops_every_loop_and_a_confirmation_in_flight() -> None:
    watcher, confirm, sleep = make_watcher()
    async with watcher.watch("order_1"), watcher.watch("order_2"):
        await settle()
        assert watcher.is_polling("order_1") and watcher.is_polling("order_2")
        confirm.gate = asyncio.Event()
        await sleep.tick()
        assert confirm.total == 2, "both loops are inside their first confirmation"

        await watcher.aclose()

        assert not watcher.is_polling("order_1")
        assert not watcher.is_polling("order_2")
        await sleep.tick()
        assert confirm.total == 2
    assert watcher.watcher_count("order_1") == 0


async def test_aclose_with_nothing_watched_is_a_no_op() -> None:
    watcher, confirm, _ = make_watcher()
    await watcher.aclose()
    assert confirm.total == 0
