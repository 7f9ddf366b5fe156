"""What a page of `checkout backfill-references` costs the store, by store and size of
history: the time one `payments_without_reference` call holds it (SQLite's write gate, the
JSON store's file lock, the memory store's lock: what payments wait behind meanwhile).

For each store it writes a history of paid orders (as `bench/seeded_server.py` does) and
times the p50 of `--calls` calls of a page of 100, in process, in three states:

- before the backfill: every payment without its bank reference (a shop upgraded from
  before migration 0004): the first page and one from the middle of the history;
- failed attempts without one: the same history with every attempt FAILED (SQL only): what
  a shop whose payments all have references but whose failed attempts carry none (they
  often do not) pays to find that there is nothing to do, through `bank_reference = ''`;
- after: every payment with its reference, nothing to find.

The SQL stores read a window of 1,000 orders (or refunds) a transaction, so "nothing to
find" is the whole walk: its windows, each a transaction of its own, are what payments wait
behind (the 1,000-order row gives one).

    .venv/bin/python bench/backfill_pages.py [--stores memory,json,sqlite,postgresql]
        [--history 1000,100000] [--calls 50]

PostgreSQL needs a server at postgresql://postgres@127.0.0.1:5432/test (a throwaway
database per size, dropped after).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import fresh_store_url, p50_ms, run_grid
from seeded_server import CHUNK, paid_order, seed

from adapters.store.url import store_from_url

PREFIX = "B"
PAGE = 100
SQL = ("sqlite", "postgresql")


def history_id(number: int) -> str:
    return f"{PREFIX}h{number:07d}"


async def seed_without_references(store: Any, history: int) -> None:
    """Memory and JSON: the history as a version before 0004 recorded it."""
    now = datetime.now(UTC) - timedelta(days=1)
    for start in range(0, history, CHUNK):
        async with store.unit_of_work() as uow:
            for number in range(start, min(start + CHUNK, history)):
                order = paid_order(history_id(number), number, now)
                order.attempts[:] = [replace(a, bank_reference="") for a in order.attempts]
                await uow.orders.add(order)
            await uow.commit()
    compact = getattr(store, "compact", None)
    if compact is not None:
        await compact()


async def sql(store: Any, statement: str) -> None:
    from sqlalchemy import Connection, text

    def run(connection: Connection) -> None:
        connection.execute(text(statement))
        connection.commit()

    await store.migrations.run(run)


async def pages(store: Any, history: int, calls: int, state: str) -> dict[str, float]:
    reports = store.reports()
    middle = history_id(history // 2)
    if state == "before":
        first = await reports.payments_without_reference("", PAGE)
        assert first == [history_id(n) for n in range(min(PAGE, history))], first[:3]
        assert (await reports.payments_without_reference(middle, PAGE))[0] > middle
        return {
            "before: first page": await p50_ms(
                lambda: reports.payments_without_reference("", PAGE), calls
            ),
            "before: a middle page": await p50_ms(
                lambda: reports.payments_without_reference(middle, PAGE), calls
            ),
        }
    assert await reports.payments_without_reference("", PAGE) == []
    return {
        f"{state}: nothing to find": await p50_ms(
            lambda: reports.payments_without_reference("", PAGE), calls
        )
    }


async def measure(kind: str, history: int, calls: int, directory: Path) -> dict[str, float]:
    async def run(store_url: str) -> dict[str, float]:
        figures: dict[str, float] = {}
        store = store_from_url(store_url, auto_migrate=True)
        await store.open()
        try:
            if kind in SQL:
                await seed(store, store_url, PREFIX, history, 0)
                await sql(store, "UPDATE payment_attempts SET bank_reference = ''")
                figures |= await pages(store, history, calls, "before")
                await sql(store, "UPDATE payment_attempts SET status = 'FAILED'")
                figures |= await pages(store, history, calls, "failed without")
                await sql(
                    store,
                    "UPDATE payment_attempts SET status = 'SUCCESS', bank_reference = payment_id",
                )
                figures |= await pages(store, history, calls, "after")
            else:
                await seed_without_references(store, history)
                figures |= await pages(store, history, calls, "before")
        finally:
            await store.close()
        if kind not in SQL:
            referenced = store_from_url(f"{store_url}.after" if kind == "json" else store_url)
            await referenced.open()
            try:
                await seed(referenced, "memory://", PREFIX, history, 0)
                figures |= await pages(referenced, history, calls, "after")
            finally:
                await referenced.close()
        return figures

    async with fresh_store_url(kind, history, directory, "bench_backfill_") as url:
        return await run(url)


def main() -> int:
    columns = [
        "before: first page",
        "before: a middle page",
        "failed without: nothing to find",
        "after: nothing to find",
    ]
    title = f"a page of {PAGE} of the references' backfill"
    return run_grid(__doc__.split("\n\n")[0], title, measure, columns)


if __name__ == "__main__":
    raise SystemExit(main())
