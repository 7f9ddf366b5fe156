"""What a durable unit of work costs beside the memory store's, and where it goes (issue 10).

Three tables, in process on uvloop, each figure the process's wall, user and system time
(every thread) divided by the calls:

1. A thread hop: `asyncio.to_thread` against a store's `DiskThread`, for a call that does
   nothing and for a 200-byte append followed by `fdatasync` (the stores' sync).
2. Sequential units of work, each adding one new order (a create-order's first unit), by
   store: memory, JSON journal, SQLite.
3. The outbox relay's batch: one unit of work marking 50 messages delivered, by store
   (p50 and longest of the rounds): the time the SQLite writer is held meanwhile.

    .venv/bin/python bench/durable_units.py [--calls 2000] [--rounds 40] [--src PATH]

`--src PATH` imports the stores from another tree (PYTHONPATH=PATH/src), to compare with
the tree before a change (since the ninth round of issue 10, whose `mark_delivered` takes a
batch of ids).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
from seeded_server import add_order, paid_order, rerun_from_tree

from adapters.store.url import store_from_url
from domain.notifications import OutboxMessage, notifications_for

BATCH = 50


async def per_call(calls: int, call: Callable[[int], Awaitable[Any]]) -> str:
    """`| wall | user | system |` in µs per call."""
    before, started = os.times(), time.perf_counter()
    for number in range(calls):
        await call(number)
    wall, after = time.perf_counter() - started, os.times()
    scale = 1e6 / calls
    return (
        f"| {wall * scale:,.0f} | {(after.user - before.user) * scale:,.0f} "
        f"| {(after.system - before.system) * scale:,.0f} |"
    )


async def hops(calls: int, directory: Path) -> None:
    try:
        from adapters.store.disk_thread import DiskThread
    except ImportError:  # a tree from before it (--src)
        print("(this tree has no DiskThread: no thread hop table)")
        return
    print("| thread hop | call | wall µs | user µs | system µs |\n|---|---|---:|---:|---:|")
    fd = os.open(directory / "hops.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    disk = DiskThread("bench-disk")

    def sync() -> None:
        os.write(fd, b"x" * 200)
        os.fdatasync(fd)

    try:
        for name, call in (("nothing", lambda: None), ("append + fdatasync", sync)):
            row = await per_call(calls, lambda _, call=call: asyncio.to_thread(call))
            print(f"| asyncio.to_thread | {name} {row}", flush=True)
            row = await per_call(calls, lambda _, call=call: disk.submit(call))
            print(f"| DiskThread | {name} {row}", flush=True)
    finally:
        disk.close()
        os.close(fd)


def store_urls(directory: Path) -> dict[str, str]:
    return {
        "memory": "memory://",
        "JSON journal": f"json://{directory / 'credits.json'}",
        "SQLite": f"sqlite:///{directory / 'credits.db'}",
    }


async def units(calls: int, directory: Path) -> None:
    print("\n| store | unit of work | wall µs | user µs | system µs |\n|---|---|---:|---:|---:|")
    for name, url in store_urls(directory).items():
        store = store_from_url(url)
        await store.open()

        async def add(number: int, store: Any = store) -> None:
            await add_order(store, f"UNIT{number:08d}")

        try:
            await add(-1)  # the first opens files and connections
            print(f"| {name} | one new order {await per_call(calls, add)}", flush=True)
        finally:
            await store.close()


def messages(round_number: int) -> list[OutboxMessage]:
    found: list[OutboxMessage] = []
    number = 0
    while len(found) < BATCH:
        order = paid_order(f"RELAY{round_number:04d}{number:04d}", number, datetime.now(UTC))
        found += notifications_for(order.events, {order.order_id: order.customer_id})
        number += 1
    return found[:BATCH]


async def relay_batches(rounds: int, directory: Path) -> None:
    print(f"\n| store | {BATCH} marked delivered in one unit | p50 ms | longest ms |")
    print("|---|---|---:|---:|")
    for name, url in store_urls(directory).items():
        store = store_from_url(url)
        await store.open()
        took: list[float] = []
        try:
            for round_number in range(rounds):
                batch = messages(round_number)
                async with store.unit_of_work() as uow:
                    for message in batch:
                        await uow.outbox.add(message)
                    await uow.commit()
                started = time.perf_counter()
                async with store.unit_of_work() as uow:
                    ids = [message.message_id for message in batch]
                    await uow.outbox.mark_delivered(ids, datetime.now(UTC))
                    await uow.commit()
                took.append((time.perf_counter() - started) * 1000)
        finally:
            await store.close()
        print(f"| {name} | {rounds} rounds | {statistics.median(took):.2f} | {max(took):.2f} |")


async def main(args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    print(
        f"# durable units of work ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, load average {load:.2f})\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench_units_") as directory:
        await hops(args.calls, Path(directory))
        await units(args.calls, Path(directory))
        await relay_batches(args.rounds, Path(directory))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--src", type=Path, help="import the stores from this tree")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    if args.src is not None:
        rerun_from_tree(args.src)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(args))
