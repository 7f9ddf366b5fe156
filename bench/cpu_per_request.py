"""CPU time per durable webhook and per create-order, in process, by store (issue 10).

Wall-clock rates on a shared machine move with everybody else's load; the CPU a request
costs does much less. This drives our app as `checkout serve` builds it (`app_from_settings`:
the container, the Starlette app and its middleware, the app's lifespan with its background
loops) straight through ASGI, with no socket and no HTTP parser, on uvloop, and divides
the process's CPU time (every thread, so SQLite's and the JSON journal's commit threads
count) by the number of requests. For PostgreSQL it adds the CPU of the database's own
backend processes (read from /proc), since the two share the machine.

- webhooks: signed PAYMENT_SUCCESS_WEBHOOK bodies, one distinct ACTIVE order each, sent by
  1 and by 16 concurrent callers, over a history of paid orders (seeded as
  bench/seeded_server.py does); every answer must be a 2xx and leave exactly one grant.
- create-order: sequential POST /api/payment/create-order against a gateway that answers
  at once (a stub in this file), so what is timed is ours alone: two units of work and the
  HTTP layer. Its wall time per request is printed too (the fsyncs are in it).

The outbox relay is left idle (an interval of an hour) while they run: it delivers in
batches on a clock of its own, so its work would land in whichever cell happened to be
running. After the webhooks it is driven by hand until the outbox is empty, in a row of
its own ("outbox delivery", per message delivered, the batches its loop would take): on
a server it runs beside the webhooks, on the same core.

    .venv/bin/python bench/cpu_per_request.py [--stores memory,json,sqlite,postgresql]
        [--history 1000] [--webhooks 3000] [--creates 500] [--rounds 3] [--callgrind]

Each figure is the lowest of `--rounds` rounds (the least disturbed by other processes).
CPU time still moves with the load of a shared machine (caches, frequency); `--callgrind`
runs the whole script under valgrind's callgrind and adds the instructions our process
executed per request, which do not (about 50 times slower: use a few hundred webhooks
and one round; the database's own work is not counted there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
from dependency_injector import providers

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_webhooks import (
    SECRET,
    WEBHOOK_PATH,
    _pg,
    process_cpu_seconds,
    throwaway_database,
    webhook_line,
)
from seeded_server import seed

from application.outbox_relay import OutboxRelay
from application.ports import GatewayOrder, GatewayOrderRequest, GatewayOrderStatus
from entrypoints.settings import load_settings
from entrypoints.web.asgi import app_from_settings

ROOT = Path(__file__).resolve().parent.parent
STORES = ("memory", "json", "sqlite", "postgresql")
CREATE_BODY = json.dumps(
    {
        "amount": "100",
        "customerName": "Bench Buyer",
        "customerEmail": "buyer@example.com",
        "customerPhone": "9876543210",
    }
).encode()


class InstantGateway:
    """A gateway that opens every order at once and is asked nothing else."""

    name = "instant"

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        return GatewayOrder(
            request.order_id,
            f"cf_{request.order_id}",
            GatewayOrderStatus.ACTIVE,
            f"session_{request.order_id}",
            request.amount,
        )

    async def aclose(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"the bench gateway does not {name}")


Request = tuple[list[tuple[bytes, bytes]], bytes]
Call = Callable[[str, str, list[tuple[bytes, bytes]], bytes], Awaitable[int]]


def asgi_caller(app: Any) -> Call:
    async def call(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-length", str(len(body)).encode()), *headers],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        given = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal given
            if given:
                return {"type": "http.disconnect"}
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def webhook_request(order_id: str, number: int) -> Request:
    ts = str(int(time.time() * 1000))
    _, line = webhook_line(order_id, number, ts)
    ts, signature, body = line.split("\t", 2)
    headers = [
        (b"content-type", b"application/json"),
        (b"x-webhook-timestamp", ts.encode()),
        (b"x-webhook-signature", signature.encode()),
    ]
    return headers, body.encode()


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving one database (0 for other stores)."""

    def __init__(self, database: str | None) -> None:
        self.database = database

    async def seconds(self) -> dict[int, float]:
        if self.database is None:
            return {}
        rows = await _pg(f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.database}'")
        return {row[0]: process_cpu_seconds(row[0]) for row in rows}


class GcClock:
    """Seconds the garbage collector has run (wall time, in this process)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


GC = GcClock()
CALLGRIND_DIR = "BENCH_CALLGRIND_DIR"


class Instructions:
    """Instructions executed by this process between `start` and `stop`, when it runs
    under callgrind (counters zeroed, then dumped, with `callgrind_control`); else 0."""

    def __init__(self) -> None:
        self.directory = os.environ.get(CALLGRIND_DIR)
        self.dumps = 0

    async def _control(self, *argv: str) -> None:
        process = await asyncio.create_subprocess_exec(
            "callgrind_control", *argv, str(os.getpid()), stdout=asyncio.subprocess.DEVNULL
        )
        await process.wait()

    async def start(self) -> None:
        if self.directory:
            await self._control("-z")

    async def stop(self) -> float:
        if not self.directory:
            return 0.0
        await self._control("-d")
        self.dumps += 1
        dump = Path(self.directory) / f"cg.{os.getpid()}.{self.dumps}"
        for line in dump.read_text().splitlines():
            if line.startswith("totals:"):
                dump.unlink()
                return float(line.split()[1])
        raise RuntimeError(f"no totals in {dump}")


INSTRUCTIONS = Instructions()


@dataclass(frozen=True)
class Used:
    ours: float
    database: float
    wall: float
    gc: float
    instructions: float

    def row(self, kind: str, request: str, concurrency: int, count: int) -> str:
        us = 1e6 / count
        counted = f"{self.instructions / count / 1000:,.0f}" if self.instructions else ""
        return (
            f"| {kind} | {request} | {concurrency} | {count} | {self.ours * us:,.0f} | "
            f"{self.gc * us:,.0f} | {self.database * us:,.0f} | "
            f"{(self.ours + self.database) * us:,.0f} | {self.wall * us / 1000:.2f} | "
            f"{counted} |"
        )


async def timed(work: Awaitable[None], database: DatabaseCpu) -> Used:
    """CPU seconds (ours, the database's), wall and garbage-collection seconds of `work`,
    and our instructions under callgrind."""
    db_before = await database.seconds()
    await INSTRUCTIONS.start()
    cpu, wall, collecting = time.process_time(), time.perf_counter(), GC.seconds
    await work
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    collecting = GC.seconds - collecting
    instructions = await INSTRUCTIONS.stop()
    db_after = await database.seconds()
    db = sum(after - db_before.get(pid, 0.0) for pid, after in db_after.items())
    return Used(cpu, db, wall, collecting, instructions)


async def webhooks(call: Call, requests: list[Request], concurrency: int) -> None:
    queue = iter(requests)

    async def caller() -> None:
        for headers, body in queue:
            status = await call("POST", WEBHOOK_PATH, headers, body)
            if status != 200:
                raise RuntimeError(f"webhook answered {status}")

    await asyncio.gather(*(caller() for _ in range(concurrency)))


async def delivery(relay: OutboxRelay, cpu: DatabaseCpu, kind: str) -> str:
    """The outbox relay delivering what the webhooks wrote, batch after batch (to the log
    notifier, filtered out at WARNING): the row is per message delivered."""
    delivered = 0

    async def drain() -> None:
        nonlocal delivered
        while batch := await relay.run_once():
            delivered += batch

    used = await timed(drain(), cpu)
    if delivered == 0:
        raise RuntimeError(f"{kind}: the webhooks left no message to deliver")
    return used.row(kind, "outbox delivery", 1, delivered)


async def creates(call: Call, count: int) -> None:
    headers = [(b"content-type", b"application/json")]
    for _ in range(count):
        status = await call("POST", "/api/payment/create-order", headers, CREATE_BODY)
        if status != 200:
            raise RuntimeError(f"create-order answered {status}")


@contextlib.asynccontextmanager
async def store_url(kind: str, work: Path) -> AsyncIterator[tuple[str, str | None]]:
    if kind == "memory":
        yield "memory://", None
    elif kind == "json":
        yield f"json://{work / 'credits.json'}", None
    elif kind == "sqlite":
        yield f"sqlite:///{work / 'checkout.db'}", None
    else:
        assert kind == "postgresql", kind
        async with throwaway_database("bench_cpu_") as (url, database):
            yield url, database


def _total(used: Used) -> float:
    return used.instructions or used.ours + used.database


def app_over(url: str) -> Any:
    """Our app as `checkout serve` builds it over the store at `url`, with a gateway that
    answers at once and the background loops (reconciler, outbox relay) idle."""
    settings = load_settings(
        store_url=url,
        log_level="WARNING",
        payment_gateway="cashfree",
        cashfree_app_id="TESTbench0000000001",
        cashfree_secret_key=SECRET,
        cashfree_base_url="http://127.0.0.1:9/pg",
        plans_file=ROOT / "plans.toml",
        webhook_tolerance_seconds=86400,
        reconcile_interval_seconds=3600,
        outbox_interval_seconds=3600,
        db_auto_migrate=True,
        admin_token="bench-admin-token",
        rate_limit_create_order="",
    )
    app = app_from_settings(settings)
    app.state.container.gateway.override(providers.Object(InstantGateway()))
    return app


async def measure(kind: str, args: argparse.Namespace, work: Path) -> list[str]:
    rows = []
    async with store_url(kind, work) as (url, database):
        app = app_over(url)
        container = app.state.container
        call = asgi_caller(app)
        cpu = DatabaseCpu(database)
        prefix = f"c{secrets.token_hex(3)}_"
        per_cell = args.webhooks
        cells = [(c, r) for r in range(args.rounds) for c in args.concurrency]
        async with app.router.lifespan_context(app):
            await seed(
                container.store(), url, prefix, args.history, per_cell * len(cells) + args.warmup
            )
            ids = [f"{prefix}a{n:07d}" for n in range(per_cell * len(cells) + args.warmup)]
            requests = [webhook_request(order_id, n) for n, order_id in enumerate(ids)]
            await webhooks(call, requests[: args.warmup], 4)
            best: dict[int, Used] = {}
            for index, (concurrency, _) in enumerate(cells):
                start = args.warmup + index * per_cell
                chunk = requests[start : start + per_cell]
                used = await timed(webhooks(call, chunk, concurrency), cpu)
                if concurrency not in best or _total(used) < _total(best[concurrency]):
                    best[concurrency] = used
            for concurrency, used in sorted(best.items()):
                rows.append(used.row(kind, "webhook", concurrency, per_cell))
            rows.append(await delivery(container.outbox_relay(), cpu, kind))
            await creates(call, 20)
            made = [await timed(creates(call, args.creates), cpu) for _ in range(args.rounds)]
            rows.append(min(made, key=_total).row(kind, "create-order", 1, args.creates))
            grants = await container.store().reports().credits(100_000_000, 0)
            sent = set(ids)
            counted = [e.order_id for e in grants if e.order_id in sent]
            if len(counted) != len(set(counted)) or set(counted) != sent:
                raise RuntimeError(f"{kind}: grants are not exactly one per webhooked order")
    return rows


async def main(args: argparse.Namespace) -> None:
    print(
        f"# CPU per request, in process over ASGI ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {os.getloadavg()[0]:.2f}, history {args.history:,}, "
        f"lowest of {args.rounds} rounds{', under callgrind' if INSTRUCTIONS.directory else ''})\n"
    )
    print(
        "| store | request | concurrency | requests | ours µs | of which GC µs | "
        "database µs | total µs | wall ms | our instructions (thousands) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in args.stores:
        with tempfile.TemporaryDirectory(prefix="bench_cpu_") as tmp:
            for row in await measure(kind, args, Path(tmp)):
                print(row, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--webhooks", type=int, default=3000)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--callgrind", action="store_true", help="count instructions")
    args = parser.parse_args()
    args.stores = [s for s in args.stores.split(",") if s]
    unknown = set(args.stores) - set(STORES)
    if unknown:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    return args


def under_callgrind() -> int:
    """Run this script again under callgrind, its dumps in a directory removed after."""
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian package `valgrind`)")
        return 2
    directory = tempfile.mkdtemp(prefix="bench_callgrind_")
    try:
        argv = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={directory}/cg.%p",
            sys.executable,
            __file__,
            *sys.argv[1:],
        ]
        env = {**os.environ, CALLGRIND_DIR: directory}
        return subprocess.run(argv, env=env, stderr=subprocess.DEVNULL).returncode
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.callgrind and not INSTRUCTIONS.directory:
        sys.exit(under_callgrind())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(arguments))
