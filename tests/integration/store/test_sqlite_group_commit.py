"""SQLite's group commit: units that arrive together share one COMMIT, each stays
all-or-nothing, and nothing answers before the group it joined is on disk."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from adapters.store.sql import group_commit, wal_checkpoints
from adapters.store.sql.store import SQLITE_CHECKPOINT_PAGES, SqlStore
from adapters.store.sql.tables import ORDERS

from .builders import active_order
from .group_units import add_order, ids_on_disk, pay


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path / 'group.db'}")
    await store.open()
    yield store
    await store.close()


def on_commit(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> None:
    """Run `before` ahead of each group's COMMIT (in the commit's thread)."""
    real = group_commit.commit

    def hooked(connection: Any) -> None:
        before()
        real(connection)

    monkeypatch.setattr(group_commit, "commit", hooked)


def count_commits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Monotonic times at which the store's connection committed."""
    commits: list[float] = []
    on_commit(monkeypatch, lambda: commits.append(time.monotonic()))
    return commits


async def stored_ids(path: Path) -> set[str]:
    """What a fresh process would find in the file."""
    return await ids_on_disk(SqlStore(f"sqlite:///{path}"))


async def test_concurrent_units_share_commits_and_all_land(
    sqlite_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(monkeypatch)
    ids = [f"ORDER_{n}" for n in range(40)]

    await asyncio.gather(*(add_order(sqlite_store, order_id) for order_id in ids))

    assert len(commits) < len(ids) / 4, f"{len(commits)} commits for {len(ids)} units"
    assert await stored_ids(tmp_path / "group.db") == set(ids)


async def test_a_failing_unit_does_not_fail_its_group(
    sqlite_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(monkeypatch)

    async def failing() -> None:
        async with sqlite_store.unit_of_work() as uow:
            await uow.orders.add(active_order("ORDER_BAD"))
            raise RuntimeError("the use case changed its mind")

    outcomes = await asyncio.gather(
        add_order(sqlite_store, "ORDER_1"),
        failing(),
        add_order(sqlite_store, "ORDER_2"),
        return_exceptions=True,
    )

    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], RuntimeError)
    assert len(commits) == 1
    assert await stored_ids(tmp_path / "group.db") == {"ORDER_1", "ORDER_2"}


async def test_a_failed_commit_fails_every_unit_of_the_group_and_keeps_none(
    sqlite_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_order(sqlite_store, "ORDER_BEFORE")
    failures = [True]

    def refuse_once() -> None:
        if failures and failures.pop():
            raise OSError("disk I/O error")

    on_commit(monkeypatch, refuse_once)

    outcomes = await asyncio.gather(
        *(add_order(sqlite_store, f"ORDER_{n}") for n in range(3)), return_exceptions=True
    )

    assert all(isinstance(o, OSError) for o in outcomes), outcomes
    assert await stored_ids(tmp_path / "group.db") == {"ORDER_BEFORE"}
    await add_order(sqlite_store, "ORDER_AFTER")
    assert await stored_ids(tmp_path / "group.db") == {"ORDER_BEFORE", "ORDER_AFTER"}


async def test_a_reader_that_saw_an_unflushed_write_answers_after_the_commit(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_order(sqlite_store, "ORDER_A")
    commits = count_commits(monkeypatch)
    on_commit(monkeypatch, lambda: time.sleep(0.2))
    seen: list[tuple[str, float]] = []

    async def read() -> None:
        async with sqlite_store.unit_of_work() as uow:
            order = await uow.orders.get("ORDER_A")
            assert order is not None
            seen.append((order.status.value, 0.0))
        seen[-1] = (seen[-1][0], time.monotonic())

    await asyncio.gather(pay(sqlite_store, "ORDER_A"), read())

    status, answered_at = seen[0]
    assert status == "PAID"
    assert commits and answered_at >= commits[0]


async def test_units_go_on_after_a_commit(sqlite_store: SqlStore, tmp_path: Path) -> None:
    async with sqlite_store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_1"))
        await uow.commit()
        await uow.orders.add(active_order("ORDER_2"))
        await uow.commit()

    assert await stored_ids(tmp_path / "group.db") == {"ORDER_1", "ORDER_2"}


async def test_a_cancelled_unit_neither_fails_nor_blocks_the_others(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    tasks = [asyncio.create_task(add_order(sqlite_store, f"ORDER_{n}")) for n in range(6)]
    await asyncio.sleep(0)
    tasks[3].cancel()

    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[3], asyncio.CancelledError)
    assert [o for n, o in enumerate(outcomes) if n != 3] == [None] * 5
    assert {f"ORDER_{n}" for n in (0, 1, 2, 4, 5)} <= await stored_ids(tmp_path / "group.db")
    await asyncio.wait_for(sqlite_store.close(), timeout=5)


async def test_a_unit_waits_off_the_loop_while_another_process_writes(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    """The lock asked for at once is refused, so the group waits for it in a thread: the
    loop goes on meanwhile, and the unit lands once the other writer lets go."""
    other = sqlite3.connect(tmp_path / "group.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    unit = asyncio.create_task(add_order(sqlite_store, "ORDER_1"))
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert not unit.done()
    other.execute("COMMIT")
    other.close()

    await asyncio.wait_for(unit, timeout=5)

    assert ticks == 20
    assert await stored_ids(tmp_path / "group.db") == {"ORDER_1"}


async def test_an_uncontended_group_begins_on_the_loop_and_commits_on_the_disk_thread(
    sqlite_store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(function, "__name__", repr(function)))
        return await real_to_thread(function, *args, **kwargs)

    await add_order(sqlite_store, "ORDER_1")  # the writer's connection is opened now
    monkeypatch.setattr(asyncio, "to_thread", counted)
    committed_on: list[str] = []
    on_commit(monkeypatch, lambda: committed_on.append(threading.current_thread().name))

    await add_order(sqlite_store, "ORDER_2")

    assert hops == []
    assert committed_on == ["sqlite-commit"]
    assert await stored_ids(tmp_path / "group.db") == {"ORDER_1", "ORDER_2"}


async def test_a_core_statement_joins_the_transaction_the_writer_began(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    """The writer begins on the driver; a Core statement in the same group begins no
    second transaction, and the COMMIT leaves SQLAlchemy tracking none."""
    async with sqlite_store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_1"))
        await uow.session.execute(delete(ORDERS).where(ORDERS.c.order_id == "ORDER_1"))
        await uow.orders.add(active_order("ORDER_2"))
        await uow.commit()
    await add_order(sqlite_store, "ORDER_3")

    assert await stored_ids(tmp_path / "group.db") == {"ORDER_2", "ORDER_3"}
    writer = sqlite_store._group._connection if sqlite_store._group else None
    assert writer is not None and not writer.in_transaction()


async def test_the_writer_syncs_every_commit_and_bounds_the_wal(sqlite_store: SqlStore) -> None:
    """`synchronous=FULL`: each COMMIT syncs the WAL before any unit of its group answers;
    the writer's own copy of the WAL waits for `SQLITE_CHECKPOINT_PAGES` (see `store`)."""
    await add_order(sqlite_store, "ORDER_1")
    writer = sqlite_store._group._connection if sqlite_store._group else None
    assert writer is not None
    driver = group_commit.sqlite_driver(writer)

    assert driver.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert driver.execute("PRAGMA wal_autocheckpoint").fetchone() == (SQLITE_CHECKPOINT_PAGES,)


async def test_group_commits_start_checkpoints_beside_the_writer(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    """After `every` group commits a PASSIVE checkpoint copies the WAL into the database
    file on a thread of its own, and the units go on meanwhile."""
    checkpoints = sqlite_store._group._checkpoints if sqlite_store._group else None
    assert checkpoints is not None
    for number in range(wal_checkpoints.DEFAULT_EVERY):
        await add_order(sqlite_store, f"ORDER_{number}")
    await add_order(sqlite_store, "ORDER_LAST")  # while the checkpoint may still run
    await checkpoints.close()

    assert checkpoints.last is not None
    busy, pages, copied = checkpoints.last
    assert busy == 0 and pages > 0 and copied == pages
    assert len(await stored_ids(tmp_path / "group.db")) == wal_checkpoints.DEFAULT_EVERY + 1
