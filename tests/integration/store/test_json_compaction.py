"""The JSON store's compaction: written while payments go on, switched in crash-safely."""

from __future__ import annotations

import asyncio
import errno
import json
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from adapters.store.json_journal import JournalCorrupted, JsonJournalStore, _Journal
from application.store_digest import canonical
from application.store_transfer import RecordKind
from integration.transfer.rich_data import fill

from .builders import paid_order
from .journal_files import add_orders, start_writer, stored_ids


class HeldSnapshot:
    """Holds every snapshot write until `release`, so a test can act while it runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self._release = threading.Event()
        self.write = write = _Journal.write_snapshot

        def held(journal: _Journal, capture: Any) -> int:
            self.started.set()
            if not self._release.wait(timeout=30):
                raise TimeoutError("the test never released the snapshot")
            return write(journal, capture)

        monkeypatch.setattr(_Journal, "write_snapshot", held)

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 30)

    def release(self) -> None:
        self._release.set()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldSnapshot]:
    snapshot = HeldSnapshot(monkeypatch)
    yield snapshot
    snapshot.release()


async def _compacted(store: JsonJournalStore) -> None:
    """Wait for the background compaction the last commit started."""
    assert store._compaction is not None
    await asyncio.wait([store._compaction])


def _files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def _generations(path: Path) -> tuple[int, int]:
    """The snapshot's generation and the journal header's."""
    snapshot = json.loads(path.read_text())["generation"]
    journal = path.with_name(path.name + ".journal").read_text().splitlines()[0]
    return snapshot, json.loads(journal)["generation"]


def _journal_orders(path: Path) -> list[str]:
    lines = path.with_name(path.name + ".journal").read_text().splitlines()[1:]
    return [
        op["order"]["order_id"] for line in lines for op in json.loads(line)["ops"] if "order" in op
    ]


async def test_a_finished_compaction_says_what_it_wrote_and_how_long_it_took(
    tmp_path: Path,
) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=3)
    with capture_logs() as logs:
        await add_orders(store, "ORDER_1", "ORDER_2", "ORDER_3")
        await _compacted(store)
    await store.close()

    snapshot = json.loads(path.read_text())
    records = sum(len(value) for value in snapshot.values() if isinstance(value, list))
    [line] = logs
    assert line["event"] == "json_compacted"
    assert line["log_level"] == "info"
    assert line["store"] == store.description
    assert line["generation"] == snapshot["generation"] == 1
    assert line["records"] == records == 3
    assert line["snapshot_bytes"] == path.stat().st_size
    assert 0 <= line["seconds"] < 30


async def _contents(store: JsonJournalStore) -> dict[RecordKind, list[str]]:
    """Every record of every kind, in canonical form."""
    return {
        kind: sorted(
            [canonical(r) async for batch in store.transfer().batches(kind, 100) for r in batch]
        )
        for kind in RecordKind
    }


async def _compacted_rich_store(path: Path) -> dict[RecordKind, list[str]]:
    """A store with a record of every kind and shape, compacted into its snapshot and
    closed; what it held."""
    store = JsonJournalStore(path)
    await fill(store)
    held = await _contents(store)
    await store.compact()
    await store.close()
    return held


async def _reopened(path: Path) -> dict[RecordKind, list[str]]:
    store = JsonJournalStore(path)
    try:
        return await _contents(store)
    finally:
        await store.close()


async def test_a_snapshot_is_one_json_document_with_a_record_a_line(tmp_path: Path) -> None:
    """A line at a time is how it is loaded; one JSON document is how a version before
    this layout reads it."""
    path = tmp_path / "credits.json"
    held = await _compacted_rich_store(path)

    document = json.loads(path.read_bytes())
    tables = [value for value in document.values() if isinstance(value, list)]
    records = sum(len(table) for table in tables)
    assert records == sum(len(kind) for kind in held.values()) > 100
    assert len(path.read_bytes().split(b"\n")) == 1 + 2 * len(tables) + records + 1
    assert await _reopened(path) == held


async def test_a_snapshot_in_one_line_as_earlier_versions_wrote_it_still_opens(
    tmp_path: Path,
) -> None:
    path = tmp_path / "credits.json"
    held = await _compacted_rich_store(path)
    document = json.loads(path.read_bytes())
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")))

    assert await _reopened(path) == held


async def test_a_later_versions_table_in_a_snapshot_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    held = await _compacted_rich_store(path)
    later = b',"payouts":[\n{"payout_id":"p_1"}\n,{"payout_id":"p_2"}\n]\n}'
    path.write_bytes(path.read_bytes().removesuffix(b"}") + later)

    assert await _reopened(path) == held


@pytest.mark.parametrize(
    ("cut", "detail"),
    [
        (lambda raw: raw.removesuffix(b"}"), "ends before its last line"),
        (lambda raw: raw.replace(b"\n,", b"\n,{", 1), "unreadable snapshot"),
        (lambda raw: raw.replace(b"]\n", b"]\n{}\n", 1), "a record outside a table"),
    ],
    ids=["cut short", "a broken record", "a record between tables"],
)
async def test_a_damaged_snapshot_refuses_to_open(tmp_path: Path, cut: Any, detail: str) -> None:
    path = tmp_path / "credits.json"
    await _compacted_rich_store(path)
    path.write_bytes(cut(path.read_bytes()))

    with pytest.raises(JournalCorrupted, match=detail):
        await JsonJournalStore(path).open()


async def test_payments_commit_while_the_snapshot_is_written(
    tmp_path: Path, held: HeldSnapshot
) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=3)
    await add_orders(store, "ORDER_1", "ORDER_2", "ORDER_3")
    await held.wait_started()

    await asyncio.wait_for(add_orders(store, "ORDER_4", "ORDER_5"), timeout=10)
    held.release()
    await store.close()

    assert _generations(path) == (1, 1)
    assert len(json.loads(path.read_text())["orders"]) == 3
    assert _journal_orders(path) == ["ORDER_4", "ORDER_5"]
    assert _files(path) == [
        "credits.json",
        "credits.json.compact.lock",
        "credits.json.journal",
        "credits.json.lock",
    ]
    assert await stored_ids(path) == {f"ORDER_{i}" for i in range(1, 6)}


async def test_the_lines_written_during_the_switch_wait_land_in_the_new_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines appended after `.next` was prepared reach it under the lock, not lost."""
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=2)
    prepare = _Journal.prepare_switch

    def prepare_then_write_more(journal: _Journal, capture: Any) -> Any:
        prepared = prepare(journal, capture)
        asyncio.run_coroutine_threadsafe(add_orders(store, "ORDER_LATE"), loop).result(timeout=10)
        return prepared

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(_Journal, "prepare_switch", prepare_then_write_more)
    await add_orders(store, "ORDER_1", "ORDER_2")
    await store.close()

    assert _generations(path) == (1, 1)
    assert _journal_orders(path) == ["ORDER_LATE"]
    assert await stored_ids(path) == {"ORDER_1", "ORDER_2", "ORDER_LATE"}


async def test_a_crash_after_the_snapshot_rename_is_finished_on_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snapshot G+1, journal G and `.next` G+1 on disk: opening renames `.next` in."""
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=2)
    crashed = tmp_path / "crashed"

    def crash(journal: _Journal) -> None:
        shutil.copytree(tmp_path, crashed, ignore=shutil.ignore_patterns("crashed"))
        raise OSError(errno.EIO, "simulated crash before the journal's rename")

    monkeypatch.setattr(_Journal, "_adopt_next", crash)
    with capture_logs() as logs:
        await add_orders(store, "ORDER_1", "ORDER_2")
        await store.close()
    monkeypatch.undo()

    copy = crashed / "credits.json"
    assert _generations(copy) == (1, 0)
    assert (crashed / "credits.json.journal.next").exists()
    assert await stored_ids(copy) == {"ORDER_1", "ORDER_2"}
    assert _generations(copy) == (1, 1)
    assert not (crashed / "credits.json.journal.next").exists()
    assert [log["event"] for log in logs] == ["json_compaction_failed"]


async def test_the_process_whose_switch_failed_recovers_before_writing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=2)
    adopt = _Journal._adopt_next
    failures = iter([OSError(errno.EIO, "simulated failure")])

    def fail_once(journal: _Journal) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        adopt(journal)

    monkeypatch.setattr(_Journal, "_adopt_next", fail_once)
    with capture_logs():
        await add_orders(store, "ORDER_1", "ORDER_2")
        await _compacted(store)
        await add_orders(store, "ORDER_3")
        await store.close()

    assert _generations(path) == (1, 1)
    assert _journal_orders(path) == ["ORDER_3"]
    assert await stored_ids(path) == {"ORDER_1", "ORDER_2", "ORDER_3"}


async def test_a_next_journal_from_before_the_snapshot_rename_is_dropped(tmp_path: Path) -> None:
    """A crash while `.next` was written: the snapshot is still G, so `.next` means nothing."""
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    await add_orders(store, "ORDER_1", "ORDER_2")
    await store.close()
    next_journal = path.with_name("credits.json.journal.next")
    next_journal.write_bytes(b'{"generation":1}\n{"ops":[{"op":"reset"}]}\n{"ops":[{"o')

    assert await stored_ids(path) == {"ORDER_1", "ORDER_2"}
    assert not next_journal.exists()


async def test_a_failed_compaction_is_logged_and_tried_again_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path, compact_after=2)
    write = _Journal.write_snapshot
    calls = 0

    def disk_full_once(journal: _Journal, capture: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(journal, capture)

    monkeypatch.setattr(_Journal, "write_snapshot", disk_full_once)
    with capture_logs() as logs:
        await add_orders(store, "ORDER_1", "ORDER_2")
        await _compacted(store)
        await add_orders(store, "ORDER_3")
        assert calls == 1
        await add_orders(store, "ORDER_4")
        await store.close()

    assert calls == 2
    assert [(log["event"], log["log_level"]) for log in logs] == [
        ("json_compaction_failed", "warning"),
        ("json_compacted", "info"),
    ]
    assert "No space left on device" in logs[0]["error"]
    assert _generations(path) == (1, 1)
    assert "credits.json.tmp" not in _files(path)
    assert await stored_ids(path) == {f"ORDER_{i}" for i in range(1, 5)}


async def test_another_process_sees_the_renamed_journal_and_writes_into_it(
    tmp_path: Path,
) -> None:
    """Caught up with the old journal, it must still notice the new file at its path."""
    path = tmp_path / "credits.json"
    mine, theirs = JsonJournalStore(path), JsonJournalStore(path)
    await add_orders(mine, "ORDER_MINE_1")
    await add_orders(theirs, "ORDER_THEIRS_1")
    assert len(await mine.reports().recent_orders(10)) == 2
    await theirs.compact()
    await add_orders(theirs, "ORDER_THEIRS_2")

    await add_orders(mine, "ORDER_MINE_2")
    everything = {"ORDER_MINE_1", "ORDER_THEIRS_1", "ORDER_THEIRS_2", "ORDER_MINE_2"}
    assert {o.order_id for o in await mine.reports().recent_orders(10)} == everything
    await mine.close()
    await theirs.close()

    assert _generations(path) == (1, 1)
    assert _journal_orders(path) == ["ORDER_THEIRS_2", "ORDER_MINE_2"]
    assert await stored_ids(path) == everything


async def test_one_process_compacts_at_a_time(tmp_path: Path, held: HeldSnapshot) -> None:
    path = tmp_path / "credits.json"
    mine, theirs = JsonJournalStore(path, compact_after=1), JsonJournalStore(path)
    await add_orders(mine, "ORDER_1")
    await held.wait_started()

    await add_orders(theirs, "ORDER_2")
    await theirs.compact()
    assert not path.exists()
    held.release()
    await mine.close()
    await theirs.close()

    assert _generations(path) == (1, 1)
    assert await stored_ids(path) == {"ORDER_1", "ORDER_2"}


async def test_a_snapshot_overtaken_by_another_compaction_is_thrown_away(
    tmp_path: Path, held: HeldSnapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older version compacts without the compaction lock: ours must not switch after it."""
    path = tmp_path / "credits.json"
    mine, theirs = JsonJournalStore(path, compact_after=1), JsonJournalStore(path)
    await add_orders(mine, "ORDER_1")
    await held.wait_started()
    monkeypatch.setattr(theirs._journal, "try_lock_compaction", lambda: True)
    monkeypatch.setattr(theirs._journal, "unlock_compaction", lambda: None)
    monkeypatch.setattr(
        theirs._journal, "write_snapshot", lambda capture: held.write(theirs._journal, capture)
    )

    with capture_logs() as logs:
        await add_orders(theirs, "ORDER_2")
        await theirs.compact()
        held.release()
        await add_orders(mine, "ORDER_3")
        await mine.close()
        await theirs.close()

    assert _generations(path) == (1, 1)
    assert await stored_ids(path) == {"ORDER_1", "ORDER_2", "ORDER_3"}
    # theirs switched in its snapshot; ours, thrown away, reports no compaction
    assert [log["event"] for log in logs] == ["json_compacted"]
    assert "credits.json.tmp" not in _files(path)
    assert "credits.json.journal.next" not in _files(path)


async def test_sigkill_while_compacting_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    """Compacting every few dozen lines, a kill lands in or near a compaction."""
    path = tmp_path / "credits.json"
    writer = start_writer(path, "KILLED", 1_000_000, "--tasks=16", "--compact-after=25")
    assert writer.stdout is not None
    acknowledged: list[str] = []
    while len(acknowledged) < 600:
        line = await asyncio.to_thread(writer.stdout.readline)
        assert line, "the writer ended before it was killed"
        acknowledged.append(line.strip())
    writer.send_signal(signal.SIGKILL)
    rest = await asyncio.to_thread(writer.stdout.read)
    writer.wait(timeout=10)
    acknowledged += [line for line in rest.splitlines() if line.endswith(tuple("0123456789"))]

    present = await stored_ids(path)

    assert json.loads(path.read_text())["generation"] >= 2
    assert set(acknowledged) <= present
    assert len(present) - len(acknowledged) <= 16


async def test_two_processes_compacting_lose_nothing_and_credit_once(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    store = JsonJournalStore(path)
    async with store.unit_of_work() as uow:
        await uow.orders.add(paid_order("ORDER_SHARED"))
        await uow.commit()
    await store.close()

    writers = [
        start_writer(path, prefix, 200, "ORDER_SHARED", "--tasks=4", "--compact-after=10")
        for prefix in ("P1", "P2")
    ]
    outputs = [await asyncio.to_thread(w.communicate, timeout=120) for w in writers]

    assert [w.returncode for w in writers] == [0, 0]
    assert all(len(out.split()) == 200 for out, _ in outputs)
    reopened = JsonJournalStore(path)
    totals = await reopened.reports().ledger_totals()
    await reopened.close()
    expected = {f"{p}_{i}" for p in ("P1", "P2") for i in range(200)} | {"ORDER_SHARED"}
    assert await stored_ids(path) == expected
    assert totals.entries == 1
    assert json.loads(path.read_text())["generation"] >= 2
    assert not {"credits.json.tmp", "credits.json.journal.next"} & set(_files(path))
