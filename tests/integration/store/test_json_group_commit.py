"""The JSON journal's group commit: units that commit together share one write and one
sync, each stays all-or-nothing, a failed flush fails its whole group and leaves memory
as the files hold it, and nothing answers before what it saw is synced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from adapters.store import json_journal
from adapters.store.json_journal import JsonJournalStore

from .builders import active_order
from .group_units import add_order, ids_on_disk, pay, stored_ids

Sync = Callable[[int], None]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[JsonJournalStore]:
    opened = JsonJournalStore(tmp_path / "credits.json")
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Monotonic times at which the journal's syncs ended."""
    ended: list[float] = []
    real: Sync = json_journal._sync

    def counted(fd: int) -> None:
        real(fd)
        ended.append(time.monotonic())

    monkeypatch.setattr(json_journal, "_sync", counted)
    return ended


async def in_files(path: Path) -> set[str]:
    """What a fresh process would find."""
    return await ids_on_disk(JsonJournalStore(path))


async def test_concurrent_units_share_syncs_and_all_land(
    store: JsonJournalStore, syncs: list[float], tmp_path: Path
) -> None:
    ids = [f"ORDER_{n}" for n in range(40)]

    await asyncio.gather(*(add_order(store, order_id) for order_id in ids))

    assert len(syncs) < len(ids) / 4, f"{len(syncs)} syncs for {len(ids)} units"
    assert await in_files(tmp_path / "credits.json") == set(ids)
    journal = (tmp_path / "credits.json.journal").read_text().splitlines()
    assert len(journal) == 1 + len(ids), "one line per unit of work"


async def test_a_failing_unit_does_not_fail_its_group(
    store: JsonJournalStore, syncs: list[float], tmp_path: Path
) -> None:
    async def failing() -> None:
        async with store.unit_of_work() as uow:
            await uow.orders.add(active_order("ORDER_BAD"))
            raise RuntimeError("the use case changed its mind")

    outcomes = await asyncio.gather(
        add_order(store, "ORDER_1"), failing(), add_order(store, "ORDER_2"), return_exceptions=True
    )

    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], RuntimeError)
    assert len(syncs) == 1
    assert await in_files(tmp_path / "credits.json") == {"ORDER_1", "ORDER_2"}


async def test_a_failed_flush_fails_its_whole_group_and_memory_matches_the_files(
    store: JsonJournalStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await add_order(store, "ORDER_BEFORE")
    async with store.unit_of_work() as uow:
        before = await uow.orders.get("ORDER_BEFORE")
    assert before is not None
    refusals = [OSError("EIO")]
    real: Sync = json_journal._sync

    def refuse_once(fd: int) -> None:
        if refusals:
            raise refusals.pop()
        real(fd)

    monkeypatch.setattr(json_journal, "_sync", refuse_once)

    outcomes = await asyncio.gather(
        pay(store, "ORDER_BEFORE"),
        *(add_order(store, f"ORDER_{n}") for n in range(3)),
        return_exceptions=True,
    )

    assert all(isinstance(o, OSError) for o in outcomes), outcomes
    assert await stored_ids(store) == {"ORDER_BEFORE"} == await in_files(tmp_path / "credits.json")
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_BEFORE") == before
    await add_order(store, "ORDER_AFTER")
    assert await in_files(tmp_path / "credits.json") == {"ORDER_BEFORE", "ORDER_AFTER"}


async def test_a_reader_that_saw_an_unflushed_write_answers_after_its_sync(
    store: JsonJournalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_order(store, "ORDER_A")
    synced: list[float] = []
    real: Sync = json_journal._sync

    def slow(fd: int) -> None:
        time.sleep(0.2)
        real(fd)
        synced.append(time.monotonic())

    monkeypatch.setattr(json_journal, "_sync", slow)
    seen: list[str] = []

    async def read() -> float:
        async with store.unit_of_work() as uow:
            order = await uow.orders.get("ORDER_A")
            assert order is not None
            seen.append(order.status.value)
        return time.monotonic()

    async def report() -> float:
        orders = await store.reports().recent_orders(1)
        seen.append(orders[0].status.value)
        return time.monotonic()

    _, read_at, report_at = await asyncio.gather(pay(store, "ORDER_A"), read(), report())

    assert seen == ["PAID", "PAID"]
    assert synced and read_at >= synced[0] and report_at >= synced[0]


async def test_a_unit_goes_on_after_its_commit_was_synced(
    store: JsonJournalStore, syncs: list[float], tmp_path: Path
) -> None:
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_1"))
        await uow.commit()
        assert len(syncs) == 1
        assert await uow.orders.get("ORDER_1") is not None
        await uow.orders.add(active_order("ORDER_2"))
        await uow.commit()

    assert await in_files(tmp_path / "credits.json") == {"ORDER_1", "ORDER_2"}
