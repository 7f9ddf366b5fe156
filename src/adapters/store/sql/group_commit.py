"""SQLite's one writer: units of work take turns on one connection and commit in groups.

SQLite lets one transaction write at a time, and a durable commit costs one disk sync. So
instead of one transaction (and one sync) per unit of work, the store keeps one connection
whose transaction the units share: each runs alone (the gate) inside its own savepoint,
which is released when it commits and rolled back when it fails, so one bad unit never
fails its neighbours. When a unit is done it does not answer yet: it waits for the group's
COMMIT. That COMMIT is issued by a flusher queued on the gate behind the units that were
already waiting, so every unit that arrived while the disk was busy shares the next sync.

Statements run on the event loop: against a transaction this process already holds, each
is a few microseconds of work that never waits for a lock. What can wait runs in a
thread: `COMMIT` (the sync) always, on the store's disk thread (see `disk_thread`), and
`BEGIN IMMEDIATE` when another process holds the write lock. A unit that arrives alone
asks for the lock on the loop without waiting (a busy timeout of zero) and waits for it
in a thread only when that is refused: one thread hop per group instead of two. When
other units are already queued, `BEGIN` goes to the thread anyway, so the requests
arriving meanwhile join the group.

A unit that only read also waits for the group: what it saw may be another unit's
uncommitted write, and no answer may report what a crash could still lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

from sqlalchemy.engine import Connection, Engine

from adapters.store.disk_thread import DiskThread, finish, in_thread
from adapters.store.sql.wal_checkpoints import WalCheckpoints

# Savepoints are the driver's own (SQLAlchemy does not track them): one unit at a time.
_SAVEPOINT = "unit_of_work"


def sqlite_driver(connection: Connection) -> Any:
    """The stdlib connection under a pooled SQLAlchemy one."""
    return connection.connection.dbapi_connection


def begin_immediate(driver: sqlite3.Connection) -> None:
    """Take the write lock, unless this connection's transaction already holds it (the
    group writer began it on the driver, and SQLAlchemy now begins its own over it)."""
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def commit(connection: Connection) -> None:
    """COMMIT the shared transaction, through SQLAlchemy if a Core statement made it
    track one (so it forgets it), else on the driver."""
    if connection.in_transaction():
        connection.commit()
    else:
        sqlite_driver(connection).commit()


def sqlite_locked(exc: BaseException) -> bool:
    """SQLite refused a lock another connection holds (SQLITE_BUSY), whether the driver's
    error reached us as it is or wrapped by SQLAlchemy."""
    error = getattr(exc, "orig", exc)
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


class GroupCommit:
    """The writer connection, its gate, and the units waiting for the next COMMIT."""

    def __init__(
        self, engine: Engine, *, busy_timeout_ms: int, checkpoints: WalCheckpoints | None = None
    ) -> None:
        self._engine = engine
        self._busy_timeout_ms = busy_timeout_ms
        self._checkpoints = checkpoints
        self._queued = 0  # units waiting for the gate
        self._gate = asyncio.Lock()
        self._connection: Connection | None = None
        self._waiting: list[asyncio.Future[None]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        self._disk = DiskThread("sqlite-commit")

    async def enter(self) -> Connection:
        """Take the gate and the shared transaction (beginning it if this unit is first),
        and open the unit's savepoint."""
        self._queued += 1
        try:
            await self._gate.acquire()
        finally:
            self._queued -= 1
        try:
            if self._connection is None:
                self._connection = await finish(in_thread(self._engine.connect))
            connection = self._connection
            if not sqlite_driver(connection).in_transaction:
                await self._begin(connection)
        except BaseException:
            await self._join_group_quietly()
            raise
        try:
            sqlite_driver(connection).execute(f"SAVEPOINT {_SAVEPOINT}")
        except Exception as exc:
            self.fail(exc)
            await self._join_group_quietly()
            raise
        return connection

    async def _begin(self, connection: Connection) -> None:
        """BEGIN IMMEDIATE on the loop if the write lock is free, else in a thread that
        waits for it as long as the busy timeout allows. With other units already queued
        for the gate the thread is taken anyway: its hop lets the requests arriving
        meanwhile join this group (measured: 16 concurrent webhooks ran a third slower
        with the BEGIN always on the loop, in smaller groups).

        The BEGIN goes to the driver, not through SQLAlchemy's `Connection.begin`, whose
        transaction object and event dispatch cost as much as the statement itself; a
        Core statement run later in the group finds SQLite in a transaction and begins
        none (see `begin_immediate`)."""
        driver = sqlite_driver(connection)
        if self._queued:
            await finish(in_thread(begin_immediate, driver))
            return
        driver.execute("PRAGMA busy_timeout=0")
        try:
            begin_immediate(driver)
            return
        except sqlite3.OperationalError as exc:
            if not sqlite_locked(exc):
                raise
        finally:
            driver.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        await finish(in_thread(begin_immediate, driver))

    def driver(self) -> sqlite3.Connection:
        """The stdlib connection under the writer's, for statements run on it directly."""
        assert self._connection is not None, "only between enter() and leave()"
        driver: sqlite3.Connection = sqlite_driver(self._connection)
        return driver

    async def _join_group_quietly(self) -> None:
        """Hand the gate on after a failed entry; the group commits (or fails) without
        this unit, which wrote nothing and reports its own error."""
        with contextlib.suppress(Exception):
            await self._join_group()

    def fail(self, failure: Exception) -> None:
        """The shared transaction can no longer be trusted: roll it all back at the flush."""
        self._failure = self._failure or failure

    async def leave(self, *, keep: bool) -> None:
        """End the unit's savepoint, keeping or undoing its writes; give the gate back and
        wait until the group it joined is committed.

        Raises what the COMMIT raised: then nothing of the group is stored.
        """
        if self._connection is not None:
            driver = sqlite_driver(self._connection)
            try:
                if not keep:
                    driver.execute(f"ROLLBACK TO {_SAVEPOINT}")
                driver.execute(f"RELEASE {_SAVEPOINT}")
            except Exception as exc:
                self.fail(exc)
        await self._join_group()

    async def _join_group(self) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(done)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        self._gate.release()
        await done

    async def _flush(self) -> None:
        async with self._gate:
            waiting, self._waiting = self._waiting, []
            failure, self._failure = self._failure, None
            self._flusher = None
            connection = self._connection
            try:
                if connection is None or not sqlite_driver(connection).in_transaction:
                    raise RuntimeError("the shared SQLite transaction was lost")
                if failure is not None:
                    raise failure
                await finish(self._disk.submit(commit, connection))
            except BaseException as exc:
                if connection is not None:
                    await self._roll_back(connection)
                for future in waiting:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                return
            for future in waiting:
                if not future.done():
                    future.set_result(None)
            if self._checkpoints is not None:
                self._checkpoints.committed()

    async def _roll_back(self, connection: Connection) -> None:
        """Drop the connection: closing it is SQLite's surest rollback, whatever state the
        failed COMMIT left it in, and releases the write lock for other processes."""
        self._connection = None
        with contextlib.suppress(Exception):
            await finish(in_thread(connection.invalidate))

    async def close(self) -> None:
        async with self._gate:
            if self._checkpoints is not None:
                await self._checkpoints.close()
            if self._connection is not None:
                await finish(in_thread(self._connection.close))
                self._connection = None
            self._disk.close()
