"""What a PostgreSQL webhook's round trips cost, against the same writes as one statement
(issue 10, ninth round).

Until the tenth round a success webhook on PostgreSQL read its order, then wrote in a
transaction of its own: `BEGIN`, the order and its attempt (one statement of two CTEs), the
credit grant and the outbox message (each an insert-or-ignore), `COMMIT`: six round trips.
Each costs a write and a read on the socket, a wake-up of a database backend and one of
our event loop, on the same two cores. This measures that shape against the read, then
every write in one autocommit statement of CTEs, each insert conditioned on the order's
version check, so a conflict still writes nothing (two round trips). The store now sends
that shape (`adapters/store/sql/held_writes.py`), with a guard that aborts the statement
instead of conditioning each insert.

It runs in a throwaway database with tables of the same shape as ours (not our schema),
straight on asyncpg, with 1 and 16 connections each taking orders from one queue; every
figure is per webhook: our CPU, the backends' CPU (read from /proc) and the wall time.
After each cell it checks that every order has exactly one grant and one message.

    .venv/bin/python bench/pg_round_trips.py [--webhooks 3000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_webhooks import process_cpu_seconds, throwaway_database

DDL = """
CREATE TABLE orders (order_id text PRIMARY KEY, customer_id text NOT NULL,
    version int NOT NULL, status text NOT NULL, amount numeric(12, 2) NOT NULL,
    updated_at timestamptz NOT NULL);
CREATE TABLE attempts (id bigserial PRIMARY KEY, order_id text NOT NULL, payment_id text NOT NULL,
    status text NOT NULL, amount numeric(12, 2) NOT NULL, at timestamptz NOT NULL,
    UNIQUE (order_id, payment_id));
CREATE TABLE credits (order_id text PRIMARY KEY, customer_id text NOT NULL, credits int NOT NULL,
    amount numeric(12, 2) NOT NULL, at timestamptz NOT NULL);
CREATE TABLE outbox (message_id text PRIMARY KEY, order_id text NOT NULL, payload text NOT NULL,
    created_at timestamptz NOT NULL, delivered_at timestamptz);
"""
READ = "SELECT order_id, customer_id, version, amount FROM orders WHERE order_id = $1"
SAVE = """WITH saved AS (UPDATE orders
    SET version = version + 1, status = 'PAID', updated_at = now()
    WHERE order_id = $1 AND version = $2 RETURNING order_id)
INSERT INTO attempts (order_id, payment_id, status, amount, at)
SELECT order_id, $3, 'SUCCESS', $4, now() FROM saved"""
GRANT = "INSERT INTO credits VALUES ($1, $2, 100, $3, now()) ON CONFLICT DO NOTHING"
MESSAGE = "INSERT INTO outbox VALUES ($1, $2, $3, now(), NULL) ON CONFLICT DO NOTHING"
ONE = """WITH saved AS (UPDATE orders
    SET version = version + 1, status = 'PAID', updated_at = now()
    WHERE order_id = $1 AND version = $2 RETURNING order_id),
attempt AS (INSERT INTO attempts (order_id, payment_id, status, amount, at)
    SELECT order_id, $3, 'SUCCESS', $4, now() FROM saved RETURNING 1),
grant_ AS (INSERT INTO credits SELECT order_id, $5, 100, $4, now() FROM saved
    ON CONFLICT DO NOTHING RETURNING 1),
message AS (INSERT INTO outbox SELECT $6, order_id, $7, now(), NULL FROM saved
    ON CONFLICT DO NOTHING RETURNING 1)
SELECT count(*) FROM saved"""

Webhook = Callable[[asyncpg.Connection, str], Awaitable[None]]


def _payload(order_id: str) -> str:
    return f'{{"orderId": "{order_id}", "amount": "499.00", "topic": "payment.succeeded"}}'


async def six_round_trips(connection: asyncpg.Connection, order_id: str) -> None:
    order = await connection.fetchrow(READ, order_id)
    await connection.execute("BEGIN")
    await connection.execute(SAVE, order_id, order["version"], f"pay_{order_id}", order["amount"])
    await connection.execute(GRANT, order_id, order["customer_id"], order["amount"])
    await connection.execute(MESSAGE, f"msg_{order_id}", order_id, _payload(order_id))
    await connection.execute("COMMIT")


async def two_round_trips(connection: asyncpg.Connection, order_id: str) -> None:
    order = await connection.fetchrow(READ, order_id)
    saved = await connection.fetchval(
        ONE,
        order_id,
        order["version"],
        f"pay_{order_id}",
        order["amount"],
        order["customer_id"],
        f"msg_{order_id}",
        _payload(order_id),
    )
    if saved != 1:
        raise RuntimeError(f"{order_id}: the version check refused a first confirmation")


async def cell(
    url: str, shape: Webhook, connections: int, webhooks: int, prefix: str
) -> tuple[float, float, float]:
    """Our CPU, the backends' CPU and the wall time, seconds per webhook."""
    admin = await asyncpg.connect(url)
    pool = [await asyncpg.connect(url) for _ in range(connections)]
    try:
        await admin.execute(
            "INSERT INTO orders SELECT $1 || n, 'cust_' || (n % 97), 1, 'ACTIVE', 499, now() "
            "FROM generate_series(1, $2) AS n",
            prefix,
            webhooks,
        )
        queue = iter([f"{prefix}{n}" for n in range(1, webhooks + 1)])

        async def worker(connection: asyncpg.Connection) -> None:
            for order_id in queue:
                await shape(connection, order_id)

        backends = [connection.get_server_pid() for connection in pool]
        theirs = sum(process_cpu_seconds(pid) for pid in backends)
        ours, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(connection) for connection in pool))
        wall = time.perf_counter() - wall
        ours = time.process_time() - ours
        theirs = sum(process_cpu_seconds(pid) for pid in backends) - theirs
        counts = await admin.fetchrow(
            "SELECT (SELECT count(*) FROM credits WHERE order_id LIKE $1 || '%') AS grants, "
            "(SELECT count(*) FROM outbox WHERE order_id LIKE $1 || '%') AS messages",
            prefix,
        )
        if counts["grants"] != webhooks or counts["messages"] != webhooks:
            raise RuntimeError(f"{prefix}: not one grant and one message per order: {counts}")
    finally:
        for connection in (admin, *pool):
            await connection.close()
    return ours / webhooks, theirs / webhooks, wall / webhooks


async def main(args: argparse.Namespace) -> None:
    async with throwaway_database("bench_trips_") as (url, _):
        setup = await asyncpg.connect(url)
        await setup.execute(DDL)
        await setup.close()
        print(
            f"# A PostgreSQL webhook's writes: six round trips or two ({datetime.now(UTC):%H:%M} "
            f"UTC, load average {os.getloadavg()[0]:.2f}, {args.webhooks:,} webhooks a cell)\n"
        )
        print(
            "| shape | connections | round | ours µs | backends µs | total µs | wall µs "
            "| per second |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        shapes = (
            ("read, then BEGIN, 3 writes, COMMIT", six_round_trips),
            ("read, then one statement", two_round_trips),
        )
        for connections in (1, 16):
            for round_number in range(1, args.rounds + 1):
                for index, (name, shape) in enumerate(shapes):
                    prefix = f"c{connections}r{round_number}s{index}_"
                    ours, theirs, wall = await cell(url, shape, connections, args.webhooks, prefix)
                    print(
                        f"| {name} | {connections} | {round_number} | {ours * 1e6:,.0f} | "
                        f"{theirs * 1e6:,.0f} | {(ours + theirs) * 1e6:,.0f} | "
                        f"{wall * 1e6:,.0f} | {1 / wall:,.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--webhooks", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    uvloop.run(main(parser.parse_args()))
