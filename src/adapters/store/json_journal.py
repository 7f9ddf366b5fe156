"""The JSON file store: a snapshot plus an append-only journal of committed transactions.

Files, for `STORE_URL=json:///data/credits.json`:
- `credits.json`: the snapshot, one JSON document
  `{"format": 1, "generation": G, "orders": [...], "credits": [...], "customers": [...],
  "adjustments": [...], "subscriptions": [...], "referrals": [...], "outbox": [...],
  "refunds": [...]}` (the last six may be missing from older snapshots), only ever
  replaced whole by an atomic rename.
- `credits.json.journal`: JSON lines. The first is the header `{"generation": G}`; each
  following line is one committed transaction `{"ops": [...]}` whose operations are
  `{"op": "order", "order": {...}}` (a full order snapshot), `{"op": "credit", "credit":
  {...}}`, `{"op": "customer", ...}`, `{"op": "adjustment", ...}`, `{"op": "subscription",
  ...}`, `{"op": "referral", ...}`, `{"op": "outbox", ...}` (a full message, on insert and
  on every change of its delivery or read state), `{"op": "refund", ...}` (a full refund)
  or `{"op": "reset"}`. Every committed unit of work is one line; its cost does not grow
  with the history.
- `credits.json.lock`: held with `fcntl.flock` while a unit of work runs and until the
  lines of its group are synced, so processes sharing the files are serialized. Taking
  it first reads any lines other processes appended since this process last looked.
- `credits.json.leader.lock`: the leader lease (`adapters.store.file_lease`), locked by
  the one process that runs the background work.

Group commit. Units of work take turns through an in-process lock (the gate). A unit's
commit encodes its line, applies its changes to the in-memory state at once (remembering
what they replace), queues the line and gives the gate back, then waits: the units that
commit while the disk is busy share one flush, one `write` of all their lines and one
`fdatasync` in one thread hop. The flush is a task queued on the gate behind the units
already waiting, so it writes everything they queue. Only then are they answered; if the
flush fails, the journal is cut back to where the group began, the remembered values
are put back (memory again equals the files) and every unit of the group gets the error.
A unit that failed on its own queues nothing, so it never fails its neighbours. A unit or
report that leaves while lines are queued (it may have read them) waits for their flush
too: no answer reports what a crash could still lose. The file lock is held from the
first unit of a group to the end of its flush, then given back so other processes get
their turn.

Opening loads the snapshot and replays the journal lines of the same generation. A torn
last line (a crash mid-write) is cut off; an unreadable line with valid lines after it is
corruption and refuses to open with `JournalCorrupted`. When the journal passes
`compact_after` transactions and has grown larger than the snapshot (so rewriting the
snapshot costs each commit the same whatever the history), the state is written as
snapshot G+1 (temp file, fsync, rename, fsync of the directory) and the journal restarts
with header G+1. A crash between the rename and the restart leaves a journal of
generation G, which is then known to be contained in the snapshot and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from adapters.store.file_lease import FileLease
from adapters.store.outbox_records import outbox_from_record, outbox_record
from adapters.store.records import (
    Record,
    adjustment_from_record,
    adjustment_record,
    credit_from_record,
    credit_record,
    customer_from_record,
    customer_record,
    order_from_record,
    order_record,
    referral_from_record,
    referral_record,
    subscription_from_record,
    subscription_record,
)
from adapters.store.refund_records import refund_from_record, refund_record
from adapters.store.staged import StagedUnitOfWork
from adapters.store.state import Changes, StateReports, StoreState, Undo
from adapters.store.state_transfer import StateTransfer
from domain.accounts import CustomerProfile
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.notifications import OutboxMessage
from domain.order import Order
from domain.referrals import ReferralRecord
from domain.refunds import Refund
from domain.subscriptions import Subscription

FORMAT = 1
DEFAULT_COMPACT_AFTER = 10_000
_HEADER_PEEK = 128
_PADDING = b"\x00\r\n\t "

T = TypeVar("T")


class JournalCorrupted(RuntimeError):
    """The files hold something a crash cannot explain; a person must look at them."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"JSON store {path} is corrupt: {detail}; refusing to open it")
        self.path = path


def _sync(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)


def _encode(document: Record) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _ops(changes: Changes) -> list[Record]:
    orders = [{"op": "order", "order": order_record(o)} for o in changes.orders.values()]
    credits = [{"op": "credit", "credit": credit_record(c)} for c in changes.credits.values()]
    return orders + credits + _account_ops(changes)


def _account_ops(changes: Changes) -> list[Record]:
    return (
        [{"op": "customer", "customer": customer_record(c)} for c in changes.customers.values()]
        + [
            {"op": "adjustment", "adjustment": adjustment_record(a)}
            for a in changes.adjustments.values()
        ]
        + [
            {"op": "subscription", "subscription": subscription_record(s)}
            for s in changes.subscriptions.values()
        ]
        + [{"op": "referral", "referral": referral_record(r)} for r in changes.referrals.values()]
        + [{"op": "outbox", "outbox": outbox_record(m)} for m in changes.outbox.values()]
        + [{"op": "refund", "refund": refund_record(r)} for r in changes.refunds.values()]
    )


_Item = (
    CreditEntry
    | Order
    | CustomerProfile
    | LedgerAdjustment
    | Subscription
    | ReferralRecord
    | OutboxMessage
    | Refund
)
_DECODERS: dict[str, tuple[str, Callable[[Record], _Item]]] = {
    "order": ("order", order_from_record),
    "credit": ("credit", credit_from_record),
    "customer": ("customer", customer_from_record),
    "adjustment": ("adjustment", adjustment_from_record),
    "subscription": ("subscription", subscription_from_record),
    "referral": ("referral", referral_from_record),
    "outbox": ("outbox", outbox_from_record),
    "refund": ("refund", refund_from_record),
}


def _store(state: StoreState, item: _Item) -> None:
    if isinstance(item, Order):
        state.orders[item.order_id] = item
    elif isinstance(item, CreditEntry):
        state.credits[item.order_id] = item
    elif isinstance(item, CustomerProfile):
        state.customers[item.customer_id] = item
    elif isinstance(item, LedgerAdjustment):
        state.adjustments[item.entry_id] = item
    elif isinstance(item, Subscription):
        state.subscriptions[(item.customer_id, item.kind)] = item
    elif isinstance(item, OutboxMessage):
        state.outbox[item.message_id] = item
    elif isinstance(item, Refund):
        state.refunds[item.refund_id] = item
    else:
        state.referrals[item.order_id] = item


def _apply(state: StoreState, ops: list[Any]) -> None:
    """Decode every operation first, so a bad line changes nothing."""
    decoded: list[_Item | None] = []
    for op in ops:
        kind = op["op"]
        if kind == "reset":
            decoded.append(None)
        elif kind in _DECODERS:
            key, decode = _DECODERS[kind]
            decoded.append(decode(op[key]))
        else:
            raise ValueError(f"unknown operation {kind!r}")
    for item in decoded:
        if item is None:
            state.clear()
        else:
            _store(state, item)


class _Journal:
    """The files, read and written only by a holder of the file lock (blocking calls)."""

    def __init__(self, path: Path, compact_after: int) -> None:
        self.path = path
        self.journal_path = path.with_name(path.name + ".journal")
        self.lock_path = path.with_name(path.name + ".lock")
        self.compact_after = compact_after
        self.generation: int | None = None
        self.offset = 0
        self.lines = 0
        self.snapshot_size = 0
        self._fd = -1
        self._lock_fd = -1

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._fd = os.open(self.journal_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)

    def close(self) -> None:
        for fd in (self._fd, self._lock_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._lock_fd = -1
        self.generation = None

    def try_lock(self) -> bool:
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def lock(self) -> None:
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def unlock(self) -> None:
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def is_current(self) -> bool:
        """Nothing to catch up with: two small syscalls, cheap enough for the event loop."""
        try:
            return (
                self.generation is not None
                and os.fstat(self._fd).st_size == self.offset
                and self._header() == self.generation
            )
        except JournalCorrupted:
            return False

    def catch_up(self, state: StoreState) -> None:
        """Bring `state` up to what is on disk: new lines, or everything after a compaction."""
        try:
            size = os.fstat(self._fd).st_size
            if self.generation is None or size < self.offset or self._header() != self.generation:
                self._reload(state)
            elif size > self.offset:
                self._replay(state, self.offset, size)
        except JournalCorrupted:
            self.generation = None
            state.clear()
            raise

    def append(self, lines: bytes, count: int) -> None:
        """Write `count` whole transaction lines and sync them, or cut the journal back.

        If even the cut fails, forget the generation: the next catch-up reloads the files.
        """
        view = memoryview(lines)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
            _sync(self._fd)
        except BaseException:
            try:
                os.ftruncate(self._fd, self.offset)
            except OSError:
                self.generation = None
            raise
        self.offset += len(lines)
        self.lines += count

    def compact(self, state: StoreState) -> None:
        generation = (self.generation or 0) + 1
        document = {
            "format": FORMAT,
            "generation": generation,
            "orders": [order_record(o) for o in state.orders.values()],
            "credits": [credit_record(c) for c in state.credits.values()],
            "customers": [customer_record(c) for c in state.customers.values()],
            "adjustments": [adjustment_record(a) for a in state.adjustments.values()],
            "subscriptions": [subscription_record(s) for s in state.subscriptions.values()],
            "referrals": [referral_record(r) for r in state.referrals.values()],
            "outbox": [outbox_record(m) for m in state.outbox.values()],
            "refunds": [refund_record(r) for r in state.refunds.values()],
        }
        encoded = _encode(document)
        temp = self.path.with_name(self.path.name + ".tmp")
        with open(temp, "wb") as file:
            file.write(encoded)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.snapshot_size = len(encoded)
        self._restart(generation)

    def wants_compaction(self) -> bool:
        return self.lines >= self.compact_after and self.offset >= self.snapshot_size

    def _header(self) -> int | None:
        """The journal's generation, or None when it has no complete header line."""
        head = os.pread(self._fd, _HEADER_PEEK, 0)
        end = head.find(b"\n")
        if end < 0:
            if len(head) >= _HEADER_PEEK:
                raise JournalCorrupted(self.journal_path, "line 1 is not a journal header")
            return None
        try:
            generation = json.loads(head[:end])["generation"]
        except (ValueError, KeyError, TypeError) as exc:
            raise JournalCorrupted(self.journal_path, "line 1 is not a journal header") from exc
        if not isinstance(generation, int):
            raise JournalCorrupted(self.journal_path, "line 1 is not a journal header")
        return generation

    def _reload(self, state: StoreState) -> None:
        generation = self._load_snapshot(state)
        header = self._header()
        if header is not None and header > generation:
            raise JournalCorrupted(
                self.journal_path, f"journal generation {header} is newer than the snapshot's"
            )
        self.generation = generation
        if header is None or header < generation:
            self._restart(generation)
            return
        start = os.pread(self._fd, _HEADER_PEEK, 0).find(b"\n") + 1
        self.offset, self.lines = start, 0
        self._replay(state, start, os.fstat(self._fd).st_size)

    def _load_snapshot(self, state: StoreState) -> int:
        state.clear()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.snapshot_size = 0
            return 0
        self.snapshot_size = len(raw)
        try:
            document = json.loads(raw)
            if document["format"] != FORMAT:
                raise ValueError(f"unknown format {document['format']!r}")
            for record in document["orders"]:
                order = order_from_record(record)
                state.orders[order.order_id] = order
            for record in document["credits"]:
                entry = credit_from_record(record)
                state.credits[entry.order_id] = entry
            for name in ("customers", "adjustments", "subscriptions", "referrals"):
                decode = _DECODERS[name[:-1]][1]
                for record in document.get(name, []):
                    _store(state, decode(record))
            for record in document.get("outbox", []):
                _store(state, outbox_from_record(record))
            for record in document.get("refunds", []):
                _store(state, refund_from_record(record))
            generation = document["generation"]
        except (ValueError, KeyError, TypeError) as exc:
            state.clear()
            raise JournalCorrupted(self.path, f"unreadable snapshot ({exc})") from exc
        if not isinstance(generation, int):
            raise JournalCorrupted(self.path, "snapshot generation is not a number")
        return generation

    def _replay(self, state: StoreState, start: int, end: int) -> None:
        data = os.pread(self._fd, end - start, start)
        pos = 0
        while (newline := data.find(b"\n", pos)) >= 0:
            try:
                _apply(state, json.loads(data[pos:newline])["ops"])
            except (ValueError, KeyError, TypeError) as exc:
                if data[newline + 1 :].strip(_PADDING):
                    line = self.lines + 2
                    raise JournalCorrupted(
                        self.journal_path, f"line {line} is unreadable ({exc})"
                    ) from exc
                break
            pos = newline + 1
            self.lines += 1
        self.offset = start + pos
        if pos < len(data):
            os.ftruncate(self._fd, self.offset)
            _sync(self._fd)

    def _restart(self, generation: int) -> None:
        os.ftruncate(self._fd, 0)
        header = _encode({"generation": generation}) + b"\n"
        os.write(self._fd, header)
        _sync(self._fd)
        self.generation = generation
        self.offset, self.lines = len(header), 0


async def _finish(task: asyncio.Future[T]) -> T:
    """Await work running in a thread; if cancelled, let it end before cancelling.

    The thread holds the file lock's protection and may be writing: releasing the lock
    before it is done would let another writer interleave.
    """
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)
        raise


def _in_thread(function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    return asyncio.ensure_future(asyncio.to_thread(function, *args))


def _line(changes: Changes) -> bytes:
    return _encode({"ops": _ops(changes)}) + b"\n"


class JsonJournalUnitOfWork(StagedUnitOfWork):
    def __init__(self, store: JsonJournalStore) -> None:
        super().__init__(store._state)
        self._store = store

    async def _begin(self) -> None:
        await self._store._acquire()

    async def _end(self) -> None:
        await self._store._leave()

    async def _commit(self, changes: Changes) -> None:
        """Apply and queue the line, give the gate back, answer once the group is synced."""
        group = self._store._queue(_line(changes), changes)
        changes.clear()
        self._staging.held = False
        self._store._release()
        await asyncio.shield(group)


class JsonJournalStore:
    """Orders and credits in a JSON snapshot and journal at `path` (see module docstring)."""

    def __init__(self, path: str | os.PathLike[str], compact_after: int = DEFAULT_COMPACT_AFTER):
        if compact_after < 1:
            raise ValueError("compact_after must be at least 1")
        self.path = Path(path)
        self.description = f"json:{self.path}"
        self.kind = "json"
        self._journal = _Journal(self.path, compact_after)
        self._state = StoreState()
        self._gate = asyncio.Lock()
        self._opened = False
        self._file_locked = False
        self._queued: list[bytes] = []
        self._undo = Undo()
        self._group: asyncio.Future[None] | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    def unit_of_work(self) -> JsonJournalUnitOfWork:
        return JsonJournalUnitOfWork(self)

    def reports(self) -> StateReports:
        return StateReports(self._committed)

    def transfer(self) -> StateTransfer:
        return StateTransfer(self._committed, self.unit_of_work)

    def leader_lease(self, name: str, holder: str) -> FileLease:
        return FileLease(self.path.with_name(f"{self.path.name}.{name}.lock"))

    async def open(self) -> None:
        await self._acquire()
        await self._leave()

    async def reset(self) -> None:
        await self._acquire()
        try:
            await self._flush_settled()
            line = _encode({"ops": [{"op": "reset"}]}) + b"\n"
            await _finish(_in_thread(self._journal.append, line, 1))
            self._state.clear()
        finally:
            await self._leave()

    async def close(self) -> None:
        async with self._gate:
            if self._opened:
                try:
                    await self._flush_group()
                finally:
                    self._journal.close()
                    self._state.clear()
                    self._opened = self._file_locked = False

    async def compact(self) -> None:
        """Write a snapshot and restart the journal now (normally done every N commits)."""
        await self._acquire()
        try:
            await self._flush_settled()
            await _finish(_in_thread(self._journal.compact, self._state))
        finally:
            await self._leave()

    async def _acquire(self) -> None:
        """Take the gate, then (unless a queued group still holds it) the file lock, and
        catch up with the files."""
        await self._gate.acquire()
        try:
            if not self._opened:
                await _finish(_in_thread(self._journal.open))
                self._opened = True
            if not self._file_locked:
                if not self._journal.try_lock():
                    await _finish(_in_thread(self._journal.lock))
                self._file_locked = True
                if not self._journal.is_current():
                    await _finish(_in_thread(self._journal.catch_up, self._state))
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        """Give the gate back; the file lock too, unless lines wait for their flush."""
        if self._group is None and self._file_locked:
            self._journal.unlock()
            self._file_locked = False
        self._gate.release()

    async def _leave(self) -> None:
        """Release, then wait for the queued lines the holder may have read."""
        group = self._group
        self._release()
        if group is not None:
            await asyncio.shield(group)

    def _queue(self, line: bytes, changes: Changes) -> asyncio.Future[None]:
        """Make a unit's changes visible now and durable with the next flush."""
        if self._group is None:
            self._group = asyncio.get_running_loop().create_future()
            flush = asyncio.create_task(self._flush())
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        self._state.apply(changes, self._undo)
        self._queued.append(line)
        return self._group

    async def _flush(self) -> None:
        async with self._gate:
            try:
                await self._flush_group()
            finally:
                if self._file_locked:
                    self._journal.unlock()
                    self._file_locked = False

    async def _flush_group(self) -> None:
        """Write the queued lines with one write and one sync, then answer their units.

        The caller holds the gate and the file lock. A failure restores the state the
        group changed and fails every unit of it.
        """
        group, queued, undo = self._group, self._queued, self._undo
        if group is None:
            return
        self._group, self._queued, self._undo = None, [], Undo()
        written = _in_thread(self._journal.append, b"".join(queued), len(queued))
        try:
            await _finish(written)
        finally:
            failure = written.exception()
            if failure is None:
                group.set_result(None)
            else:
                undo.restore()
                group.set_exception(failure)
                group.exception()  # units that were cancelled no longer ask for it
        if self._journal.wants_compaction():
            await _finish(_in_thread(self._journal.compact, self._state))

    async def _flush_settled(self) -> None:
        """Flush the queued group, then catch up: a failed flush may have left a torn tail."""
        await self._flush_group()
        await _finish(_in_thread(self._journal.catch_up, self._state))

    @asynccontextmanager
    async def _committed(self) -> AsyncIterator[StoreState]:
        """The state as the files hold it, under both locks; answers only what is durable."""
        await self._acquire()
        try:
            yield self._state
        finally:
            await self._leave()
