"""CPU per call of our Cashfree adapter, in process, with no network (issue 10).

Create-order's gateway call inside our server takes longer than the simulator's own answer.
Part of that is the adapter's work around httpx (the request body, the headers, the retry
loop, the answer's mapping) and httpx's client itself. This times both on uvloop against
httpx's `MockTransport`, which answers a canned OrderEntity at once, so nothing is timed
but the CPU of this process (`time.thread_time`) per call:

- the adapter's HTTP client alone: the same POST of an order body through the client the
  adapter uses, with no adapter around it;
- `CashfreeHttpGateway.create_order` and `get_order`;
- `create_order` as the container stacks it: `MeasuredGateway(DeadlineGateway(adapter))`.

    .venv/bin/python bench/gateway_adapter.py [--calls 2000] [--rounds 7] [--src PATH]

Each figure is the median of `--rounds` rounds, after a warm-up. `--src PATH` imports the
service and the simulator from another tree, to compare with the tree before a change.
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop
from seeded_server import rerun_from_tree

from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.gateway.deadline import DeadlineGateway
from adapters.gateway.measured import MeasuredGateway
from adapters.ids import SecureIdGenerator
from adapters.metrics.prometheus import PrometheusMetrics
from application.ports import GatewayOrderRequest
from domain.customer import Customer
from domain.money import Money
from entrypoints.logs import configure_logging

BASE_URL = "http://cashfree.bench/pg"
ORDER = {
    "cf_order_id": "2149460581",
    "order_id": "order_bench_0001",
    "entity": "order",
    "order_amount": 499.5,
    "order_currency": "INR",
    "order_status": "ACTIVE",
    "payment_session_id": "session_bench_0001",
    "order_expiry_time": "2026-12-31T23:59:59+05:30",
    "created_at": "2026-12-05T10:00:00+05:30",
    "customer_details": {
        "customer_id": "cust_bench",
        "customer_name": "Asha Rao",
        "customer_email": "asha@example.com",
        "customer_phone": "9876543210",
    },
}
ANSWER = json.dumps(ORDER).encode()
REQUEST = GatewayOrderRequest(
    order_id="order_bench_0001",
    amount=Money.of("499.50"),
    customer=Customer.create("Asha Rao", "asha@example.com", "9876543210"),
    customer_id="cust_bench",
    return_url="https://shop.example.com/return?order_id={order_id}",
    notify_url="https://shop.example.com/api/webhook/cashfree",
)


def answer(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def adapter() -> CashfreeHttpGateway:
    """The adapter over the mock transport, on the client it builds for itself where this
    tree lets it (a tree from before the `transport` option gets httpx's plain client)."""
    transport = httpx.MockTransport(answer)
    options: dict[str, Any] = {"ids": SecureIdGenerator()}
    if "transport" in inspect.signature(CashfreeHttpGateway).parameters:
        options["transport"] = transport
    else:
        options["client"] = httpx.AsyncClient(transport=transport)
    return CashfreeHttpGateway("TESTbench0000000001", "bench-secret", BASE_URL, **options)


async def cpu_per_call(calls: int, rounds: int, call: Callable[[], Awaitable[Any]]) -> float:
    """Median over rounds of this thread's CPU µs per call."""
    for _ in range(calls // 10):
        await call()
    per_round = []
    for _ in range(rounds):
        started = time.thread_time()
        for _ in range(calls):
            await call()
        per_round.append((time.thread_time() - started) / calls * 1e6)
    return statistics.median(per_round)


async def main(args: argparse.Namespace) -> None:
    configure_logging("console", "WARNING")
    gateway = adapter()
    stacked = MeasuredGateway(DeadlineGateway(gateway, 15.0), PrometheusMetrics())
    client: httpx.AsyncClient = gateway._client
    body = json.dumps({"order_id": REQUEST.order_id, "order_amount": "499.50"}).encode()
    headers = {"content-type": "application/json", "x-request-id": "req_bench"}

    async def client_alone() -> None:
        await client.request("POST", f"{BASE_URL}/orders", content=body, headers=headers)

    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        (f"the adapter's HTTP client alone ({type(client).__name__})", client_alone),
        ("CashfreeHttpGateway.create_order", lambda: gateway.create_order(REQUEST)),
        ("CashfreeHttpGateway.get_order", lambda: gateway.get_order(REQUEST.order_id)),
        ("create_order, measured and under its deadline", lambda: stacked.create_order(REQUEST)),
    ]
    print(
        f"# the Cashfree adapter's CPU per call ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, CPython {platform.python_version()}, "
        f"adapter from {Path(inspect.getfile(CashfreeHttpGateway)).parents[3]})"
    )
    print()
    print("| call | µs of CPU per call |")
    print("|---|---:|")
    for name, call in cases:
        print(f"| {name} | {await cpu_per_call(args.calls, args.rounds, call):,.0f} |")
    await gateway.aclose()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--src", type=Path, help="import the service from this tree")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.src is not None:
        rerun_from_tree(arguments.src)
    uvloop.run(main(arguments))
