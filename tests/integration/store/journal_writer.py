"""A separate process writing to a JSON store, for the crash and two-process tests.

Usage: python journal_writer.py PATH PREFIX COUNT [CREDIT_ORDER_ID]
Adds orders PREFIX_0 .. PREFIX_{COUNT-1}, one commit each, and prints each order id on
its own line only after its commit returned (the acknowledgement the tests rely on).
With CREDIT_ORDER_ID it also credits that (paid) order after each add unless credited.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from adapters.store.json_journal import JsonJournalStore
from domain.customer import Customer
from domain.errors import DuplicateCredit
from domain.ledger import credit_for
from domain.money import Money
from domain.order import Order

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def main(path: str, prefix: str, count: int, credit_order: str | None) -> None:
    store = JsonJournalStore(path)
    await store.open()
    customer = Customer.create("Asha Rao", "asha@example.com", "9876543210")
    for i in range(count):
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
    await store.close()


if __name__ == "__main__":
    asyncio.run(
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    )
