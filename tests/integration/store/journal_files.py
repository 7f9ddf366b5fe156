"""What the JSON store's tests do to its files: add orders, read them back, start a writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from adapters.store.json_journal import JsonJournalStore

from .builders import active_order

WRITER = Path(__file__).with_name("journal_writer.py")


async def add_orders(store: JsonJournalStore, *order_ids: str) -> None:
    """One commit per order."""
    for order_id in order_ids:
        async with store.unit_of_work() as uow:
            await uow.orders.add(active_order(order_id))
            await uow.commit()


async def stored_ids(path: Path) -> set[str]:
    """The order ids a store opened afresh on `path` finds."""
    store = JsonJournalStore(path)
    try:
        return {o.order_id for o in await store.reports().recent_orders(1_000_000)}
    finally:
        await store.close()


def start_writer(path: Path, prefix: str, count: int, *extra: str) -> subprocess.Popen[str]:
    """`journal_writer.py` in a process of its own (see its docstring for `extra`)."""
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(path), prefix, str(count), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
