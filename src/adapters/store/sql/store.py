"""SqlStore: orders and credits in SQLite, PostgreSQL or MariaDB/MySQL.

Plain URLs pick the driver: `sqlite:///rel.db` or `sqlite:////abs.db` (the standard
library's sqlite3, driven by one group-commit writer, see `group_commit`), `postgresql://`
or `postgres://` (asyncpg), `mysql://` or `mariadb://` (aiomysql). SQLite runs in WAL mode
with `synchronous=FULL`, a busy timeout, foreign keys on and `BEGIN IMMEDIATE`
transactions, one unit of work at a time per process, so it never reports "database is
locked".
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random

from adapters.store.sql.group_commit import (
    GroupCommit,
    begin_immediate,
    sqlite_driver,
    sqlite_locked,
)
from adapters.store.sql.leases import AdvisoryLockLease, RowLease, advisory_key
from adapters.store.sql.prepared import Statements
from adapters.store.sql.reports import SqlReports
from adapters.store.sql.schema import Migrations
from adapters.store.sql.tables import (
    ACCOUNT_TABLES,
    ATTEMPTS,
    CONTACTS,
    CREDITS,
    ORDERS,
    OUTBOX,
    REFUNDS,
)
from adapters.store.sql.transactions import (
    GroupedTransaction,
    PooledTransaction,
    PostgresTransaction,
    Transaction,
)
from adapters.store.sql.transfer import SqlTransfer
from adapters.store.sql.unit_of_work import SqlUnitOfWork
from adapters.store.sql.wal_checkpoints import WalCheckpoints

_DRIVERS = {
    "sqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "mysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
}
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The WAL's length, in pages, at which a writer's COMMIT copies what is left of it into the
# database file (SQLite's default is 1,000). A success webhook adds about 5 pages to the
# WAL when 16 arrive together (their group shares the pages they touch) and about 20 alone,
# so at the default the COMMIT of every 50th to 200th webhook also copied and synced the
# database file, the same pages again and again. Most copying is now done beside the
# writer (`wal_checkpoints`); this length bounds the WAL (about 40 MB, reused from its start
# after each copy) and restarts it. Every COMMIT still syncs the WAL (`synchronous=FULL`).
SQLITE_CHECKPOINT_PAGES = 10_000
# Connections a PostgreSQL or MariaDB store opens at most per process, each kept once opened.
DEFAULT_POOL_SIZE = 20


def engine_url(url: str) -> URL:
    """The SQLAlchemy async URL for a plain database URL; ValueError for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("malformed database URL") from None
    scheme = parsed.drivername.split("+", 1)[0]
    if scheme not in _DRIVERS:
        raise ValueError(f"unsupported database scheme {scheme!r}")
    parsed = parsed.set(drivername=_DRIVERS[scheme])
    if scheme == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError("an SQLite store needs a file path (use memory:// for no file)")
    if scheme in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


# WAL is a property of the file, set by its first opener. Switching a fresh file to WAL
# takes an exclusive lock that SQLite may refuse at once, without its busy handler, while
# other processes open the same file: asked again, it waits for them.
_switch_to_wal = Retrying(
    retry=retry_if_exception(sqlite_locked),
    stop=stop_after_delay(SQLITE_BUSY_TIMEOUT_MS / 1000),
    wait=wait_random(0.005, 0.05),
    reraise=True,
).wraps(lambda cursor: cursor.execute("PRAGMA journal_mode=WAL"))


def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is turned off so `BEGIN IMMEDIATE` is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    begin_immediate(sqlite_driver(connection))


class SqlStore:
    """`schema` puts the tables in a PostgreSQL schema or MariaDB database of that name.

    `migrate`: open() upgrades the schema to head; without it, open() refuses (SchemaError)
    a database that is not already at head (see `schema`).

    PostgreSQL and MariaDB: at most `pool_size` connections, each kept open once opened (a
    unit of work beyond that waits for one): a connection opened for a burst and closed
    after it cost more than the statements it ran (a new asyncpg connection prepares every
    statement again).
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        migrate: bool = True,
    ) -> None:
        self.url = engine_url(url)
        self.dialect = self.url.get_backend_name()
        self.description = self.url.render_as_string(hide_password=True)
        self.kind = self.dialect
        self.migrate = migrate
        self._schema = schema
        self._engine: AsyncEngine | None = None
        self._group: GroupCommit | None = None
        if self.dialect == "sqlite":
            self._sync_engine = create_engine(
                self.url, connect_args={"check_same_thread": False}, hide_parameters=True
            )
            event.listen(self._sync_engine, "connect", _sqlite_connect)
            event.listen(self._sync_engine, "begin", _sqlite_begin)
            path = Path(str(self.url.database))
            self._group = GroupCommit(
                self._sync_engine,
                busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS,
                checkpoints=WalCheckpoints(path),
            )
            self._statements = Statements(self._sync_engine.dialect, None)
            self.migrations = Migrations(self._sync_engine, None, path)
            return
        options: dict[str, Any] = {
            "pool_size": pool_size,
            "max_overflow": 0,
            # error messages must not quote customers' data (see entrypoints.logs)
            "hide_parameters": True,
        }
        if self.dialect == "mysql":
            options["isolation_level"] = "READ COMMITTED"
        engine = create_async_engine(self.url, **options)
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        self._engine = engine
        self._statements = Statements(engine.dialect, schema)
        # units of work on PostgreSQL begin and end their transactions themselves
        self._units_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else engine
        )
        self.migrations = Migrations(engine, schema, None)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._transaction(), self.dialect)

    def _transaction(self) -> Transaction:
        if self._group is not None:
            return GroupedTransaction(self._group, self._statements)
        if self.dialect == "postgresql":
            return PostgresTransaction(self._units_engine, self._statements)
        assert self._engine is not None
        return PooledTransaction(self._engine)

    def reports(self) -> SqlReports:
        return SqlReports(self.unit_of_work)

    def transfer(self) -> SqlTransfer:
        return SqlTransfer(self.unit_of_work)

    def leader_lease(self, name: str, holder: str) -> AdvisoryLockLease | RowLease:
        """PostgreSQL: an advisory lock; SQLite and MariaDB: a row, on the database's
        clock for MariaDB (see `sql.leases`)."""
        if self.dialect == "postgresql":
            assert self._engine is not None
            return AdvisoryLockLease(self._engine, advisory_key(name, self._schema))
        return RowLease(self.unit_of_work, name, holder, database_clock=self.dialect != "sqlite")

    async def open(self) -> None:
        """Bring the schema to head, or check it is there (see `migrate`)."""
        await self.migrations.prepare(migrate=self.migrate)

    async def reset(self) -> None:
        async with self.unit_of_work() as uow:
            await uow.session.execute(delete(ATTEMPTS))
            await uow.session.execute(delete(ORDERS))
            await uow.session.execute(delete(CREDITS))
            for table in ACCOUNT_TABLES:
                await uow.session.execute(delete(table))
            await uow.session.execute(delete(OUTBOX))
            await uow.session.execute(delete(REFUNDS))
            await uow.session.execute(delete(CONTACTS))
            await uow.commit()

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            return
        assert self._group is not None
        await self._group.close()
        await asyncio.to_thread(self._sync_engine.dispose)
