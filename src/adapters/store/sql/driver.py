"""The raw connection a unit of work runs its compiled statements on, one per driver.

SQLite: the stdlib `sqlite3` connection of the group writer, whose own statement cache
keeps each SQL text prepared; its calls never wait (see `group_commit`). PostgreSQL: the
asyncpg connection under the unit's pooled SQLAlchemy connection, whose statement cache
prepares each SQL text once per connection. MariaDB has no raw driver: its statements run
through SQLAlchemy (`CoreDriver`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.sql import ClauseElement

from adapters.store.sql.prepared import Compiled, Row, Statements

if TYPE_CHECKING:
    import asyncpg
    from sqlalchemy.ext.asyncio import AsyncConnection


class Driver(Protocol):
    async def fetch(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> list[Row]: ...

    async def execute(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> int:
        """Run a write; the number of rows it changed."""
        ...

    async def execute_many(
        self,
        statement: ClauseElement,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str] | None = None,
    ) -> None: ...


class SqliteDriver:
    def __init__(self, connection: sqlite3.Connection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def fetch(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> list[Row]:
        compiled = self._statements.get(statement, keys)
        cursor = self._connection.execute(compiled.sql, compiled.args(params))
        return [compiled.row(values) for values in cursor.fetchall()]

    async def execute(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> int:
        compiled = self._statements.get(statement, keys)
        return self._connection.execute(compiled.sql, compiled.args(params)).rowcount

    async def execute_many(
        self,
        statement: ClauseElement,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str] | None = None,
    ) -> None:
        compiled = self._statements.get(statement, keys)
        self._connection.executemany(compiled.sql, [compiled.args(row) for row in rows])


def _rowcount(status: str) -> int:
    """Rows changed, from a command tag such as `INSERT 0 1` or `UPDATE 3`."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else 0


class AsyncpgDriver:
    def __init__(self, connection: asyncpg.Connection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def fetch(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> list[Row]:
        compiled = self._statements.get(statement, keys)
        records = await self._connection.fetch(compiled.sql, *compiled.args(params))
        return [compiled.row(tuple(record)) for record in records]

    async def execute(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> int:
        compiled = self._statements.get(statement, keys)
        return _rowcount(await self._connection.execute(compiled.sql, *compiled.args(params)))

    async def execute_many(
        self,
        statement: ClauseElement,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str] | None = None,
    ) -> None:
        compiled: Compiled = self._statements.get(statement, keys)
        await self._connection.executemany(compiled.sql, [compiled.args(row) for row in rows])

    async def command(self, sql: str) -> str:
        """A statement without parameters (BEGIN, COMMIT, ROLLBACK): its command tag."""
        tag: str = await self._connection.execute(sql)
        return tag

    def closed(self) -> bool:
        return bool(self._connection.is_closed())


class CoreDriver:
    """Through SQLAlchemy, for the dialects without a raw path (MariaDB)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def fetch(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> list[Row]:
        result = await self._connection.execute(statement, dict(params))  # type: ignore[call-overload]
        return [dict(row) for row in result.mappings()]

    async def execute(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> int:
        result = await self._connection.execute(statement, dict(params))  # type: ignore[call-overload]
        return int(result.rowcount)

    async def execute_many(
        self,
        statement: ClauseElement,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str] | None = None,
    ) -> None:
        await self._connection.execute(statement, [dict(row) for row in rows])  # type: ignore[call-overload]
