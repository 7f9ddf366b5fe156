"""SQLite's WAL copied into the database file beside the writer, not inside its COMMIT.

A writer's COMMIT copies the WAL into the database file when the WAL has grown to
`wal_autocheckpoint` pages (see `store`), and every unit of its group waits meanwhile:
with 100,000 paid orders a copy of 10,000 pages doubled the p99 of a webhook at 16
connections (40 ms against 18). So after every `every` group commits, this asks for a
PASSIVE checkpoint on a connection and a thread of its own: it copies what the WAL holds
while the writer goes on (SQLite lets one checkpoint run beside one writer), and the
writer's own checkpoint, when the WAL reaches its length, finds little left to copy.
That one stays the guarantee that the WAL is copied and restarted: a PASSIVE checkpoint
never waits for a lock and cannot restart a WAL the writer is appending to.

A checkpoint changes no data, so one that fails is logged and the next is tried later;
it never fails a unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import structlog

from adapters.store.disk_thread import DiskThread, finish

log = structlog.get_logger(__name__)

# group commits between two checkpoints: measured at 16 connections, 64 (about 500
# webhooks, 2,500 pages of WAL) kept the p99 of the tree without this and the rate of
# the writer's copy at 10,000 pages
DEFAULT_EVERY = 64


class WalCheckpoints:
    """PASSIVE checkpoints of the SQLite file at `path`, one at a time, in the background."""

    def __init__(self, path: Path, *, every: int = DEFAULT_EVERY) -> None:
        self._path = path
        self._every = every
        self._commits = 0
        self._running: asyncio.Future[tuple[int, int, int]] | None = None
        self._connection: sqlite3.Connection | None = None
        self._thread = DiskThread("sqlite-checkpoint")
        # (busy, pages in the WAL, pages copied) as the last checkpoint reported them
        self.last: tuple[int, int, int] | None = None

    def committed(self) -> None:
        """A group committed: every `every` of them, start a checkpoint unless one runs."""
        self._commits += 1
        if self._commits < self._every or (self._running and not self._running.done()):
            return
        self._commits = 0
        self._running = self._thread.submit(self._checkpoint)
        self._running.add_done_callback(self._done)

    def _checkpoint(self) -> tuple[int, int, int]:
        if self._connection is None:
            # made, used and closed on the checkpoints' thread only
            self._connection = sqlite3.connect(self._path, isolation_level=None)
            # another process's checkpoint running: skip this one rather than wait
            self._connection.execute("PRAGMA busy_timeout=0")
        busy, pages, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(pages), int(copied)

    def _done(self, checkpoint: asyncio.Future[tuple[int, int, int]]) -> None:
        if checkpoint.cancelled():
            return
        failure = checkpoint.exception()
        if failure is None:
            self.last = checkpoint.result()
            return
        log.warning(
            "sqlite_checkpoint_failed",
            path=str(self._path),
            error=f"{type(failure).__name__}: {failure}",
        )

    async def close(self) -> None:
        """Wait for a running checkpoint, then close its connection and thread."""
        if self._running is not None:
            with contextlib.suppress(Exception):
                await finish(self._running)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await finish(self._thread.submit(self._connection.close))
            self._connection = None
        self._thread.close()
