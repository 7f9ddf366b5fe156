"""What only the JSON store promises: crash safety, many processes, compaction."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from adapters.store import json_journal
from adapters.store.json_journal import JournalCorrupted, JsonJournalStore
from domain.order import AttemptStatus

from .builders import active_order, at, attempt, credit, paid_order
from .journal_files import add_orders, start_writer, stored_ids

ACKS_BEFORE_KILL = 150


@pytest.fixture(params=[None, 7], ids=["chunks of 1 MiB", "chunks of 7 bytes"])
def replay_chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal is read back a chunk at a time; with 7 bytes every line spans chunks."""
    if request.param is not None:
        monkeypatch.setattr(json_journal, "_REPLAY_CHUNK", request.param)


def _append(path: Path, data: bytes) -> None:
    """What a crash mid-write leaves behind."""
    with open(path, "ab") as file:
        file.write(data)


@pytest.mark.parametrize("tasks", [1, 16])
async def test_sigkill_mid_stream_keeps_every_acknowledged_write(
    tmp_path: Path, tasks: int
) -> None:
    """With 16 tasks the commits share syncs: still, every acknowledged one survives."""
    path = tmp_path / "credits.json"
    writer = start_writer(path, "KILLED", 1_000_000, f"--tasks={tasks}")
    assert writer.stdout is not None
    acknowledged: list[str] = []
    while len(acknowledged) < ACKS_BEFORE_KILL:
        line = await asyncio.to_thread(writer.stdout.readline)
        assert line, "the writer ended before it was killed"
        acknowledged.append(line.strip())
    writer.send_signal(signal.SIGKILL)
    rest = await asyncio.to_thread(writer.stdout.read)
    writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    acknowledged += [line for line in rest.splitlines() if line.endswith(tuple("0123456789"))]

    present = await stored_ids(path)

    assert set(acknowledged) <= present
    assert len(present) - len(acknowledged) <= tasks


@pytest.mark.usefixtures("replay_chunk")
async def test_a_torn_last_line_is_cut_and_writing_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_A", "ORDER_B")
    await store.close()
    journal = path.with_name("credits.json.journal")
    _append(journal, b'{"ops":[{"op":"order","order":{"order_id":"ORDER_TORN"')

    reopened = JsonJournalStore(path)
    await add_orders(reopened, "ORDER_C")
    await reopened.close()

    assert await stored_ids(path) == {"ORDER_A", "ORDER_B", "ORDER_C"}
    assert all(json.loads(line) for line in journal.read_text().splitlines())


@pytest.mark.usefixtures("replay_chunk")
async def test_trailing_zeros_from_a_power_loss_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_A")
    await store.close()
    _append(path.with_name("credits.json.journal"), b"\x00" * 512)
    assert await stored_ids(path) == {"ORDER_A"}


@pytest.mark.usefixtures("replay_chunk")
async def test_corruption_before_the_last_line_refuses_to_open(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_A", "ORDER_B", "ORDER_C")
    await store.close()
    journal = path.with_name("credits.json.journal")
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[2] = b'{"ops": [garbage\n'
    journal.write_bytes(b"".join(lines))

    with pytest.raises(JournalCorrupted, match="line 3"):
        await stored_ids(path)


async def test_two_processes_on_one_file_lose_nothing_and_credit_once(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    paid = paid_order("ORDER_SHARED")
    async with store.unit_of_work() as uow:
        await uow.orders.add(paid)
        await uow.commit()

    writers = [start_writer(path, prefix, 150, "ORDER_SHARED") for prefix in ("P1", "P2")]
    outputs = [await asyncio.to_thread(w.communicate, timeout=60) for w in writers]

    assert [w.returncode for w in writers] == [0, 0]
    assert all(len(out.split()) == 150 for out, _ in outputs)
    orders = await store.reports().recent_orders(1000)
    totals = await store.reports().ledger_totals()
    await store.close()
    expected = {f"{p}_{i}" for p in ("P1", "P2") for i in range(150)} | {"ORDER_SHARED"}
    assert {o.order_id for o in orders} == expected
    assert totals.entries == 1


async def test_another_writer_is_seen_on_entering_a_unit_of_work(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    mine, theirs = JsonJournalStore(path), JsonJournalStore(path, compact_after=2)
    await add_orders(mine, "ORDER_A")
    await add_orders(theirs, "ORDER_B", "ORDER_C", "ORDER_D")
    async with mine.unit_of_work() as uow:
        for order_id in ("ORDER_A", "ORDER_C", "ORDER_D"):
            assert await uow.orders.get(order_id) is not None
        order = await uow.orders.get("ORDER_B")
        assert order is not None
        order.record_attempt(attempt("p1", AttemptStatus.SUCCESS), at(1))
        await uow.orders.save(order)
        await uow.ledger.add(credit(order))
        await uow.commit()
    async with theirs.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_B") == order
        assert await uow.ledger.get("ORDER_B") == credit(order)
    assert {o.order_id for o in await theirs.reports().recent_orders(10)} == {
        "ORDER_A",
        "ORDER_B",
        "ORDER_C",
        "ORDER_D",
    }
    await theirs.reset()
    assert await mine.reports().recent_orders(10) == []
    await mine.close()
    await theirs.close()


async def test_compaction_writes_a_snapshot_and_restarts_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=4)
    order_ids = [f"ORDER_{i}" for i in range(10)]
    await add_orders(store, *order_ids)
    await store.close()

    snapshot = json.loads(path.read_text())
    journal = path.with_name("credits.json.journal").read_text().splitlines()
    assert snapshot["generation"] >= 1
    assert json.loads(journal[0]) == {"generation": snapshot["generation"]}
    assert len(snapshot["orders"]) + len(journal) - 1 == len(order_ids)
    assert await stored_ids(path) == set(order_ids)


async def test_compaction_waits_until_the_journal_outgrows_the_snapshot(tmp_path: Path) -> None:
    """Rewriting a big snapshot every few commits would make each commit cost the history."""
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=1)
    async with store.unit_of_work() as uow:
        for i in range(50):
            await uow.orders.add(active_order(f"ORDER_OLD_{i}"))
        await uow.commit()
    await add_orders(store, *(f"ORDER_NEW_{i}" for i in range(5)))
    await store.close()

    assert len(json.loads(path.read_text())["orders"]) == 50
    assert len(path.with_name("credits.json.journal").read_text().splitlines()) == 1 + 5


async def test_a_crash_between_snapshot_and_journal_restart_replays_nothing_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_A", "ORDER_B")
    await store.reset()
    await add_orders(store, "ORDER_C")
    journal = path.with_name("credits.json.journal")
    before = journal.read_bytes()
    await store.compact()
    await store.close()
    journal.write_bytes(before)

    assert await stored_ids(path) == {"ORDER_C"}
    assert json.loads(journal.read_text().splitlines()[0]) == {"generation": 1}


async def test_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_A")
    await store.close()
    assert sorted(os.listdir(path.parent)) == [
        "credits.json.journal",
        "credits.json.lock",
    ]
