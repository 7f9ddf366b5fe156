"""What the operator's search costs, by store and size of history, and what building its
indexes (migrations 0003 and 0004) and filling its contacts (0006) take on a database that
already holds that history.

For each store it writes a history of paid orders (as `bench/seeded_server.py` does: SQL
stores in bulk, the others through their units of work) and a profile for each of its
1,000 customers, then times, in process, the p50 of `--calls` calls of each way a search
reads the store: an order by id, by payment id, by bank reference and by Cashfree's order
id, an id nothing has, a customer by e-mail, and by a phone number all of them share (the
worst case: every customer and every order matches, 20 are answered). The memory and JSON
stores answer under the lock every payment waits for, so their time is also how long a
search holds payments up. For the SQL stores it then drops the indexes of each migration
and times creating them again: how long `checkout db upgrade` holds writes to
`payment_attempts`, `customers`, `orders` and `refunds` at that size; and undoes 0006 and
times it again (the contacts read from every order).

    .venv/bin/python bench/search.py [--stores memory,json,sqlite,postgresql]
        [--history 1000,100000] [--calls 50]

PostgreSQL needs a server at postgresql://postgres@127.0.0.1:5432/test (a throwaway
database per size, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_webhooks import throwaway_database
from seeded_server import CUSTOMERS, seed

from adapters.store.url import store_from_url
from application.use_cases.search import SearchPayments
from domain.accounts import CustomerProfile
from domain.customer import customer_id_for_email

INDEXES = {
    "0003": (
        ("ix_payment_attempts_payment", "payment_attempts", "payment_id"),
        ("ix_customers_email", "customers", "email"),
        ("ix_customers_phone", "customers", "phone"),
    ),
    "0004": (
        ("ix_payment_attempts_bank_reference", "payment_attempts", "bank_reference"),
        ("ix_orders_gateway_order", "orders", "gateway_order_id"),
        ("ix_refunds_gateway_refund", "refunds", "gateway_refund_id"),
    ),
}
PREFIX = "S"
SHARED_PHONE = "9876543210"


async def add_customers(store: Any, now: datetime) -> None:
    """The profiles of the history's customers, as create-order leaves them."""
    async with store.unit_of_work() as uow:
        for number in range(CUSTOMERS):
            email = f"buyer{number}@example.com"
            profile = CustomerProfile(
                customer_id_for_email(email), "Bench Buyer", email, SHARED_PHONE, None, now
            )
            await uow.customers.upsert(profile)
        await uow.commit()


async def p50_ms(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    await call()
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


async def searches(store: Any, history: int, calls: int) -> dict[str, float]:
    reports = store.reports()
    search = SearchPayments(reports)
    order_id = f"{PREFIX}h{history // 2:07d}"
    payment_id = str(history // 2 + 1)
    bank_reference = f"{history // 2 + 1:012d}"
    ways: dict[str, Callable[[], Awaitable[Any]]] = {
        "order id": lambda: reports.find_orders(order_id, 20),
        "payment id": lambda: reports.find_orders(payment_id, 20),
        "bank reference": lambda: reports.find_orders(bank_reference, 20),
        "Cashfree's order id": lambda: reports.find_orders(f"cf_{order_id}", 20),
        "nothing": lambda: reports.find_orders("no-such-thing", 20),
        "e-mail": lambda: reports.find_customers(email="buyer7@example.com", phone=None, limit=20),
        "shared phone": lambda: reports.find_customers(email=None, phone=SHARED_PHONE, limit=20),
        "whole search, by payment id": lambda: search.execute(payment_id),
    }
    for reference in (payment_id, bank_reference, f"cf_{order_id}"):
        found = await reports.find_orders(reference, 20)
        assert [o.order_id for o in found] == [order_id], (reference, found)
    return {name: await p50_ms(call, calls) for name, call in ways.items()}


async def index_build_ms(store: Any, revision: str) -> float:
    """Drop the indexes of migration `revision`, then time creating them as it does, on the
    store's own engine (`Migrations.run`)."""
    from sqlalchemy import Connection, text

    def rebuild(connection: Connection) -> float:
        for name, _, _ in INDEXES[revision]:
            connection.execute(text(f"DROP INDEX {name}"))
        connection.commit()
        began = time.perf_counter()
        for name, table, column in INDEXES[revision]:
            connection.execute(text(f"CREATE INDEX {name} ON {table} ({column})"))
        connection.commit()
        return (time.perf_counter() - began) * 1000

    built: float = await store.migrations.run(rebuild)
    return built


async def contacts_fill_ms(store: Any) -> float:
    """Migration 0006 undone, then timed as `checkout db upgrade` runs it: the contacts'
    table made and filled from every stored order."""
    from alembic import command
    from sqlalchemy import Connection

    from adapters.store.sql.schema import config

    def redo(connection: Connection) -> float:
        command.downgrade(config(connection), "0005")
        connection.commit()
        began = time.perf_counter()
        command.upgrade(config(connection), "0006")
        connection.commit()
        return (time.perf_counter() - began) * 1000

    filled: float = await store.migrations.run(redo)
    return filled


async def measure(kind: str, history: int, calls: int, directory: Path) -> dict[str, float]:
    async def run(store_url: str) -> dict[str, float]:
        store = store_from_url(store_url, auto_migrate=True)
        await store.open()
        try:
            now = datetime.now(UTC) - timedelta(days=1)
            await seed(store, store_url, PREFIX, history, 0)
            await add_customers(store, now)
            figures = await searches(store, history, calls)
            if kind in ("sqlite", "postgresql"):
                for revision in INDEXES:
                    figures[f"build the {revision} indexes"] = await index_build_ms(store, revision)
                figures["fill 0006's contacts"] = await contacts_fill_ms(store)
        finally:
            await store.close()
        return figures

    async with fresh_store_url(kind, history, directory, "bench_search_") as url:
        return await run(url)


@asynccontextmanager
async def fresh_store_url(
    kind: str, history: int, directory: Path, prefix: str
) -> AsyncIterator[str]:
    """The URL of a new, empty store of `kind` for a history of `history` orders: a file
    in `directory`, or a PostgreSQL database named `prefix...`, dropped after."""
    if kind == "memory":
        yield "memory://"
    elif kind == "json":
        (directory / str(history)).mkdir(exist_ok=True)
        yield f"json://{directory}/{history}/credits.json"
    elif kind == "sqlite":
        yield f"sqlite:///{directory}/{history}.db"
    else:
        async with throwaway_database(prefix) as (url, _):
            yield url


Measure = Callable[[str, int, int, Path], Awaitable[dict[str, float]]]


def run_grid(description: str, title: str, measure: Measure, columns: list[str] | None) -> int:
    """Parse `--stores`, `--history` and `--calls`, run `measure` for each store and size
    (each in a fresh event loop, over one temporary directory), print the table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--stores", default="memory,json,sqlite,postgresql")
    parser.add_argument("--history", default="1000,100000")
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    sizes = [int(size) for size in args.history.split(",")]
    load = os.getloadavg()[0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {title}, p50 ms of {args.calls} calls, in process")
    print(f"{os.cpu_count()} cores, load average {load:.2f}, {stamp}\n")
    rows: list[tuple[str, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench_grid_") as directory:
        for kind in args.stores.split(","):
            for history in sizes:
                figures = asyncio.run(measure(kind, history, args.calls, Path(directory)))
                rows.append((kind, history, figures))
                print(f"  {kind} at {history:,} paid orders: done", file=sys.stderr)
    if columns is None:
        columns = list(dict.fromkeys(name for _, _, figures in rows for name in figures))
    print("| store | paid orders | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    for kind, history, figures in rows:
        cells = [f"{figures[name]:.2f}" if name in figures else "" for name in columns]
        print(f"| {kind} | {history:,} | " + " | ".join(cells) + " |")
    return 0


def main() -> int:
    return run_grid(__doc__.split("\n\n")[0], "the operator's search", measure, None)


if __name__ == "__main__":
    raise SystemExit(main())
