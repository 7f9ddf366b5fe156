"""How long a committed payment takes to reach an open event stream, on the instance that
committed it and on another one, over each shared event bus.

Not a test: prints a table. Run with `.venv/bin/python bench/cross_instance_events.py`
(PostgreSQL on 127.0.0.1:5432, database test, and Redis on 127.0.0.1:6379).

Two instances serve one shop (threads of this process, each its own app, container and
uvicorn server, as in tests/integration/multi_instance), against a standalone simulator.
For each order: created on B, an event stream opened on A or on B, a successful attempt
whose webhook the simulator delivers to B. The clock starts when B's unit of work hands
the committed `OrderPaid` to its bus (after commit) and stops when the stream's client
has read the `final` event. The watchers' interval is far beyond the run, so only the bus
can carry it. Everything shares one process and its GIL: a conservative figure.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from adapters.store.sql.store import SqlStore
from domain.events import Event, OrderPaid
from entrypoints.logs import configure_logging
from integration.brokers import REDIS_URL, private_channel
from integration.multi_instance.cluster import (
    StandaloneSimulator,
    create_order,
    instance,
    pay,
    standalone_simulator,
)
from integration.stores import POSTGRES_URL
from integration.web_checkout.live_server import LiveServer
from integration.web_checkout.sse import events

NEVER_SECONDS = 3600.0
STEP_TIMEOUT = 10.0


def stamp_paid(server: LiveServer, stamps: dict[str, float]) -> None:
    """Record when the server's unit of work publishes each OrderPaid (after commit)."""
    bus: Any = server.container.event_bus()
    publish = bus.publish

    async def stamped(batch: Sequence[Event]) -> None:
        now = time.perf_counter()
        for event in batch:
            if isinstance(event, OrderPaid):
                stamps[event.order_id] = now
        await publish(batch)

    bus.publish = stamped


async def one_payment(
    client: httpx.AsyncClient,
    simulator: StandaloneSimulator,
    creator: LiveServer,
    watcher: LiveServer,
    stamps: dict[str, float],
) -> float:
    order_id = await create_order(client, creator)
    url = f"{watcher.base_url}/api/payment/events/{order_id}"
    async with client.stream("GET", url) as response:
        stream = events(response)
        name, _ = await asyncio.wait_for(anext(stream), STEP_TIMEOUT)
        assert name == "status"
        for _ in range(500):
            if watcher.container.order_watcher().watcher_count(order_id):
                break
            await asyncio.sleep(0.005)
        payment = asyncio.create_task(pay(client, simulator, order_id))
        name, view = await asyncio.wait_for(anext(stream), STEP_TIMEOUT)
        arrived = time.perf_counter()
        await payment
    assert (name, view["status"]) == ("final", "SUCCESS"), (name, view)
    return (arrived - stamps[order_id]) * 1000


async def measure(
    simulator: StandaloneSimulator, a: LiveServer, b: LiveServer, orders: int
) -> tuple[list[float], list[float]]:
    stamps: dict[str, float] = {}
    stamp_paid(b, stamps)
    same: list[float] = []
    other: list[float] = []
    async with httpx.AsyncClient(timeout=STEP_TIMEOUT) as client:
        for _ in range(orders):
            same.append(await one_payment(client, simulator, b, b, stamps))
            other.append(await one_payment(client, simulator, b, a, stamps))
    return same, other


def postgres_pair(stack: ExitStack, simulator: StandaloneSimulator, root: Path) -> tuple[Any, Any]:
    schema = f"bench_{private_channel()}"

    async def create(statement: str) -> None:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(create(f'CREATE SCHEMA "{schema}"'))
    stack.callback(lambda: asyncio.run(create(f'DROP SCHEMA "{schema}" CASCADE')))
    channel = private_channel()
    servers = []
    for name in ("a", "b"):
        servers.append(
            stack.enter_context(
                instance(
                    root / name,
                    simulator,
                    store=SqlStore(POSTGRES_URL, schema=schema),
                    store_url=POSTGRES_URL,
                    events_channel=channel,
                    watch_interval_seconds=NEVER_SECONDS,
                )
            )
        )
    return servers[0], servers[1]


def redis_pair(stack: ExitStack, simulator: StandaloneSimulator, root: Path) -> tuple[Any, Any]:
    shared = {
        "store_url": f"sqlite:///{root / 'shop.db'}",
        "events_url": REDIS_URL,
        "events_channel": private_channel(),
        "watch_interval_seconds": NEVER_SECONDS,
    }
    a = stack.enter_context(instance(root, simulator, **shared))
    b = stack.enter_context(instance(root, simulator, **shared))
    return a, b


def row(bus: str, where: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"| {bus:<26} | {where:<14} | {statistics.median(values):7.1f} "
        f"| {p95:7.1f} | {max(values):7.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50, help="payments per row")
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    print(f"Committed payment -> event stream, ms ({args.orders} payments per row)")
    print("| bus                        | stream on      | p50 (ms) | p95 (ms) | max (ms) |")
    print("|----------------------------|----------------|--------:|--------:|--------:|")
    pairs = (("PostgreSQL LISTEN/NOTIFY", postgres_pair), ("Redis pub/sub (SQLite)", redis_pair))
    for label, make_pair in pairs:
        with tempfile.TemporaryDirectory() as root, ExitStack() as stack:
            simulator = stack.enter_context(standalone_simulator())
            a, b = make_pair(stack, simulator, Path(root))
            same, other = asyncio.run(measure(simulator, a, b, args.orders))
        print(row(label, "same instance", same))
        print(row(label, "other instance", other))


if __name__ == "__main__":
    main()
