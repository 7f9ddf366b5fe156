"""Where a create-order's time goes over HTTP, phase by phase, by store (issue 10).

`bench/http_webhooks.py` shows create-order's p50 above the gateway's own; this shows what
that difference is made of. It starts the standalone simulator and, per store, our app
under uvicorn (uvloop, httptools) in a process of its own, with timers around the phases
of `POST /api/payment/create-order`:

- in our ASGI app: from the request's scope to its last body byte sent (middleware, body
  parsing, the use case, the response);
- `CreatePayment.execute`, and inside it: unit 1 (the order saved CREATED, durable), the
  gateway call through our Cashfree adapter, unit 2 (the order made ACTIVE, durable).

A blocking httpx client sends the create-orders one at a time (as the main bench does)
and takes the whole round trip. The same POST to the simulator is then timed directly, from
this process, with a blocking httpx client (the main bench's "gateway" figure) and with an
async one on uvloop (what our server's call costs without our adapter), and with that async
client again, each call 2 ms after the last answer: a call from our server comes after the
rest of the request, and on this machine a call to a simulator that has been idle that
long takes longer than one made back to back. The timers only read the clock; they do not
change what is run.

    .venv/bin/python bench/create_order_breakdown.py [--stores memory,json,sqlite,postgresql]
        [--requests 300]

Prints one table of p50s in milliseconds. PostgreSQL needs a server at
postgresql://postgres@127.0.0.1:5432/test (a throwaway database, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_webhooks import (
    ADMIN_TOKEN,
    APP_ID,
    BIN,
    CUSTOMER,
    ROOT,
    SECRET,
    WARM_UP,
    create_database,
    database_url,
    direct_create_orders,
    free_port,
    gateway_order,
    remove_database,
    wait_http,
)

PHASES = ("asgi", "execute", "unit_1", "gateway", "unit_2")
# idle time before each paced direct call, about what a create-order spends around its call
PAUSE = 0.002


def serve() -> None:
    """Our app as `checkout serve` builds it, with the phase timers; `GET /_bench/phases`
    answers the median of each phase so far, in ms, and starts them again."""
    import uvicorn

    from adapters.gateway.cashfree_http import CashfreeHttpGateway
    from application.use_cases.create_payment import CreatePayment
    from entrypoints.settings import load_settings
    from entrypoints.web.asgi import app_from_settings

    times: dict[str, list[float]] = {phase: [] for phase in PHASES}

    def timed(phase: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                times[phase].append(time.perf_counter() - started)

        return run

    CreatePayment.execute = timed("execute", CreatePayment.execute)
    CreatePayment._save_new = timed("unit_1", CreatePayment._save_new)
    CreatePayment._finish = timed("unit_2", CreatePayment._finish)
    CashfreeHttpGateway.create_order = timed("gateway", CashfreeHttpGateway.create_order)
    settings = load_settings()
    app = app_from_settings(settings)

    async def timed_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/phases":
            medians = {k: statistics.median(v) * 1000 for k, v in times.items() if v}
            for values in times.values():
                values.clear()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": json.dumps(medians).encode()})
            return
        if scope["type"] != "http" or scope["path"] != "/api/payment/create-order":
            await app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                times["asgi"].append(time.perf_counter() - started)

        await app(scope, receive, timed_send)

    uvicorn.run(
        timed_app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )


def direct_async(sim_url: str, count: int, pause: float = 0.0) -> float:
    """The simulator's create-order from an async client on uvloop, p50 ms; with `pause`,
    each call comes that many seconds after the last answer, the process idle meanwhile,
    as a call from our server comes after the request's other work."""
    import uvloop

    async def run() -> float:
        times = []
        async with httpx.AsyncClient(base_url=f"{sim_url}/pg", timeout=30) as client:
            for i in range(count + WARM_UP):
                body, headers = gateway_order(i)
                started = time.perf_counter()
                response = await client.post("/orders", json=body, headers=headers)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
                if pause:
                    await asyncio.sleep(pause)
        return statistics.median(times[WARM_UP:]) * 1000

    return uvloop.run(run())


def measure(store: str, store_url: str, sim_url: str, work: Path, count: int) -> str:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'simulator' / 'src'}",
        "STORE_URL": store_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "PAYMENT_GATEWAY": "cashfree",
        "CASHFREE_APP_ID": APP_ID,
        "CASHFREE_SECRET_KEY": SECRET,
        "CASHFREE_BASE_URL": f"{sim_url}/pg",
        "CASHFREE_ENVIRONMENT": "SANDBOX",
        "PLANS_FILE": str(ROOT / "plans.toml"),
        "RECONCILE_INTERVAL_SECONDS": "3600",
        "DB_AUTO_MIGRATE": "1",
        "RATE_LIMIT_CREATE_ORDER": "",
    }
    log = work / f"server_{store}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/health", proc, 120, log)
        rounds = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for i in range(count + WARM_UP):
                if i == WARM_UP:
                    client.get("/_bench/phases")
                started = time.perf_counter()
                response = client.post(
                    "/api/payment/create-order", json={"amount": "100", **CUSTOMER}
                )
                rounds.append(time.perf_counter() - started)
                response.raise_for_status()
            phases = client.get("/_bench/phases").json()
    finally:
        proc.terminate()
        proc.wait(30)
    blocking = statistics.median(direct_create_orders(sim_url, count))
    direct = direct_async(sim_url, count)
    paused = direct_async(sim_url, count, PAUSE)
    whole = statistics.median(rounds[WARM_UP:]) * 1000
    cells = [whole, *(phases[p] for p in PHASES), blocking, direct, paused]
    return f"| {store} | " + " | ".join(f"{c:.2f}" for c in cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stores", default="memory,json,sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench_create_"))
    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    sim_env = {**os.environ, "CASHFREE_APP_ID": APP_ID, "CASHFREE_SECRET_KEY": SECRET}
    with open(work / "simulator.log", "ab") as out:
        sim = subprocess.Popen(
            [str(BIN / "cashfree-simulator"), "--port", str(sim_port)],
            env=sim_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    print(f"# create-order phases, p50 ms, {args.requests} sequential requests per store")
    print(f"load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M %Z')}\n")
    print(
        "| store | whole round trip | in our ASGI app | CreatePayment.execute | unit 1 | "
        "gateway call in our server | unit 2 | simulator direct, blocking httpx | "
        "simulator direct, async httpx | the same, each call 2 ms after the last |"
    )
    print("|---|" + "---:|" * 9)
    try:
        wait_http(f"{sim_url}/pg/orders/none", sim, 30, work / "simulator.log")
        for store in args.stores.split(","):
            database = None
            if store == "memory":
                url = "memory://"
            elif store == "json":
                url = f"json://{work / 'credits.json'}"
            elif store == "sqlite":
                url = f"sqlite:///{work / 'checkout.db'}"
            elif store == "postgresql":
                database = asyncio.run(create_database("bench_create_"))
                url = database_url(database)
            else:
                raise SystemExit(f"unknown store {store!r}")
            try:
                print(measure(store, url, sim_url, work, args.requests), flush=True)
            finally:
                if database is not None:
                    asyncio.run(remove_database(database))
    finally:
        sim.terminate()
        sim.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
