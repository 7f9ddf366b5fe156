"""How a unit of work holds its connection and its transaction, by dialect.

- SQLite (`GroupedTransaction`): a savepoint in the group writer's shared transaction,
  committed with the group (see `group_commit`).
- PostgreSQL (`PostgresTransaction`): the pool's asyncpg connection, whose transaction
  this unit opens itself with `BEGIN` before its first write and ends with `COMMIT` or
  `ROLLBACK`: SQLAlchemy's adapter, with its transaction started for it, would add a round
  trip to a unit that only reads and could not share the transaction with the raw
  driver's statements. SQLAlchemy's `Connection` over it (in autocommit mode, so inside
  that transaction) is made only when a statement off the busy paths needs it. A unit
  whose writes were all held (see `held_writes`) begins none: its commit is one statement.
- MariaDB (`PooledTransaction`): a pooled connection whose transaction SQLAlchemy runs.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from adapters.store.sql.driver import AsyncpgDriver, CoreDriver, SqliteDriver
from adapters.store.sql.group_commit import GroupCommit
from adapters.store.sql.held_writes import REFUSED, composed
from adapters.store.sql.prepared import Statements
from adapters.store.sql.session import SqlSession, conflicts


class Transaction(Protocol):
    async def open(self, session: SqlSession) -> None: ...

    async def commit(self, session: SqlSession) -> None: ...

    async def rollback(self, session: SqlSession) -> None: ...

    async def close(self, session: SqlSession, *, failed: bool) -> None: ...


class GroupedTransaction:
    def __init__(self, group: GroupCommit, statements: Statements) -> None:
        self._group = group
        self._statements = statements

    async def open(self, session: SqlSession) -> None:
        async def take_turn() -> None:
            """The gate and a savepoint of the shared transaction, until the next commit."""
            with conflicts():
                connection = await self._group.enter()
            session.connection = connection
            session.driver = SqliteDriver(self._group.driver(), self._statements)

        await take_turn()
        session.resume = take_turn

    async def commit(self, session: SqlSession) -> None:
        await self._leave(session, keep=True)

    async def rollback(self, session: SqlSession) -> None:
        await self._leave(session, keep=False)

    async def close(self, session: SqlSession, *, failed: bool) -> None:
        session.resume = None
        if not failed:
            await self._leave(session, keep=False)
            return
        with contextlib.suppress(Exception):
            await self._leave(session, keep=False)

    async def _leave(self, session: SqlSession, *, keep: bool) -> None:
        if session.connection is None:
            return
        session.forget()
        with conflicts():
            await self._group.leave(keep=keep)


class PostgresTransaction:
    def __init__(self, engine: AsyncEngine, statements: Statements) -> None:
        self._engine = engine
        self._statements = statements
        self._pooled: PoolProxiedConnection | None = None
        self._connection: AsyncConnection | None = None
        self._driver: AsyncpgDriver | None = None
        self._open = False
        # a COMMIT or ROLLBACK that failed leaves the connection in a state nobody knows
        self._doubtful = False

    async def open(self, session: SqlSession) -> None:
        """The pool's connection alone: SQLAlchemy's `Connection` over it (its events, its
        isolation level set and reset) costs more than a webhook's statements, and only
        the statements off the busy paths need it, so it is made on their first use."""
        self._pooled = await self._engine.raw_connection()
        self._driver = AsyncpgDriver(self._pooled.driver_connection, self._statements)
        session.connect = self._connect
        session.driver = self._driver
        session.begin = self._begin
        session.holds_writes = True

    async def _connect(self) -> AsyncConnection:
        assert self._pooled is not None
        sync = await greenlet_spawn(Connection, self._engine.sync_engine, self._pooled)
        self._connection = AsyncConnection(self._engine, sync)
        return self._connection

    async def _begin(self) -> None:
        assert self._driver is not None
        try:
            await self._driver.command("BEGIN")
        except BaseException:
            self._doubtful = True
            raise
        self._open = True

    async def commit(self, session: SqlSession) -> None:
        session.require()
        if session.held and await self._send_at_once(session):
            return
        if session.refusal is not None:
            raise session.refusal
        if not self._open:
            session.begin = self._begin
            return
        assert self._driver is not None
        self._open = False
        session.begin = self._begin
        try:
            with conflicts():
                outcome = await self._driver.command("COMMIT")
        except BaseException:
            self._doubtful = True
            raise
        if outcome != "COMMIT":
            raise RuntimeError("PostgreSQL rolled the transaction back instead of committing")

    async def _send_at_once(self, session: SqlSession) -> bool:
        """The held writes as one autocommit statement. False when one was refused: they
        then ran one at a time in a transaction, left open for the COMMIT, unless the
        refusal's error came first."""
        assert self._driver is not None and not self._open
        writes = session.take_held()
        statement, params = composed(writes)
        try:
            with conflicts():
                await self._driver.fetch(statement, params)
        except Exception as error:
            state = _sqlstate(error)
            if state != REFUSED:
                if state is None:
                    self._doubtful = True  # no answer from PostgreSQL: the outcome is unknown
                raise
        except BaseException:
            self._doubtful = True
            raise
        else:
            return True
        for write in writes:
            await session.run_held(write)
        return False

    async def rollback(self, session: SqlSession) -> None:
        session.require()
        session.drop_loaded()
        session.begin = self._begin
        if self._open:
            assert self._driver is not None
            self._open = False
            try:
                await self._driver.command("ROLLBACK")
            except BaseException:
                self._doubtful = True
                raise

    async def close(self, session: SqlSession, *, failed: bool) -> None:
        """Roll back what was not committed and give the connection back. A unit leaving
        on an error (or cancelled) reports that, not a failed rollback's error."""
        session.require()
        session.forget()
        driver, self._driver = self._driver, None
        assert driver is not None
        try:
            if self._open:
                self._open = False
                await driver.command("ROLLBACK")
        except Exception:
            self._doubtful = True
            if not failed:
                raise
        except BaseException:
            self._doubtful = True
            raise
        finally:
            await self._give_back(broken=self._doubtful or driver.closed())

    async def _give_back(self, *, broken: bool) -> None:
        """To the pool, or closed if `broken`: never back mid-transaction, or broken."""
        connection, self._connection = self._connection, None
        pooled, self._pooled = self._pooled, None
        if connection is not None:
            if broken:
                await connection.invalidate()
            await connection.close()
            return
        assert pooled is not None
        if broken:
            await greenlet_spawn(pooled.invalidate)
        await greenlet_spawn(pooled.close)


def _sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's code for an error it reported, also behind a ConcurrencyConflict."""
    for seen in (error, error.__cause__):
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


class PooledTransaction:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def open(self, session: SqlSession) -> None:
        connection = await self._engine.connect()
        session.connection = connection
        session.driver = CoreDriver(connection)

    async def commit(self, session: SqlSession) -> None:
        connection = session.connection
        assert isinstance(connection, AsyncConnection), "outside its unit of work"
        with conflicts():
            await connection.commit()

    async def rollback(self, session: SqlSession) -> None:
        connection = session.connection
        assert isinstance(connection, AsyncConnection), "outside its unit of work"
        session.drop_loaded()
        await connection.rollback()

    async def close(self, session: SqlSession, *, failed: bool) -> None:
        connection = session.connection
        assert isinstance(connection, AsyncConnection), "outside its unit of work"
        session.forget()
        await connection.close()
