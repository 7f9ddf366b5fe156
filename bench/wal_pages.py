"""How many pages a success webhook adds to SQLite's WAL, and of which table or index.

Every COMMIT writes each page its group changed to the WAL and syncs it; the WAL is then
copied into the database file page by page (`adapters/store/sql/wal_checkpoints.py`).
This drives our app as `checkout serve` builds it straight through ASGI (as
`bench/cpu_per_request.py` does, the outbox relay idle) over an SQLite store with
`--history` paid orders and its own copies of the WAL turned off (they would restart it
from its start), empties the WAL (a TRUNCATE checkpoint), sends signed success
webhooks for distinct orders by 1 caller (each its own group commit) and by 16, reads the
page number of every frame the WAL then holds and names its table or index (SQLite's
`dbstat`). One table of frames per webhook by B-tree and callers.

    .venv/bin/python bench/wal_pages.py [--history 1000] [--webhooks 400]
"""

from __future__ import annotations

import argparse
import sqlite3
import struct
import sys
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpu_per_request import app_over, asgi_caller, webhook_request, webhooks
from seeded_server import seed

from adapters.store.sql import store as sql_store
from adapters.store.sql.wal_checkpoints import WalCheckpoints

WAL_HEADER = 32
FRAME_HEADER = 24
CALLERS = (1, 16)
WARM_UP = 20


def frames_by_tree(database: Path, page_size: int) -> Counter[str]:
    """The frames now in `database`'s WAL, counted by the table or index of their page."""
    with closing(sqlite3.connect(database)) as reader:
        pages = reader.execute("SELECT name, pageno FROM dbstat").fetchall()
    names = {page: name for name, page in pages}
    wal = (database.parent / f"{database.name}-wal").read_bytes()
    counted: Counter[str] = Counter()
    for at in range(WAL_HEADER, len(wal) - FRAME_HEADER + 1, FRAME_HEADER + page_size):
        (page,) = struct.unpack(">I", wal[at : at + 4])
        counted[names.get(page, f"page {page} (freed)")] += 1
    return counted


def empty_wal(database: Path) -> int:
    """Copy the WAL into the database file and cut it to nothing; the page size."""
    with closing(sqlite3.connect(database)) as other:
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError("the WAL could not be emptied: a reader or writer held it")
        page_size: int = other.execute("PRAGMA page_size").fetchone()[0]
    return page_size


def keep_the_wal() -> None:
    """No copy of the WAL while measuring: neither the writer's (`PRAGMA
    wal_autocheckpoint=0` on the connections opened after this) nor the background's."""
    sql_store.SQLITE_CHECKPOINT_PAGES = 0
    WalCheckpoints.committed = lambda self: None  # type: ignore[method-assign]


async def measure(args: argparse.Namespace, work: Path) -> dict[int, Counter[str]]:
    database = work / "checkout.db"
    keep_the_wal()
    app = app_over(f"sqlite:///{database}")
    container = app.state.container
    call = asgi_caller(app)
    active = WARM_UP + args.webhooks * len(CALLERS)
    by_callers: dict[int, Counter[str]] = {}
    async with app.router.lifespan_context(app):
        await seed(container.store(), f"sqlite:///{database}", "w_", args.history, active)
        requests = [webhook_request(f"w_a{n:07d}", n) for n in range(active)]
        await webhooks(call, requests[:WARM_UP], 1)
        for index, callers in enumerate(CALLERS):
            page_size = empty_wal(database)
            start = WARM_UP + index * args.webhooks
            await webhooks(call, requests[start : start + args.webhooks], callers)
            by_callers[callers] = frames_by_tree(database, page_size)
    return by_callers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=int, default=1000, help="paid orders already stored")
    parser.add_argument("--webhooks", type=int, default=400, help="webhooks per row of callers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_wal_") as work:
        by_callers = uvloop.run(measure(args, Path(work)))
    trees = sorted(
        {tree for counted in by_callers.values() for tree in counted},
        key=lambda tree: -by_callers[1][tree],
    )
    print(f"# WAL pages per success webhook, SQLite, {args.history:,} paid orders\n")
    print("| table or index | " + " | ".join(f"{c} caller{'s' * (c > 1)}" for c in CALLERS) + " |")
    print("|---|" + "---:|" * len(CALLERS))
    for tree in trees:
        row = " | ".join(f"{by_callers[c][tree] / args.webhooks:.2f}" for c in CALLERS)
        print(f"| {tree} | {row} |")
    totals = " | ".join(f"{sum(by_callers[c].values()) / args.webhooks:.1f}" for c in CALLERS)
    print(f"| all | {totals} |")


if __name__ == "__main__":
    main()
