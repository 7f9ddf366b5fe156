"""How fast the checkout page shows a failed attempt, and what watching costs the gateway.

Not a test: prints two tables. Run with `.venv/bin/python bench/failure_detection.py`.

1. Detection latency, in Chromium: the page watches an open order (`/checkout?order_id=…`),
   the simulator records a FAILED attempt, and the page stamps the moment it shows the
   failure. Measured with webhooks delivered (the push path) and dropped (the watcher finds
   it by asking the gateway once per interval).
2. Gateway calls per order per second while 1, 100 and 1,000 event streams watch one order.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from integration.web_checkout.live_server import LiveServer, live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CUSTOMER = {
    "amount": "100.00",
    "customerName": "Bench Customer",
    "customerEmail": "bench@example.com",
    "customerPhone": "9876543210",
}
# Every request comes from this one address: the per-client limits are lifted.
UNLIMITED = {
    "rate_limit_create_order": "",
    "rate_limit_streams_per_client": 2000,
    "max_open_streams": 2000,
}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.005)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def detection_run(
    browser: Browser, server: LiveServer, http: httpx.Client, phase: random.Random
) -> float:
    """Seconds from asking the simulator to record a failure to the page showing it.

    The failure lands at a random point of the watcher's interval, as a customer's would.
    """
    order = http.post("/api/payment/create-order", json=CUSTOMER).json()
    order_id = order["order_id"]
    context = browser.new_context(base_url=server.base_url)
    page = context.new_page()
    try:
        page.goto("/static/style.css")
        page.evaluate(
            "([id, session]) => sessionStorage.setItem('order:' + id,"
            " JSON.stringify({paymentSessionId: session, amount: 100}))",
            [order_id, order["payment_session_id"]],
        )
        page.goto(f"/checkout?order_id={order_id}")
        watcher = server.container.order_watcher()
        wait_for(lambda: watcher.watcher_count(order_id) == 1)
        time.sleep(phase.uniform(0, watcher.interval_seconds))
        started_ms = time.time() * 1000
        recorded = http.post(
            f"/_fake-cashfree/control/orders/{order_id}/attempts",
            json={"outcome": "FAILED", "message": "Insufficient funds in the account"},
        )
        recorded.raise_for_status()
        shown = page.locator("#payment-result[data-shown-at]")
        shown.wait_for(state="attached", timeout=10_000)
        shown_ms = float(shown.get_attribute("data-shown-at") or "nan")
        return (shown_ms - started_ms) / 1000
    finally:
        context.close()


def detection_table(runs: int, interval: float) -> list[tuple[str, float, float, float]]:
    rows = []
    phase = random.Random(4)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for mode in ("deliver", "drop"):
            with (
                tempfile.TemporaryDirectory() as store,
                live_server(Path(store), watch_interval_seconds=interval, **UNLIMITED) as server,
                httpx.Client(base_url=server.base_url, timeout=10) as http,
            ):
                http.post("/_fake-cashfree/control/webhooks/mode", json={"mode": mode})
                detection_run(browser, server, http, phase)  # warm-up: not counted
                samples = [detection_run(browser, server, http, phase) for _ in range(runs)]
                label = "delivered" if mode == "deliver" else "dropped"
                rows.append(
                    (
                        label,
                        statistics.median(samples),
                        percentile(samples, 0.95),
                        max(samples),
                    )
                )
        browser.close()
    return rows


async def watch_cost(server: LiveServer, watchers: int, seconds: float) -> float:
    """Gateway calls per second for one order while `watchers` event streams are open."""
    limits = httpx.Limits(max_connections=watchers + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as http:
        response = await http.post("/api/payment/create-order", json=CUSTOMER)
        order_id = response.json()["order_id"]
        watcher = server.container.order_watcher()
        done = asyncio.Event()

        async def stream() -> None:
            async with http.stream("GET", f"/api/payment/events/{order_id}") as events:
                lines = events.aiter_lines()
                await anext(lines)
                await done.wait()

        tasks = [asyncio.create_task(stream()) for _ in range(watchers)]
        deadline = time.monotonic() + 60
        while watcher.watcher_count(order_id) < watchers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {watcher.watcher_count(order_id)} streams opened")
            await asyncio.sleep(0.05)
        before = watcher.gateway_calls(order_id)
        started = time.monotonic()
        await asyncio.sleep(seconds)
        calls: int = watcher.gateway_calls(order_id) - before
        elapsed = time.monotonic() - started
        done.set()
        await asyncio.gather(*tasks)
        return calls / elapsed


def cost_table(seconds: float, interval: float) -> list[tuple[int, float]]:
    rows = []
    with (
        tempfile.TemporaryDirectory() as store,
        live_server(Path(store), watch_interval_seconds=interval, **UNLIMITED) as server,
    ):
        for watchers in (1, 100, 1000):
            rows.append((watchers, asyncio.run(watch_cost(server, watchers, seconds))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="detections per webhook mode")
    parser.add_argument("--seconds", type=float, default=10.0, help="window per watcher count")
    parser.add_argument("--interval", type=float, default=1.0, help="WATCH_INTERVAL_SECONDS")
    args = parser.parse_args()

    print(
        f"Failure detection in the page ({args.runs} runs each, watch interval {args.interval:g} s)"
    )
    print("| webhooks  | p50 (s) | p95 (s) | max (s) |")
    print("|-----------|--------:|--------:|--------:|")
    for label, p50, p95, worst in detection_table(args.runs, args.interval):
        print(f"| {label:<9} | {p50:7.3f} | {p95:7.3f} | {worst:7.3f} |")
    print()
    print(f"Gateway calls for one watched order ({args.seconds:g} s window each)")
    print("| watchers | calls/s per order | calls per interval |")
    print("|---------:|------------------:|-------------------:|")
    for watchers, rate in cost_table(args.seconds, args.interval):
        print(f"| {watchers:>8,} | {rate:17.2f} | {rate * args.interval:18.2f} |")


if __name__ == "__main__":
    main()
