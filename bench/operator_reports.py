"""How long the operator's reports hold the memory and JSON stores, by size of history.

Those stores answer every query under the lock each payment waits for, on the event loop
that serves the payments, so a report's time is a stall of every payment behind it. This
writes a history of paid orders through the store's own units of work (each failed once,
then paid and credited; a refund for one order in a hundred, settled), then times each
report the dashboard calls (the credits report's four, the statistics' three), the p50 of
`--calls` calls, in process. It also prints what the history added to the process's RSS,
per order: the memory a shop on these stores needs for its history, and for the JSON
journal the time opening it again takes (its start-up: reading the whole journal).

    .venv/bin/python bench/operator_reports.py [--stores memory,json] [--history 100000]
        [--calls 5] [--customers 1000] [--src /path/to/other/checkout]

`--src PATH` runs the same measurement on another tree too (PYTHONPATH=PATH/src) and puts
its column beside this tree's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 1_000
REPORTS = (
    "ledger_totals",
    "credits",
    "failed_attempts",
    "recent_orders",
    "order_statistics",
    "refund_totals",
    "recent_refunds",
)


def history_unit(number: int, now: datetime, customers: int) -> tuple[Any, Any, Any | None]:
    """One paid order (a failed attempt, then a success) of one of `customers` customers
    (each with an e-mail and a phone of their own), its grant, and in one order of a hundred
    a settled refund."""
    from domain.customer import Customer, customer_id_for_email
    from domain.ledger import credit_for
    from domain.money import Money
    from domain.order import AttemptStatus, Order, PaymentAttempt
    from domain.refunds import Refund, RefundState

    amount = Money.of("100")
    email = f"buyer{number % customers}@example.com"
    at = now + timedelta(seconds=number)
    order = Order.create(
        f"ORDER_{number:08d}",
        amount,
        Customer("Bench Buyer", email, f"9{number % customers:09d}"),
        at,
        customer_id=customer_id_for_email(email),
    )
    order.activate(f"cf_{number}", f"session_{number}", at)
    for place, status in ((1, AttemptStatus.FAILED), (2, None)):
        attempt = PaymentAttempt(
            payment_id=f"{number}_{place}",
            status=status or AttemptStatus.SUCCESS,
            amount=amount,
            at=at,
            message="declined" if status else "Transaction successful",
            method="upi",
            bank_reference=f"{number:010d}{place:02d}",  # a UTR's twelve digits
        )
        order.record_attempt(attempt, at)
    refund = None
    if number % 100 == 0:
        refund = Refund.request(
            f"refund_{number}",
            order.order_id,
            order.customer_id,
            Money.of("10"),
            "bench",
            at,
            paid=amount,
        )
        refund.settle(RefundState.SUCCESS, at, f"cf_refund_{number}")
    return order, credit_for(order, at), refund


async def measure(store_kind: str, history: int, calls: int, customers: int) -> dict[str, float]:
    from json_compaction import rss_mb

    from adapters.store.json_journal import JsonJournalStore
    from adapters.store.memory import MemoryStore

    work = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    store: Any = MemoryStore() if store_kind == "memory" else JsonJournalStore(work / "c.json")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    gc.collect()
    rss_before = rss_mb()
    try:
        for start in range(0, history, CHUNK):
            async with store.unit_of_work() as uow:
                for number in range(start, min(start + CHUNK, history)):
                    order, grant, refund = history_unit(number, now, customers)
                    await uow.orders.add(order)
                    await uow.ledger.add(grant)
                    if refund is not None:
                        await uow.refunds.add(refund)
                await uow.commit()
        gc.collect()
        kb_per_order = (rss_mb() - rss_before) * 1024 / history
        reports = store.reports()
        runs: dict[str, Callable[[], Awaitable[Any]]] = {
            "ledger_totals": reports.ledger_totals,
            "credits": lambda: reports.credits(50),
            "failed_attempts": lambda: reports.failed_attempts(50),
            "recent_orders": lambda: reports.recent_orders(50),
            "order_statistics": reports.order_statistics,
            "refund_totals": reports.refund_totals,
            "recent_refunds": lambda: reports.recent_refunds(50),
        }
        times: dict[str, float] = {}
        for name in REPORTS:
            taken = []
            for _ in range(calls):
                started = time.perf_counter()
                await runs[name]()
                taken.append(time.perf_counter() - started)
            times[name] = 1000 * statistics.median(taken)
        result = {**times, "kb_per_order": kb_per_order}
        if store_kind == "json":
            await store.close()
            started = time.perf_counter()
            store = JsonJournalStore(work / "c.json")
            await store.open()
            result["open_seconds"] = time.perf_counter() - started
        return result
    finally:
        await store.close()


def run_tree(
    src: Path, store_kind: str, history: int, calls: int, customers: int
) -> dict[str, float]:
    """This script's measurement in a process of its own, on the tree at `src`."""
    env = {**os.environ, "PYTHONPATH": f"{src / 'src'}"}
    argv = [sys.executable, __file__, "--one", store_kind, str(history), str(calls), str(customers)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=1800)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="memory,json")
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--customers", type=int, default=1_000, help="whose the orders are")
    parser.add_argument("--src", type=Path, help="another tree to measure beside this one")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, history, calls, customers = args.one[0], *map(int, args.one[1:])
        print(json.dumps(asyncio.run(measure(kind, history, calls, customers))))
        return 0
    trees = [("this tree", ROOT)] + ([(f"--src {args.src}", args.src)] if args.src else [])
    print(
        f"# The operator's reports, p50 of {args.calls} calls, ms, history "
        f"{args.history:,} paid orders of {args.customers:,} customers "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {os.getloadavg()[0]:.2f})\n"
    )
    print("| store | report | " + " | ".join(name for name, _ in trees) + " |")
    print("|---|---|" + "---:|" * len(trees))
    for kind in args.stores.split(","):
        results = [
            run_tree(src, kind, args.history, args.calls, args.customers) for _, src in trees
        ]
        for report in REPORTS:
            cells = " | ".join(f"{r[report]:.2f}" for r in results)
            print(f"| {kind} | {report} | {cells} |")
        totals = " | ".join(f"{sum(r[report] for report in REPORTS):.2f}" for r in results)
        print(f"| {kind} | all seven (one dashboard refresh) | {totals} |")
        memory = " | ".join(f"{r['kb_per_order']:.2f} KB" for r in results)
        print(f"| {kind} | RSS the history added, per order | {memory} |")
        if kind == "json":
            opened = " | ".join(f"{r['open_seconds']:.2f} s" for r in results)
            print(f"| {kind} | the store opened again (start-up) | {opened} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
