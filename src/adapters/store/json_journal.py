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
`fdatasync`, on the store's disk thread (see `disk_thread`). The flush is a task queued
on the gate behind the units already waiting, so it writes everything they queue. Only
then are they answered; if the flush fails, the journal is cut back to where the group
began, the remembered values are put back (memory again equals the files) and every unit
of the group gets the error.
A unit that failed on its own queues nothing, so it never fails its neighbours. A unit or
report that leaves while lines are queued (it may have read them) waits for their flush
too: no answer reports what a crash could still lose. The file lock is held from the
first unit of a group to the end of its flush, then given back so other processes get
their turn.

Opening loads the snapshot and replays the journal lines of the same generation. A torn
last line (a crash mid-write) is cut off; an unreadable line with valid lines after it is
corruption and refuses to open with `JournalCorrupted`.

Compaction, off the lock. When the journal passes `compact_after` transactions and has
grown larger than the snapshot (so rewriting the snapshot costs each commit the same
whatever the history), the flush that notices it captures the committed state (the
tables' values, which are never changed in place, and the journal offset they stand for)
and a background task writes them as snapshot G+1 to `credits.json.tmp`, one record at a
time, while payments go on: writing a large snapshot under the lock stalled every payment
for as long as it took. Still outside the locks, `credits.json.journal.next` gets header
G+1 and the lines appended since the capture (the tail), synced, and the snapshot and the
journal get second names (`.old`, `.journal.old`) so that renaming over them frees no
disk blocks under the locks. Then, under both locks, the switch:
1. the lines appended meanwhile are added to `.next`, synced;
2. the temp file is renamed over the snapshot, the directory synced;
3. `.next` is renamed over the journal, the directory synced. Other processes notice the
   new file at the journal's path (its inode) when they next take the file lock, and
   reload.
The second names are removed afterwards. A crash after 2 leaves a `.next` whose header
names the snapshot's generation: opening renames it over the journal. A `.next` of any
other generation is from before the snapshot's rename and is removed by whoever can take
`credits.json.compact.lock`, which a compacting process holds from the capture to the
end, so two processes never write the temp file at once. A crash between the snapshot's
rename and a journal restart of the older kind (in place) leaves a journal of generation
G, which is then known to be contained in the snapshot and ignored. A snapshot captured
before another process reloaded this one (a version that compacts without the
compaction lock) is thrown away at the switch. A finished compaction is logged at INFO
(`json_compacted`: records, snapshot bytes, seconds); a failed one is logged
(`json_compaction_failed`) and tried again after another `compact_after` transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import structlog

from adapters.store.disk_thread import DiskThread, finish, in_thread
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
_SNAPSHOT_BUFFER = 1 << 20
_REPLAY_CHUNK = 1 << 20
_BATCH = 64
_PAUSE_PER_WORK = 2.0
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

log = structlog.get_logger(__name__)


class JournalCorrupted(RuntimeError):
    """The files hold something a crash cannot explain; a person must look at them."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"JSON store {path} is corrupt: {detail}; refusing to open it")
        self.path = path


def _sync(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)


def _encode(document: Record) -> bytes:
    return _ENCODER.encode(document).encode()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_range(source: int, target: int, start: int, end: int, at: int) -> None:
    """Copy bytes `start` to `end` of `source` to `target` from offset `at`, in the
    kernel where the file system can (no copy passes through this process)."""
    while start < end:
        try:
            copied = os.copy_file_range(source, target, end - start, start, at)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            data = os.pread(source, min(end - start, _SNAPSHOT_BUFFER), start)
            copied = os.pwrite(target, data, at) if data else 0
        if copied == 0:
            raise OSError(errno.EIO, "the journal ended before its synced length")
        start += copied
        at += copied


def _sync_directory(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _header_of(journal: bytes) -> int | None:
    """The generation a journal's first line names, or None when it names none."""
    end = journal.find(b"\n")
    if end < 0:
        return None
    try:
        generation = json.loads(journal[:end])["generation"]
    except (ValueError, KeyError, TypeError):
        return None
    return generation if isinstance(generation, int) else None


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


_TABLES: tuple[tuple[str, Callable[[Any], Record], Callable[[Record], _Item]], ...] = (
    ("orders", order_record, order_from_record),
    ("credits", credit_record, credit_from_record),
    ("customers", customer_record, customer_from_record),
    ("adjustments", adjustment_record, adjustment_from_record),
    ("subscriptions", subscription_record, subscription_from_record),
    ("referrals", referral_record, referral_from_record),
    ("outbox", outbox_record, outbox_from_record),
    ("refunds", refund_record, refund_from_record),
)
"""The snapshot's tables: each one's name in the snapshot, and its records' encoder and
decoder."""
_SNAPSHOT_DECODERS = {name: decode for name, _, decode in _TABLES}


@dataclass(frozen=True)
class _Capture:
    """The committed state at `offset` bytes into the journal of `generation - 1`.

    `tables` holds each table's values: stored values are replaced, never changed in
    place, so these lists stay what was committed while the store goes on writing.
    """

    generation: int
    offset: int
    lines: int
    epoch: int
    tables: dict[str, list[Any]]


@dataclass(frozen=True)
class _Prepared:
    """`.next` as prepared outside the locks: `size` bytes, the journal copied up to
    `copied_to`."""

    copied_to: int
    size: int


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


def _load_snapshot_lines(state: StoreState, head: bytes, lines: Iterable[bytes]) -> Any:
    """A snapshot as `write_snapshot` writes it, one record a line, read a line at a time:
    loading holds one record's parsed form at a time, where parsing the whole document
    first held all of them at once and left the process twice as large (100,000 paid
    orders: 828 MB against 394 once loaded). Returns the snapshot's generation."""
    header = json.loads(head[:-1] + b"}")
    _check_format(header)
    decode: Callable[[Record], _Item] | None = None
    in_table = False
    for line in lines:
        bare = line.rstrip()
        if bare.startswith(b',"'):
            decode = _SNAPSHOT_DECODERS.get(json.loads(bare[1 : bare.rindex(b":")]))
            in_table = True
        elif bare == b"]":
            in_table = False
        elif bare == b"}":
            return header["generation"]
        elif not in_table:
            raise ValueError("a record outside a table")
        elif decode is not None:  # None: a later version's table, left out as always
            _store(state, decode(json.loads(line[1:] if line.startswith(b",") else line)))
    raise ValueError("the snapshot ends before its last line")


def _load_snapshot_document(state: StoreState, raw: bytes) -> Any:
    """A snapshot in one line, as versions before the one-record-a-line layout wrote it."""
    document = json.loads(raw)
    _check_format(document)
    for name, decode in _SNAPSHOT_DECODERS.items():
        for record in document.get(name, []):
            _store(state, decode(record))
    return document["generation"]


def _check_format(header: Any) -> None:
    if header["format"] != FORMAT:
        raise ValueError(f"unknown format {header['format']!r}")


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
        self.next_path = path.with_name(path.name + ".journal.next")
        self.temp_path = path.with_name(path.name + ".tmp")
        self.old_path = path.with_name(path.name + ".old")
        self.old_journal = path.with_name(path.name + ".journal.old")
        self.compact_lock_path = path.with_name(path.name + ".compact.lock")
        self.compact_after = compact_after
        self.generation: int | None = None
        self.offset = 0
        self.lines = 0
        self.snapshot_size = 0
        self.epoch = 0
        self._compact_from = 0
        self._compacting = False
        self._fd = -1
        self._lock_fd = -1
        self._compact_fd = -1

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._open_journal()

    def _open_journal(self) -> None:
        """Open the file now at the journal's path (a compaction renames a new one there)."""
        fd = os.open(self.journal_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = fd

    def close(self) -> None:
        for fd in (self._fd, self._lock_fd, self._compact_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._lock_fd = self._compact_fd = -1
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
        """Nothing to catch up with: three small syscalls, cheap enough for the event loop."""
        try:
            return (
                self.generation is not None
                and not self._replaced()
                and os.fstat(self._fd).st_size == self.offset
                and self._header() == self.generation
            )
        except JournalCorrupted:
            return False

    def _replaced(self) -> bool:
        """Another process's compaction renamed a new journal over the one we hold."""
        try:
            return os.stat(self.journal_path).st_ino != os.fstat(self._fd).st_ino
        except FileNotFoundError:
            return True

    def catch_up(self, state: StoreState) -> None:
        """Bring `state` up to what is on disk: new lines, or everything after a compaction."""
        try:
            if self._replaced():
                self._open_journal()
                self.generation = None
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
        A forgotten generation refuses appends until then: the file may not be whole.
        """
        if self.generation is None:
            raise OSError(errno.EIO, f"{self.journal_path} must be reloaded before writing")
        try:
            _write_all(self._fd, lines)
            _sync(self._fd)
        except BaseException:
            try:
                os.ftruncate(self._fd, self.offset)
            except OSError:
                self.generation = None
            raise
        self.offset += len(lines)
        self.lines += count

    def capture(self, state: StoreState) -> _Capture:
        """What the next snapshot holds; the caller holds both locks, nothing queued."""
        return _Capture(
            generation=(self.generation or 0) + 1,
            offset=self.offset,
            lines=self.lines,
            epoch=self.epoch,
            tables={name: list(getattr(state, name).values()) for name, *_ in _TABLES},
        )

    def write_snapshot(self, capture: _Capture) -> int:
        """Write the captured state to the temp file, synced; needs neither lock.

        One record is encoded at a time; no encoded copy of the whole state is held. It is
        background work, so it takes a bounded share of the interpreter (as autovacuum's
        cost delay does in PostgreSQL): after every `_BATCH` records it sleeps
        `_PAUSE_PER_WORK` times as long as they took, so payments keep at least two thirds
        of it. (Without a pause, the thread kept the interpreter for the switch interval,
        5 ms, at every turn, and a 100,000-order compaction cut the webhook rate by a third.)
        """
        written = 0
        batch_started = time.perf_counter()
        try:
            with open(self.temp_path, "wb", buffering=_SNAPSHOT_BUFFER) as file:
                file.write(b'{"format":%d,"generation":%d\n' % (FORMAT, capture.generation))
                for name, record, _ in _TABLES:
                    file.write(b',"%s":[\n' % name.encode())
                    separator = b""
                    for value in capture.tables[name]:
                        file.write(separator)
                        file.write(_encode(record(value)))
                        file.write(b"\n")
                        separator = b","
                        written += 1
                        if written % _BATCH == 0:
                            worked = time.perf_counter() - batch_started
                            time.sleep(worked * _PAUSE_PER_WORK)
                            batch_started = time.perf_counter()
                    file.write(b"]\n")
                file.write(b"}")
                file.flush()
                os.fsync(file.fileno())
                return file.tell()
        except BaseException:
            self.temp_path.unlink(missing_ok=True)
            raise

    def prepare_switch(self, capture: _Capture) -> _Prepared | None:
        """Do outside the locks what the switch would otherwise do under them.

        `.next` gets header G+1 and the tail synced so far (lines are only appended),
        copied file to file by the kernel. The snapshot and the journal get second names,
        so renaming over them frees no blocks under the lock. None when the journal was
        reloaded since the capture (that voids the switch, which checks again under the
        locks).
        """
        offset = self.offset
        if self.epoch != capture.epoch or offset < capture.offset:
            return None
        header = _encode({"generation": capture.generation}) + b"\n"
        fd = os.open(self.next_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, header)
            _copy_range(self._fd, fd, capture.offset, offset, len(header))
            os.fsync(fd)
        finally:
            os.close(fd)
        for path, second in ((self.path, self.old_path), (self.journal_path, self.old_journal)):
            second.unlink(missing_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.link(path, second)
        return _Prepared(copied_to=offset, size=len(header) + offset - capture.offset)

    def switch(self, capture: _Capture, size: int, prepared: _Prepared | None) -> bool:
        """Make the written snapshot current and carry the journal's tail into its
        generation (steps 1 to 3 of the module docstring); the caller holds both locks.

        False, the temp file and `.next` removed, when the journal was reloaded or
        restarted since the capture: the snapshot may be older than its files.
        """
        current = self.epoch == capture.epoch and self.generation == capture.generation - 1
        if not (current and prepared and _size(self.next_path) == prepared.size):
            self.temp_path.unlink(missing_ok=True)
            self.next_path.unlink(missing_ok=True)
            return False
        fd = os.open(self.next_path, os.O_WRONLY)
        try:
            _copy_range(self._fd, fd, prepared.copied_to, self.offset, prepared.size)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.temp_path, self.path)
        _sync_directory(self.path.parent)
        self.snapshot_size = size
        self.generation = None
        self._adopt_next()
        offset = prepared.size + self.offset - prepared.copied_to
        self._begin(capture.generation, offset, self.lines - capture.lines)
        return True

    def drop_old_files(self) -> None:
        """Remove the second names `prepare_switch` gave; outside the locks."""
        self.old_path.unlink(missing_ok=True)
        self.old_journal.unlink(missing_ok=True)

    def try_lock_compaction(self) -> bool:
        if self._compact_fd < 0:
            self._compact_fd = os.open(self.compact_lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._compact_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._compacting = True
        return True

    def unlock_compaction(self) -> None:
        self._compacting = False
        fcntl.flock(self._compact_fd, fcntl.LOCK_UN)

    def defer_compaction(self) -> None:
        """After a failed compaction, wait for as many lines again before the next try."""
        self._compact_from = self.lines + self.compact_after

    def wants_compaction(self) -> bool:
        return (
            self.lines >= max(self.compact_after, self._compact_from)
            and self.offset >= self.snapshot_size
        )

    def _header(self) -> int | None:
        """The journal's generation, or None when it has no complete header line."""
        head = os.pread(self._fd, _HEADER_PEEK, 0)
        if head.find(b"\n") < 0:
            if len(head) >= _HEADER_PEEK:
                raise JournalCorrupted(self.journal_path, "line 1 is not a journal header")
            return None
        generation = _header_of(head)
        if generation is None:
            raise JournalCorrupted(self.journal_path, "line 1 is not a journal header")
        return generation

    def _adopt_next(self) -> None:
        """Rename `.next` over the journal and open it (other processes notice the new file
        on their next catch-up)."""
        os.replace(self.next_path, self.journal_path)
        _sync_directory(self.path.parent)
        self._open_journal()

    def _recover_next(self, generation: int) -> None:
        """Finish a switch a crash interrupted, or drop a `.next` from before its rename.

        A `.next` of another generation may also be one a live compaction is preparing:
        it is dropped only by whoever can take the compaction lock.
        """
        try:
            with open(self.next_path, "rb") as file:
                head = file.read(_HEADER_PEEK)
        except FileNotFoundError:
            return
        if _header_of(head) == generation:
            self._adopt_next()
        elif not self._compacting and self.try_lock_compaction():
            try:
                self.next_path.unlink(missing_ok=True)
                _sync_directory(self.path.parent)
            finally:
                self.unlock_compaction()

    def _reload(self, state: StoreState) -> None:
        self.epoch += 1  # before the state is cleared: a compaction preparing in a thread sees it
        with state.loading():
            self._load_all(state)

    def _load_all(self, state: StoreState) -> None:
        """The snapshot, then the journal after it."""
        generation = self._load_snapshot(state)
        self._recover_next(generation)
        header = self._header()
        if header is not None and header > generation:
            raise JournalCorrupted(
                self.journal_path, f"journal generation {header} is newer than the snapshot's"
            )
        if header is None or header < generation:
            self._restart(generation)
            return
        start = os.pread(self._fd, _HEADER_PEEK, 0).find(b"\n") + 1
        self._begin(generation, start, 0)
        self._replay(state, start, os.fstat(self._fd).st_size)

    def _load_snapshot(self, state: StoreState) -> int:
        state.clear()
        try:
            with open(self.path, "rb", buffering=_SNAPSHOT_BUFFER) as file:
                return self._read_snapshot(state, file)
        except FileNotFoundError:
            self.snapshot_size = 0
            return 0

    def _read_snapshot(self, state: StoreState, file: BinaryIO) -> int:
        self.snapshot_size = os.fstat(file.fileno()).st_size
        try:
            head = file.readline()
            if head.endswith(b"\n"):
                generation = _load_snapshot_lines(state, head, file)
            else:
                generation = _load_snapshot_document(state, head)
        except (ValueError, KeyError, TypeError) as exc:
            state.clear()
            raise JournalCorrupted(self.path, f"unreadable snapshot ({exc})") from exc
        if not isinstance(generation, int):
            raise JournalCorrupted(self.path, "snapshot generation is not a number")
        return generation

    def _replay(self, state: StoreState, start: int, end: int) -> None:
        """Apply the lines from `start` to `end`; cut a torn or unreadable last line off."""
        offset = start
        for after, line in self._lines(start, end):
            try:
                _apply(state, json.loads(line)["ops"])
            except (ValueError, KeyError, TypeError) as exc:
                if os.pread(self._fd, end - after, after).strip(_PADDING):
                    line_number = self.lines + 2
                    raise JournalCorrupted(
                        self.journal_path, f"line {line_number} is unreadable ({exc})"
                    ) from exc
                break
            offset = after
            self.lines += 1
        self.offset = offset
        if offset < end:
            os.ftruncate(self._fd, offset)
            _sync(self._fd)

    def _lines(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """The whole lines from `start` to `end`, each with the offset just after it, read a
        chunk at a time: a journal as large as the snapshot is never in memory at once."""
        carried = b""
        at = start
        while at < end:
            chunk = os.pread(self._fd, min(_REPLAY_CHUNK, end - at), at)
            if not chunk:
                return
            after = at - len(carried)
            at += len(chunk)
            *lines, carried = (carried + chunk).split(b"\n")
            for line in lines:
                after += len(line) + 1
                yield after, line

    def _restart(self, generation: int) -> None:
        os.ftruncate(self._fd, 0)
        header = _encode({"generation": generation}) + b"\n"
        os.write(self._fd, header)
        _sync(self._fd)
        self._begin(generation, len(header), 0)

    def _begin(self, generation: int, offset: int, lines: int) -> None:
        """The journal now holds `generation`, `lines` of it up to `offset`; a capture
        taken before is void (the epoch moves) and compaction starts counting afresh."""
        self.generation = generation
        self.offset, self.lines = offset, lines
        self.epoch += 1
        self._compact_from = 0


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
        self._disk = DiskThread("json-journal-sync")
        self._opened = False
        self._file_locked = False
        self._queued: list[bytes] = []
        self._undo = Undo()
        self._group: asyncio.Future[None] | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self._compaction: asyncio.Task[None] | None = None
        self._closing = False

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
            await finish(self._disk.submit(self._journal.append, line, 1))
            self._state.clear()
        finally:
            await self._leave()

    async def close(self) -> None:
        """Let a running compaction finish (none starts meanwhile), then flush and close."""
        self._closing = True
        try:
            await self._no_compaction_running()
            async with self._gate:
                if self._opened:
                    try:
                        await self._flush_group()
                    finally:
                        self._journal.close()
                        self._state.clear()
                        self._opened = self._file_locked = False
                        self._disk.close()
        finally:
            self._closing = False

    async def compact(self) -> None:
        """Write a snapshot and restart the journal now (normally done in the background).

        Does nothing when another process is compacting the same files.
        """
        await self._no_compaction_running()
        await self._acquire()
        try:
            await self._flush_settled()
            compaction = self._compaction or self._start_compaction()
        finally:
            await self._leave()
        await asyncio.shield(compaction)

    async def _no_compaction_running(self) -> None:
        while (running := self._compaction) is not None:
            await asyncio.wait([running])

    def _start_compaction(self) -> asyncio.Task[None]:
        """Capture the state and compact it in the background.

        The caller holds the gate and the file lock with nothing queued, so the state is
        exactly the journal up to its offset.
        """
        compaction = asyncio.create_task(self._compact(self._journal.capture(self._state)))
        self._compaction = compaction
        compaction.add_done_callback(self._compacted)
        return compaction

    async def _compact(self, capture: _Capture) -> None:
        """Logs `json_compacted` once the new snapshot is current: while a compaction runs
        its thread takes up to a third of the interpreter, so an operator seeing payments
        slow down can tell when one ran and for how long."""
        journal = self._journal
        if not journal.try_lock_compaction():
            return
        started = time.perf_counter()
        try:
            size = await finish(in_thread(journal.write_snapshot, capture))
            prepared = await finish(in_thread(journal.prepare_switch, capture))
            await self._acquire()
            try:
                switched = await finish(in_thread(journal.switch, capture, size, prepared))
            finally:
                await self._leave()
            await finish(in_thread(journal.drop_old_files))
        finally:
            journal.unlock_compaction()
        if switched:
            log.info(
                "json_compacted",
                store=self.description,
                generation=capture.generation,
                records=sum(len(values) for values in capture.tables.values()),
                snapshot_bytes=size,
                seconds=round(time.perf_counter() - started, 3),
            )

    def _compacted(self, compaction: asyncio.Task[None]) -> None:
        self._compaction = None
        failure = None if compaction.cancelled() else compaction.exception()
        if failure is None:
            return
        self._journal.defer_compaction()
        log.warning(
            "json_compaction_failed",
            store=self.description,
            error=f"{type(failure).__name__}: {failure}",
        )

    async def _acquire(self) -> None:
        """Take the gate, then (unless a queued group still holds it) the file lock, and
        catch up with the files."""
        await self._gate.acquire()
        try:
            if not self._opened:
                await finish(in_thread(self._journal.open))
                self._opened = True
            if not self._file_locked:
                if not self._journal.try_lock():
                    await finish(in_thread(self._journal.lock))
                self._file_locked = True
                if not self._journal.is_current():
                    await finish(in_thread(self._journal.catch_up, self._state))
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
        written = self._disk.submit(self._journal.append, b"".join(queued), len(queued))
        try:
            await finish(written)
        finally:
            failure = written.exception()
            if failure is None:
                group.set_result(None)
            else:
                undo.restore()
                group.set_exception(failure)
                group.exception()  # units that were cancelled no longer ask for it
        if self._compaction is None and not self._closing and self._journal.wants_compaction():
            self._start_compaction()

    async def _flush_settled(self) -> None:
        """Flush the queued group, then catch up: a failed flush may have left a torn tail."""
        await self._flush_group()
        await finish(in_thread(self._journal.catch_up, self._state))

    @asynccontextmanager
    async def _committed(self) -> AsyncIterator[StoreState]:
        """The state as the files hold it, under both locks; answers only what is durable."""
        await self._acquire()
        try:
            yield self._state
        finally:
            await self._leave()
