"""How a unit of work holds its connection and its transaction, by dialect.

- SQLite (`GroupedTransaction`): a savepoint in the group writer's shared transaction,
  committed with the group (see `group_commit`).
- PostgreSQL (`PostgresTransaction`): a pooled connection in autocommit mode whose
  transaction this unit opens itself with `BEGIN` before its first write and ends with
  `COMMIT` or `ROLLBACK`, on the asyncpg connection: SQLAlchemy's adapter, with its
  transaction started for it, would add a round trip to a unit that only reads and could
  not share the transaction with the raw driver's statements. A unit whose writes were
  all held (see `held_writes`) begins none: its commit is one statement.
- MariaDB (`PooledTransaction`): a pooled connection whose transaction SQLAlchemy runs.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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
        self._driver: AsyncpgDriver | None = None
        self._open = False
        # a COMMIT or ROLLBACK that failed leaves the connection in a state nobody knows
        self._doubtful = False

    async def open(self, session: SqlSession) -> None:
        connection = await self._engine.connect()
        # established once `connect` returns, so read here, without the greenlet hop of
        # `get_raw_connection` (a tenth of an empty unit's CPU)
        pooled = connection.sync_connection
        assert pooled is not None
        self._driver = AsyncpgDriver(pooled.connection.driver_connection, self._statements)
        session.connection = connection
        session.driver = self._driver
        session.begin = self._begin
        session.holds_writes = True

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
        connection = session.require()
        assert isinstance(connection, AsyncConnection)
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
            if self._doubtful or driver.closed():
                # never back to the pool mid-transaction, or broken
                await connection.invalidate()
            await connection.close()


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
        connection = session.require()
        assert isinstance(connection, AsyncConnection)
        with conflicts():
            await connection.commit()

    async def rollback(self, session: SqlSession) -> None:
        connection = session.require()
        assert isinstance(connection, AsyncConnection)
        session.drop_loaded()
        await connection.rollback()

    async def close(self, session: SqlSession, *, failed: bool) -> None:
        connection = session.require()
        assert isinstance(connection, AsyncConnection)
        session.forget()
        await connection.close()
