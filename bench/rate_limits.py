"""What counting a request against a rate limit costs, by where it is counted.

Every create-order and status check counts one hit before anything else. Counted in this
process's memory it is a list operation; counted in Redis (RATE_LIMITS_URL, so that every
worker and instance shares the count) it is one round trip running limits' moving-window
script. This times `RequestRate.hit` in process on uvloop, for distinct clients under a
limit they never reach:

- one caller at a time: p50 and p99 of a hit, in µs;
- 16 callers at once: hits per second;
- a Redis that refuses connections: the first hit fails over to memory, the rest are
  counted in memory until SHARED_RETRY_SECONDS pass.

    .venv/bin/python bench/rate_limits.py [--hits 5000] [--redis redis://127.0.0.1:6379/0]

Keys go under a fresh namespace and expire with their window (one minute).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import secrets
import socket
import statistics
import time
from datetime import UTC, datetime

import structlog
import uvloop

from entrypoints.web.rate_limits import RateCounts, RequestRate

CALLERS = 16


def dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


async def measure(name: str, url: str, hits: int) -> None:
    counts = RateCounts(url, namespace=f"bench_{secrets.token_hex(4)}")
    rate = RequestRate(f"{hits * 2}/minute", error="never", counts=counts, name="create-order")
    try:
        for number in range(100):
            await rate.hit(f"warm-{number}")
        took = []
        for number in range(hits):
            started = time.perf_counter()
            await rate.hit(f"one-{number % 1000}")
            took.append(time.perf_counter() - started)
        cuts = statistics.quantiles(took, n=100)
        per_caller = hits // CALLERS

        async def caller(index: int) -> None:
            for number in range(per_caller):
                await rate.hit(f"many-{index}-{number % 100}")

        started = time.perf_counter()
        await asyncio.gather(*(caller(index) for index in range(CALLERS)))
        rate_per_second = per_caller * CALLERS / (time.perf_counter() - started)
    finally:
        await counts.aclose()
    print(
        f"| {name} | {cuts[49] * 1e6:,.0f} | {cuts[98] * 1e6:,.0f} | {rate_per_second:,.0f} |",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    # the refusing Redis's warning is expected; keep the table whole
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    print(
        f"# rate-limit hits ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f})\n"
    )
    print(f"| counted in | p50 µs, 1 caller | p99 µs | hits/s, {CALLERS} callers |")
    print("|---|---:|---:|---:|")
    await measure("this process's memory", "memory://", args.hits)
    await measure("Redis on loopback", args.redis, args.hits)
    await measure("a Redis that refuses (memory meanwhile)", dead_redis_url(), args.hits)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hits", type=int, default=5000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    return parser.parse_args()


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(parse_args()))
