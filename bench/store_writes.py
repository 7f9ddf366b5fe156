"""Commit rate of each store with 1,000 and 5,000 orders of history: one paid order plus
its credit per commit (what a success webhook writes). Prints a table.

    .venv/bin/python bench/store_writes.py

PostgreSQL (postgresql://postgres@127.0.0.1:5432/test) and MariaDB
(mysql://root@127.0.0.1:3306/test) rows are measured in a throwaway schema when the
server answers, and left out otherwise. The seed rewrote its whole credits.json per write:
238 writes/s at 1,200 records, 57/s at 3,700.
"""

from __future__ import annotations

import asyncio
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomysql
import asyncpg

from adapters.store.json_journal import JsonJournalStore
from adapters.store.memory import MemoryStore
from adapters.store.sql.store import SqlStore
from application.ports import Store
from domain.customer import Customer
from domain.ledger import credit_for
from domain.money import Money
from domain.order import AttemptStatus, Order, PaymentAttempt

HISTORY = (1_000, 5_000)
SECONDS_PER_ROW = 2.0
MAX_COMMITS_PER_ROW = 20_000
HISTORY_BATCH = 500
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOMER = Customer.create("Asha Rao", "asha@example.com", "9876543210")
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql://root@127.0.0.1:3306/test"

Drop = Callable[[], Awaitable[None]]


def paid_order(n: int) -> Order:
    now = T0 + timedelta(seconds=n)
    order = Order.create(f"ORDER_{n:08d}", Money.of("499.00"), CUSTOMER, now)
    order.activate(f"cf_{n}", f"session_{n}", now)
    order.record_attempt(
        PaymentAttempt(f"pay_{n}", AttemptStatus.SUCCESS, Money.of("499.00"), now, method="upi"),
        now,
    )
    return order


async def grow_history(store: Store, start: int, stop: int) -> None:
    for first in range(start, stop, HISTORY_BATCH):
        async with store.unit_of_work() as uow:
            for n in range(first, min(first + HISTORY_BATCH, stop)):
                order = paid_order(n)
                await uow.orders.add(order)
                await uow.ledger.add(credit_for(order, order.created_at))
            await uow.commit()


async def commit_rate(store: Store, first: int) -> tuple[int, float]:
    """Commits in about SECONDS_PER_ROW, one paid order and its credit each."""
    n = first
    started = time.perf_counter()
    while n - first < MAX_COMMITS_PER_ROW and time.perf_counter() - started < SECONDS_PER_ROW:
        order = paid_order(n)
        async with store.unit_of_work() as uow:
            await uow.orders.add(order)
            await uow.ledger.add(credit_for(order, order.created_at))
            await uow.commit()
        n += 1
    return n - first, time.perf_counter() - started


async def _nothing() -> None:
    return None


async def postgres() -> tuple[Store, Drop] | None:
    schema = f"bench_{secrets.token_hex(4)}"
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=3)
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()

    return SqlStore(POSTGRES_URL, schema=schema), drop


async def mariadb() -> tuple[Store, Drop] | None:
    database = f"bench_{secrets.token_hex(4)}"

    async def run(statement: str) -> None:
        connection = await aiomysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3
        )
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(statement)
        finally:
            connection.close()

    try:
        await run(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    except (OSError, aiomysql.Error, TimeoutError):
        return None
    return SqlStore(MARIADB_URL, schema=database), lambda: run(f"DROP DATABASE `{database}`")


async def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="store_writes_"))
    stores: list[tuple[str, Callable[[], Awaitable[tuple[Store, Drop] | None]]]] = [
        ("memory", lambda: _ready(MemoryStore())),
        ("json", lambda: _ready(JsonJournalStore(directory / "credits.json"))),
        ("sqlite", lambda: _ready(SqlStore(f"sqlite:///{directory}/store.db"))),
        ("postgresql", postgres),
        ("mariadb", mariadb),
    ]
    print(f"# store writes: {platform.machine()}, Python {sys.version.split()[0]}")
    print(f"{'store':<11} {'history':>8} {'commits':>8} {'seconds':>8} {'commits/s':>10}")
    for name, make in stores:
        made = await make()
        if made is None:
            print(f"{name:<11} {'unreachable, skipped':>37}")
            continue
        store, drop = made
        try:
            await store.open()
            size = 0
            for history in HISTORY:
                await grow_history(store, size, history)
                commits, seconds = await commit_rate(store, 10_000_000 * (1 + history))
                size = history
                rate = commits / seconds
                print(f"{name:<11} {history:>8,} {commits:>8,} {seconds:>8.2f} {rate:>10,.0f}")
        finally:
            await store.close()
            await drop()


async def _ready(store: Store) -> tuple[Store, Drop]:
    return store, _nothing


if __name__ == "__main__":
    asyncio.run(main())
