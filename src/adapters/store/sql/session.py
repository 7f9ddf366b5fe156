"""What the SQL repositories of one unit of work share: its connection, its raw driver,
what it has loaded, and the rule that turns database conflicts into ConcurrencyConflict.

Two ways to run a statement, on the same connection and transaction: `execute` through
SQLAlchemy (reports, accounts, refunds: everything not on the busy paths), and `fetch`,
`write` and `write_many` on the raw driver with statements compiled once (`prepared`):
the webhook's and create-order's statements.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Insert, Select, Table, func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable

from adapters.store.sql.driver import Driver
from adapters.store.sql.held_writes import MOST_HELD, HeldWrite, alone, held_insert
from adapters.store.sql.prepared import Row
from application.errors import ConcurrencyConflict
from domain.accounts import CustomerProfile
from domain.money import Money
from domain.order import Order, PaymentAttempt

_ZERO = Decimal("0.00")
# PostgreSQL serialization failure and deadlock; MariaDB deadlock and lock wait timeout.
_PG_CONFLICTS = frozenset({"40001", "40P01"})
_MYSQL_CONFLICTS = frozenset({1213, 1205})


@functools.cache
def insert_or_ignore(dialect: str, table: Table) -> Insert | None:
    """`INSERT ... ON CONFLICT DO NOTHING` where the dialect has it, built once per table."""
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return None


@functools.cache
def plain_insert(table: Table) -> Insert:
    return insert(table)


def _is_conflict(exc: BaseException) -> bool:
    """A conflict, or an error raised while unwinding one: MariaDB rolls the whole
    transaction back on a deadlock, so leaving the savepoint then fails with its own
    error (1305, no such savepoint) whose context is the deadlock."""
    seen: BaseException | None = exc
    while seen is not None:
        original = seen.orig if isinstance(seen, DBAPIError) else seen
        if getattr(original, "sqlstate", None) in _PG_CONFLICTS:
            return True
        args: tuple[Any, ...] = getattr(original, "args", ())
        if bool(args) and args[0] in _MYSQL_CONFLICTS:
            return True
        seen = seen.__context__
    return False


class _Conflicts:
    """Deadlocks and serialization failures are conflicts the caller may retry, whether
    SQLAlchemy or the raw driver reports them. A class, not `@contextmanager`: every
    statement enters one, and a generator's set-up cost as much as a short statement."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _: TracebackType | None
    ) -> None:
        if isinstance(exc, Exception) and _is_conflict(exc):
            raise ConcurrencyConflict("the database aborted a conflicting transaction") from exc


_CONFLICTS = _Conflicts()


def conflicts() -> _Conflicts:
    """`with conflicts():` around a statement; the manager keeps no state, so one serves all."""
    return _CONFLICTS


class SqlSession:
    """The open connection of a unit of work and what it has loaded.

    On SQLite the connection is the group writer's blocking one (statements run on the
    event loop, see `group_commit`); elsewhere it is an async pooled connection.
    `resume` (set while a grouped unit of work is open) takes a new turn after a commit;
    `begin` (set while a PostgreSQL unit of work has not written yet) opens its
    transaction before the first write: reads before it see what any statement of a READ
    COMMITTED transaction would, and a unit that only reads never begins one. While it
    has not begun, `hold` keeps the writes whose answers nobody reads before the commit
    (see `held_writes`), and any other statement sends them first.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.connection: AsyncConnection | Connection | None = None
        # makes `connection` on first use, where the unit opened only the driver's (PostgreSQL)
        self.connect: Callable[[], Awaitable[AsyncConnection]] | None = None
        self.driver: Driver | None = None
        # order id -> (version, attempts) as last read or written, to update attempts in place
        self.loaded: dict[str, tuple[int, tuple[PaymentAttempt, ...]]] = {}
        # customer id -> profile (None: no such customer) read with an order, see `customers`
        self.customers: dict[str, CustomerProfile | None] = {}
        self.resume: Callable[[], Awaitable[None]] | None = None
        self.begin: Callable[[], Awaitable[None]] | None = None
        # set by a transaction that sends held writes at its commit (PostgreSQL)
        self.holds_writes = False
        self.held: list[HeldWrite] = []
        # a held write refused when another statement sent it: the commit raises it
        self.refusal: Exception | None = None

    def require(self) -> None:
        if self.connection is None and self.connect is None:
            raise RuntimeError("use the repositories inside `async with store.unit_of_work()`")

    async def core_connection(self) -> AsyncConnection | Connection:
        """SQLAlchemy's connection of the unit, on the same database connection as its driver."""
        if self.connection is None:
            self.require()
            assert self.connect is not None
            self.connection = await self.connect()
        return self.connection

    async def _ready(self, *, writes: bool) -> None:
        if self.held:
            await self.send_held()
        if self.connection is None and self.resume is not None:
            await self.resume()
        self.require()
        if writes and self.begin is not None:
            await self.begin()
            self.begin = None

    async def execute(self, statement: Executable, rows: Any = None) -> Any:
        """Through SQLAlchemy (everything off the busy paths)."""
        await self._ready(writes=not isinstance(statement, Select))
        connection = await self.core_connection()
        with conflicts():
            if isinstance(connection, Connection):
                return connection.execute(statement, rows)
            return await connection.execute(statement, rows)

    async def fetch(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> list[Row]:
        """A compiled SELECT (or a write with RETURNING) on the raw driver: rows as dicts."""
        await self._ready(writes=not isinstance(statement, Select))
        assert self.driver is not None
        with conflicts():
            return await self.driver.fetch(statement, params, keys)

    async def write(
        self, statement: ClauseElement, params: Mapping[str, Any], keys: Sequence[str] | None = None
    ) -> int:
        """A compiled INSERT, UPDATE or DELETE on the raw driver: the rows it changed."""
        await self._ready(writes=True)
        assert self.driver is not None
        with conflicts():
            return await self.driver.execute(statement, params, keys)

    async def write_many(
        self,
        statement: ClauseElement,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str] | None = None,
    ) -> None:
        await self._ready(writes=True)
        assert self.driver is not None
        with conflicts():
            await self.driver.execute_many(statement, rows, keys)

    async def hold(self, write: HeldWrite) -> None:
        """Keep `write` for the commit while no transaction has begun; else run it now."""
        if (
            self.holds_writes
            and self.begin is not None
            and len(self.held) < MOST_HELD
            and all(held.row != write.row for held in self.held)
        ):
            self.require()
            self.held.append(write)
            return
        await self.run_held(write)

    async def run_held(self, write: HeldWrite) -> None:
        refusal = await self._send(write)
        if refusal is not None:
            raise refusal

    async def send_held(self) -> None:
        """The held writes one at a time, in order, in the unit's transaction; the first
        refusal is kept for the commit."""
        for write in self.take_held():
            refusal = await self._send(write)
            if refusal is not None and self.refusal is None:
                self.refusal = refusal

    async def _send(self, write: HeldWrite) -> Exception | None:
        return write.refusal(await self.write(alone(write.build), write.params))

    def take_held(self) -> list[HeldWrite]:
        writes, self.held = self.held, []
        return writes

    async def insert_or_hold(
        self,
        table: Table,
        row: dict[str, Any],
        key: str,
        refused: Callable[[], Exception] | None = None,
    ) -> None:
        """Insert `row` (whose primary or unique key is `key`) unless a uniqueness
        constraint refuses it, and then raise `refused()` if given. Where the store holds
        writes the insert waits for the commit, and so does its refusal."""
        if self.holds_writes:
            build = held_insert(table, tuple(row))
            await self.hold(HeldWrite(build, row, (table.name, key), refused))
        elif not await self.insert_once(table, row) and refused is not None:
            raise refused()

    async def insert_once(self, table: Table, row: dict[str, Any]) -> bool:
        """Insert unless a uniqueness constraint refuses it; False when it did.

        One `INSERT ... ON CONFLICT DO NOTHING` on SQLite and PostgreSQL. MariaDB's
        `INSERT IGNORE` would also swallow truncation and foreign-key errors, so there the
        insert runs in a savepoint instead.
        """
        statement = insert_or_ignore(self.dialect, table)
        if statement is not None:
            return await self.write(statement, row, tuple(row)) == 1
        return await self.insert_in_savepoint(plain_insert(table), row)

    async def insert_in_savepoint(self, statement: Insert, params: Mapping[str, Any]) -> bool:
        """Run `statement` in a savepoint; False when a uniqueness constraint refused it
        (the unit's transaction goes on without it)."""
        await self._ready(writes=True)
        connection = await self.core_connection()
        assert isinstance(connection, AsyncConnection)
        try:
            with conflicts():
                async with connection.begin_nested():
                    await connection.execute(statement, params)
        except IntegrityError:
            return False
        return True

    def money_sum(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQLite keeps NUMERIC as binary floating point: sum whole paise there instead."""
        if self.dialect == "sqlite":
            return func.sum(func.round(column * 100))
        return func.sum(column)

    def money_total(self, value: Any) -> Decimal:
        if value is None:
            return _ZERO
        if self.dialect == "sqlite":
            return Money.quantize(Decimal(int(value)).scaleb(-2))
        return Money.quantize(Decimal(value))

    def remember(self, order: Order) -> None:
        self.loaded[order.order_id] = (order.version, tuple(order.attempts))

    def drop_loaded(self) -> None:
        """What this unit read may be stale now (a rollback, or another unit's turn); what
        it held is dropped with its rollback."""
        self.held = []
        self.refusal = None
        self.loaded.clear()
        self.customers.clear()

    def forget(self) -> None:
        """The unit's turn or connection ended."""
        self.connection = None
        self.connect = None
        self.driver = None
        self.begin = None
        self.drop_loaded()
