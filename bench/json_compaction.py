"""How long the JSON store's payments wait while it compacts (issue 10).

A compaction writes the whole state as a new snapshot. This seeds a JSON store with a
history of paid orders (each with its grant and its delivered notifications, as
bench/http_webhooks.py seeds them), keeps the heap from the collector as the server's
lifespan does (the tree's own `entrypoints.heap.long_lived_heap`), then times rounds of
16 concurrent units of work (one new order each, a create-order's first unit): for 2 s on
their own, then while `store.compact()` runs beside them. It prints per history: the
compaction's wall time, the rounds it overlapped, their p50, p99 and longest round, and
the process's RSS before and after.

    .venv/bin/python bench/json_compaction.py [--history 10000,100000] [--src PATH]

`--src PATH` imports the store from another tree (PYTHONPATH=PATH/src), to compare with
the tree before a change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from seeded_server import add_order, rerun_from_tree, seed

from adapters.store.json_journal import JsonJournalStore
from entrypoints.heap import long_lived_heap

CONCURRENCY = 16
ALONE_SECONDS = 2.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_round(store: JsonJournalStore, first: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(add_order(store, f"NEW{first + i:08d}") for i in range(CONCURRENCY)))
    return time.perf_counter() - started


def summary(rounds: list[float]) -> tuple[float, float, float]:
    ordered = sorted(rounds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1e3, p99 * 1e3, ordered[-1] * 1e3


async def measure(history: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "credits.json"
        store = JsonJournalStore(path)
        await seed(store, f"json://{path}", "B", history, 0)
        with long_lived_heap():
            number = 0
            alone: list[float] = []
            deadline = time.perf_counter() + ALONE_SECONDS
            while time.perf_counter() < deadline:
                alone.append(await one_round(store, number))
                number += CONCURRENCY
            before = rss_mb()
            compaction = asyncio.create_task(store.compact())
            started = time.perf_counter()
            during: list[float] = []
            while not compaction.done():
                during.append(await one_round(store, number))
                number += CONCURRENCY
            await compaction
            seconds = time.perf_counter() - started
            after = rss_mb()
            await store.close()
    p50_alone, p99_alone, _ = summary(alone)
    p50, p99, longest = summary(during)
    return {
        "history": history,
        "seconds": seconds,
        "rounds": len(during),
        "p50_alone": p50_alone,
        "p99_alone": p99_alone,
        "p50": p50,
        "p99": p99,
        "longest": longest,
        "rss_before": before,
        "rss_after": after,
    }


async def main(histories: list[int]) -> None:
    source = Path(sys.modules[JsonJournalStore.__module__].__file__ or "").parents[3]
    print(f"# JSON store compaction bench: store from {source}")
    print(
        f"machine: {os.cpu_count()} cores ({platform.machine()}), CPython "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print()
    print(
        "| history | compaction s | rounds of 16 during it | p50 ms alone / during "
        "| p99 ms alone / during | longest round ms | RSS MB before / after |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for history in histories:
        row = await measure(history)
        print(
            f"| {row['history']:,} | {row['seconds']:.2f} | {row['rounds']:,} "
            f"| {row['p50_alone']:.2f} / {row['p50']:.2f} "
            f"| {row['p99_alone']:.2f} / {row['p99']:.2f} | {row['longest']:.1f} "
            f"| {row['rss_before']:.0f} / {row['rss_after']:.0f} |",
            flush=True,
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", default="10000,100000")
    parser.add_argument("--src", type=Path, help="import the store from this tree")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    if args.src is not None:
        rerun_from_tree(args.src)
    asyncio.run(main([int(h) for h in args.history.split(",")]))
