"""A separate process writing to a JSON store, for the crash and two-process tests.

Usage: python journal_writer.py PATH PREFIX COUNT [CREDIT_ORDER_ID] [--tasks=N]
    [--compact-after=N]
Adds orders PREFIX_0 .. PREFIX_{COUNT-1}, one commit each, and prints each order id on
its own line only after its commit returned (the acknowledgement the tests rely on); the
store's log lines go to stderr, so stdout holds nothing else.
With CREDIT_ORDER_ID it also credits that (paid) order after each add unless credited.
With --tasks=N, N tasks add the orders concurrently (so their commits share syncs).
With --compact-after=N the store compacts after every N lines (once they outgrow the
snapshot), so kills and the other process meet compactions in progress.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import structlog

from adapters.store.json_journal import DEFAULT_COMPACT_AFTER, JsonJournalStore
from domain.customer import Customer
from domain.errors import DuplicateCredit
from domain.ledger import credit_for
from domain.money import Money
from domain.order import Order

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def main(
    path: str, prefix: str, count: int, credit_order: str | None, tasks: int, compact_after: int
) -> None:
    store = JsonJournalStore(path, compact_after=compact_after)
    await store.open()
    numbers = iter(range(count))
    await asyncio.gather(*(write(store, prefix, numbers, credit_order) for _ in range(tasks)))
    await store.close()


async def write(
    store: JsonJournalStore, prefix: str, numbers: Iterator[int], credit_order: str | None
) -> None:
    customer = Customer.create("Asha Rao", "asha@example.com", "9876543210")
    for i in numbers:
        order = Order.create(
            f"{prefix}_{i}", Money.of("10.00"), customer, T0, customer_id="cus_asha"
        )
        async with store.unit_of_work() as uow:
            await uow.orders.add(order)
            await uow.commit()
        print(order.order_id, flush=True)
        if credit_order is not None:
            async with store.unit_of_work() as uow:
                paid = await uow.orders.get(credit_order)
                if paid is not None and await uow.ledger.get(credit_order) is None:
                    try:
                        await uow.ledger.add(credit_for(paid, T0))
                    except DuplicateCredit as exc:
                        raise AssertionError("the lock should make this impossible") from exc
                    await uow.commit()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(
        main(
            args[0],
            args[1],
            int(args[2]),
            args[3] if len(args) > 3 else None,
            int(options.get("tasks", "1")),
            int(options.get("compact-after", str(DEFAULT_COMPACT_AFTER))),
        )
    )
