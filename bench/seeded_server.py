"""Bench-only launcher: our app, exactly as `checkout serve` builds it, after seeding.

`bench/http_webhooks.py` starts this as the server process. It builds the app from the
environment with `app_from_settings`, as `checkout serve` does, writes BENCH_HISTORY
paid-and-credited orders and BENCH_ACTIVE active orders (ids BENCH_PREFIX + "h"/"a" +
number) through the store's own API (SQL stores: the same
rows in bulk, see `seed`), then serves the app with uvicorn in the same event loop (uvloop
and httptools when installed, as `uvicorn.run` picks them; no access log, log level
warning). The memory store lives in this process, which is why seeding happens here. With
BENCH_SEED_ONLY=1 it seeds, closes the store and exits: the bench seeds every other store
so, then serves it with this launcher (nothing more to seed) or, for several workers, with
`checkout serve --workers N`.

It adds one route, GET /_bench/grants, never hit while measuring: the order ids of every
ledger grant the store reports (for the exactly-once check of the memory and JSON stores).
Prints "SEEDED <seconds>" on stdout; the bench then waits for GET /health.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.customer import Customer, customer_id_for_email
from domain.ledger import credit_for
from domain.money import Money
from domain.notifications import OutboxMessage, notifications_for
from domain.order import AttemptStatus, Order, PaymentAttempt
from entrypoints.cli import server_options
from entrypoints.settings import load_settings
from entrypoints.web.asgi import app_from_settings

CHUNK = 1_000
CUSTOMERS = 1_000
AMOUNT = Money.of("100")


def _order(order_id: str, number: int, now: datetime) -> Order:
    email = f"buyer{number % CUSTOMERS}@example.com"
    customer = Customer("Bench Buyer", email, "9876543210")
    order = Order.create(order_id, AMOUNT, customer, now, customer_id=customer_id_for_email(email))
    order.activate(f"cf_{order_id}", f"session_{order_id}", now)
    return order


async def add_order(store: Any, order_id: str) -> None:
    """One new order, alone in a unit of work: what the in-process benches time."""
    customer = Customer("Bench Buyer", "buyer@example.com", "9876543210")
    order = Order.create(order_id, AMOUNT, customer, datetime.now(UTC), customer_id="cus_bench")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.commit()


def paid_order(order_id: str, number: int, now: datetime) -> Order:
    order = _order(order_id, number, now)
    attempt = PaymentAttempt(
        payment_id=str(number + 1),
        status=AttemptStatus.SUCCESS,
        amount=AMOUNT,
        at=now,
        message="Transaction successful",
        method="upi",
        bank_reference=f"{number + 1:012d}",
    )
    order.record_attempt(attempt, now)
    return order


def delivered_notifications(order: Order, now: datetime) -> list[OutboxMessage]:
    """What a paid order of a shop's history left in the outbox: its messages, sent."""
    messages = notifications_for(order.events, {order.order_id: order.customer_id})
    return [message.delivered(now) for message in messages]


def _rows(prefix: str, kind: str, numbers: range, now: datetime) -> list[Order]:
    if kind == "h":
        return [paid_order(f"{prefix}h{n:07d}", n, now) for n in numbers]
    return [_order(f"{prefix}a{n:07d}", n, now) for n in numbers]


async def seed(store: Any, store_url: str, prefix: str, history: int, active: int) -> None:
    """History: paid orders with their grant and their notifications, delivered; then
    active orders awaiting a webhook.
    Through the store's units of work, except SQL stores: there the same rows the store
    would write (its own row builders) go in with bulk Core inserts, 1,000 per transaction
    (the store API takes about 4 ms an order on SQLite, too slow for 100,000). A JSON
    journal is compacted at the end, as a store whose last compaction has just run: else
    the seeded lines start one in the first cells measured, and its thread takes a third
    of the interpreter from them (what a compaction costs is `bench/json_compaction.py`'s)."""
    now = datetime.now(UTC) - timedelta(days=1)
    bulk = store_url.split(":", 1)[0].split("+", 1)[0] in ("sqlite", "postgresql", "postgres")
    engine = _bulk_engine(store_url) if bulk else None
    try:
        for kind, count in (("h", history), ("a", active)):
            for start in range(0, count, CHUNK):
                orders = _rows(prefix, kind, range(start, min(start + CHUNK, count)), now)
                if engine is not None:
                    await _insert(engine, orders, now)
                    continue
                async with store.unit_of_work() as uow:
                    for order in orders:
                        await uow.orders.add(order)
                        if kind == "h":
                            await uow.ledger.add(credit_for(order, now))
                            for message in delivered_notifications(order, now):
                                await uow.outbox.add(message)
                    await uow.commit()
        compact = getattr(store, "compact", None)
        if compact is not None:
            await compact()
    finally:
        if engine is not None:
            disposed = engine.dispose()
            if disposed is not None:
                await disposed


def _bulk_engine(store_url: str) -> Any:
    """An engine of its own: a blocking one for SQLite (the store drives the stdlib
    driver itself), an async one elsewhere."""
    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import create_async_engine

    from adapters.store.sql.store import engine_url

    url = engine_url(store_url)
    if url.get_backend_name() == "sqlite":
        return create_engine(url)
    return create_async_engine(url)


async def _insert(engine: Any, orders: list[Order], now: datetime) -> None:
    from sqlalchemy import Engine, insert

    from adapters.store.sql import tables
    from adapters.store.sql.outbox import outbox_values
    from adapters.store.sql.rows import attempt_values, credit_values, order_values
    from adapters.store.sql.session import insert_or_ignore
    from adapters.store.sql.tables import ATTEMPTS, CREDITS, ORDERS, OUTBOX

    order_rows = [{"order_id": o.order_id, "version": o.version, **order_values(o)} for o in orders]
    attempts = [attempt_values(o.order_id, i, a) for o in orders for i, a in enumerate(o.attempts)]
    credits = [credit_values(credit_for(o, now)) for o in orders if o.attempts]
    sent = [outbox_values(m) for o in orders if o.attempts for m in delivered_notifications(o, now)]
    batches = [(ORDERS, order_rows), (ATTEMPTS, attempts), (CREDITS, credits), (OUTBOX, sent)]
    # the contacts SqlOrders.add records (a tree from before migration 0006 has none)
    contacts_table = getattr(tables, "CONTACTS", None)
    paid_with = dict.fromkeys((c, o.customer_id) for o in orders for c in _contacts(o))
    contacts = [{"contact": c, "customer_id": customer} for c, customer in paid_with]

    def write(connection: Any) -> None:
        for table, rows in batches:
            if rows:
                connection.execute(insert(table), rows)
        if contacts_table is not None:
            statement = insert_or_ignore(connection.dialect.name, contacts_table)
            connection.execute(statement, contacts)

    if isinstance(engine, Engine):
        await asyncio.to_thread(_in_transaction, engine, write)
        return
    async with engine.begin() as connection:
        await connection.run_sync(write)


def _contacts(order: Order) -> tuple[str, str]:
    return order.customer.email, order.customer.phone


def rerun_from_tree(src: Path) -> NoReturn:
    """Run the calling bench script again with the tree at `src` first on the path (its
    service and its simulator) and its own `--src` left out, so a frozen copy is measured
    the same way."""
    argv: list[str] = []
    skip = False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg == "--src":
            skip = True
        elif not arg.startswith("--src="):
            argv.append(arg)
    tree = src.resolve()
    environment = dict(os.environ, PYTHONPATH=f"{tree / 'src'}:{tree / 'simulator' / 'src'}")
    os.execve(sys.executable, [sys.executable, sys.argv[0], *argv], environment)


def _in_transaction(engine: Any, write: Any) -> None:
    with engine.begin() as connection:
        write(connection)


def _grants_route(store: Any) -> Route:
    async def grants(_: Request) -> JSONResponse:
        entries = await store.reports().credits(100_000_000, 0)
        return JSONResponse([[e.order_id, e.payment_id] for e in entries])

    return Route("/_bench/grants", grants, methods=["GET"])


async def main() -> None:
    settings = load_settings()
    app = app_from_settings(settings)
    store = app.state.container.store()
    prefix = os.environ.get("BENCH_PREFIX", "bench_")
    history = int(os.environ.get("BENCH_HISTORY", "0"))
    active = int(os.environ.get("BENCH_ACTIVE", "0"))

    async def seed_now() -> None:
        started = time.perf_counter()
        await seed(store, settings.store_url, prefix, history, active)
        seconds = time.perf_counter() - started
        print(f"SEEDED {seconds:.1f} s; app from {sys.modules['entrypoints'].__file__}", flush=True)

    if os.environ.get("BENCH_SEED_ONLY") == "1":
        await store.open()
        try:
            await seed_now()
        finally:
            await store.close()
        return
    app.router.routes.append(_grants_route(store))
    opened = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: Any) -> AsyncIterator[Any]:
        # Seed once the app has opened its store, before uvicorn accepts connections.
        async with opened(target) as state:
            await seed_now()
            yield state

    app.router.lifespan_context = lifespan
    config = uvicorn.Config(app, **server_options(settings))
    await uvicorn.Server(config).serve()


def run() -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())


if __name__ == "__main__":
    run()
