"""Signed PAYMENT_SUCCESS webhooks per second through the whole service, by store and history.

The seed rewrote its whole credits.json on every write: 238 webhooks/s with 1,200 records,
57/s with 3,700 (measured). This drives the real app in-process (httpx ASGI transport,
signature check, ConfirmPayment, ledger) for each store after seeding N paid orders of
history, then times a bounded batch of fresh success webhooks. Prints a markdown table.

    .venv/bin/python bench/webhook_throughput.py [--webhooks 300] [--history 1200 3700]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from dependency_injector import providers

from cashfree_simulator.wire import sign
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from entrypoints.web.app import create_app

SECRET = "bench-secret"
CUSTOMER = {
    "customerName": "Bench Buyer",
    "customerEmail": "b@example.com",
    "customerPhone": "9876543210",
}


def webhook(order_id: str, payment_id: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "data": {
                "order": {"order_id": order_id, "order_amount": 100.0, "order_currency": "INR"},
                "payment": {
                    "cf_payment_id": payment_id,
                    "payment_status": "SUCCESS",
                    "payment_amount": 100.0,
                    "payment_currency": "INR",
                    "payment_message": "Transaction successful",
                    "payment_time": "2026-01-01T12:00:00+05:30",
                    "payment_group": "upi",
                },
            },
            "type": "PAYMENT_SUCCESS_WEBHOOK",
        }
    ).encode()
    ts = str(int(time.time() * 1000))
    return body, {
        "content-type": "application/json",
        "x-webhook-timestamp": ts,
        "x-webhook-signature": sign(SECRET, ts, body),
    }


async def create_orders(client: httpx.AsyncClient, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = await client.post(
            "/api/payment/create-order", json={"amount": "100", **CUSTOMER}
        )
        ids.append(response.json()["order_id"])
    return ids


async def pay(client: httpx.AsyncClient, order_ids: list[str], first_payment_id: int) -> None:
    for offset, order_id in enumerate(order_ids):
        body, headers = webhook(order_id, first_payment_id + offset)
        response = await client.post("/api/payment/webhook", content=body, headers=headers)
        assert response.status_code == 200, response.text


async def measure(store_url: str, history: int, webhooks: int) -> float:
    settings = load_settings(
        store_url=store_url,
        payment_gateway="fake",
        cashfree_app_id="BENCH",
        cashfree_secret_key=SECRET,
        public_url="http://bench",
        log_level="ERROR",
    )
    container = build_container(settings)

    async def app_late_bound(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)

    container.webhook_http_client.override(
        providers.Object(httpx.AsyncClient(transport=httpx.ASGITransport(app=app_late_bound)))
    )
    await container.simulator().set_webhook_mode("drop")
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        await container.store().reset()
        await pay(client, await create_orders(client, history), 1)
        fresh = await create_orders(client, webhooks)
        started = time.perf_counter()
        await pay(client, fresh, 10_000_000)
        elapsed = time.perf_counter() - started
    return webhooks / elapsed


def store_urls(tmp: Path, with_postgres: bool) -> dict[str, str]:
    urls = {
        "memory": "memory://",
        "json journal": f"json://{tmp / 'credits.json'}",
        "sqlite": f"sqlite:///{tmp / 'checkout.db'}",
    }
    if with_postgres:
        urls["postgresql"] = "postgresql://postgres@127.0.0.1:5432/test"
    return urls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webhooks", type=int, default=300)
    parser.add_argument("--history", type=int, nargs="+", default=[1200, 3700])
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {python}")
    print(f"{args.webhooks} signed success webhooks, sequential, after N paid orders of history\n")
    print("| store | " + " | ".join(f"{h} orders: webhooks/s" for h in args.history) + " |")
    print("|---|" + "---|" * len(args.history))
    print(
        "| seed (credits.json rewrite) | 238 | 57 |" if args.history == [1200, 3700] else "", end=""
    )
    if args.history == [1200, 3700]:
        print()
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in store_urls(Path(tmp), args.postgres).items():
            rates = []
            for i, history in enumerate(args.history):
                run_url = url.replace("credits.json", f"credits{i}.json").replace(
                    "checkout.db", f"checkout{i}.db"
                )
                rates.append(await measure(run_url, history, args.webhooks))
            print(f"| {name} | " + " | ".join(f"{r:,.0f}" for r in rates) + " |", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
