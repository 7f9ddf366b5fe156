"""The SQL stores' schema: Alembic migrations run on the store's own engine.

No alembic.ini: the configuration is built here and `migrations/env.py` runs on the
connection handed to it. PostgreSQL and MariaDB run Alembic over the async engine
(`run_sync`), SQLite over its sync engine. Checking and upgrading happen under one lock per
database (a PostgreSQL transaction advisory lock, a MariaDB `GET_LOCK`, an `flock` beside
the SQLite file), so instances starting together migrate once and the others find it done.

A database made before migrations existed (our tables, no version table) is stamped at the
first revision when its schema is exactly the models', and refused otherwise.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Boolean, Column, MetaData, String, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.schema import RETAIN_SCHEMA

from adapters.store.sql.tables import TABLES

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
"""The revision whose schema is the one `create_all` made before migrations existed."""
BASELINE_TABLES = frozenset(
    {
        "orders",
        "payment_attempts",
        "credit_entries",
        "customers",
        "ledger_adjustments",
        "subscriptions",
        "subscription_periods",
        "referrals",
        "outbox",
        "refunds",
    }
)
"""The tables BASELINE creates. A database from before migrations is compared with the
models of these tables only, but for LATER_INDEXES and LATER_COLUMNS (a test checks that
the baseline makes exactly that: a later migration that changes these tables otherwise
must be named here)."""
LATER_INDEXES = frozenset(
    {
        "ix_payment_attempts_payment",
        "ix_customers_email",
        "ix_customers_phone",
        "ix_payment_attempts_bank_reference",
        "ix_orders_gateway_order",
        "ix_refunds_gateway_refund",
        "ix_refunds_arn",
    }
)
"""Indexes later migrations (0003, 0004, 0005) added to the baseline's tables: a database from
before migrations lacks them, and the upgrade that follows its stamping builds them."""
LATER_COLUMNS = frozenset({("payment_attempts", "bank_reference"), ("refunds", "arn")})
"""Columns (table, column) later migrations (0004, 0005) added to the baseline's tables."""
LOCK_TIMEOUT_SECONDS = 300
_LOCK_POLL_SECONDS = 0.05
_OUR_TABLES = frozenset(table.name for table in TABLES)


class SchemaError(ValueError):
    """The database's schema is not the one this version runs on: one line on what to do."""


@dataclass(frozen=True)
class Upgrade:
    """What bringing a database to head did: `before` is None for a database without a
    version table; `stamped` when it was made before migrations and recorded as BASELINE."""

    before: str | None
    after: str
    stamped: bool = False


def config(connection: Connection | None = None, schema: str | None = None) -> Config:
    """Alembic's configuration, with the connection and schema `env.py` runs on."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(MIGRATIONS))
    alembic_config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    alembic_config.attributes["connection"] = connection
    alembic_config.attributes["schema"] = schema
    return alembic_config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The revision this version of the code runs on."""
    revision = _scripts().get_current_head()
    assert revision is not None, "no migrations"
    return revision


def target_metadata(schema: str | None = None, tables: frozenset[str] = _OUR_TABLES) -> MetaData:
    """The models of `tables` (all of ours by default), in `schema` when one is given."""
    # Indexes named by `index=True` keep their names when the tables move to a schema.
    metadata = MetaData(naming_convention={"ix": "ix_%(table_name)s_%(column_0_name)s"})
    for table in TABLES:
        if table.name in tables:
            table.to_metadata(metadata, schema=RETAIN_SCHEMA if schema is None else schema)
    return metadata


def context_options(
    connection: Connection, schema: str | None, tables: frozenset[str] = _OUR_TABLES
) -> dict[str, Any]:
    """How Alembic runs and compares here: our tables only (or `tables`), in the store's
    schema (the version table too), types and server defaults compared, batch operations
    rendered so a generated migration also runs on SQLite."""

    def ours(name: str | None, type_: str, _parents: Any) -> bool:
        if type_ == "schema":
            return name == schema
        if type_ == "table":
            return name in tables
        return True

    return {
        "connection": connection,
        "target_metadata": target_metadata(schema, tables),
        "version_table_schema": schema,
        "include_schemas": schema is not None,
        "include_name": ours,
        "compare_type": True,
        "compare_server_default": _compare_default,
        "render_as_batch": True,
    }


def _compare_default(
    _context: MigrationContext,
    _inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_default: str | None,
    _metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Whether a server default differs; None leaves it to Alembic. A boolean default is
    compared by truth: MariaDB reports `false()` back as '0'; a text one by its text."""
    if isinstance(metadata_column.type, String):
        return _text(inspected_default) != _text(rendered_metadata_default)
    if not isinstance(metadata_column.type, Boolean):
        return None
    return _truth(inspected_default) != _truth(rendered_metadata_default)


def _text(default: str | None) -> str | None:
    """A text default as each database reports it ('x', ('x'), 'x'::character varying)."""
    if default is None:
        return None
    return default.split("::", 1)[0].strip().strip("()").strip("'\"")


def _truth(default: str | None) -> bool | None:
    if default is None:
        return None
    return default.strip("'\"").lower() in ("1", "true")


def differences(
    connection: Connection, schema: str | None, tables: frozenset[str] = _OUR_TABLES
) -> list[Any]:
    """What autogenerate would change to make the database's tables (of `tables`, all of
    ours by default) the models' ones."""
    options = context_options(connection, schema, tables)
    options.pop("connection")
    metadata = options.pop("target_metadata")
    return list(compare_metadata(MigrationContext.configure(connection, opts=options), metadata))


def baseline_differences(connection: Connection, schema: str | None) -> list[Any]:
    """What the database's baseline tables lack, or hold more, than BASELINE made them."""
    return [
        difference
        for difference in differences(connection, schema, BASELINE_TABLES)
        if not _later_addition(difference)
    ]


def _later_addition(difference: Any) -> bool:
    if not isinstance(difference, tuple):
        return False
    if difference[0] == "add_index":
        return difference[1].name in LATER_INDEXES
    if difference[0] == "add_column":
        return (difference[2], difference[3].name) in LATER_COLUMNS
    return False


def revision(connection: Connection, schema: str | None) -> str | None:
    """The database's revision, None when it has no version table (or an empty one)."""
    context = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return context.get_current_revision()


def has_our_tables(connection: Connection, schema: str | None) -> bool:
    names = set(inspect(connection).get_table_names(schema=schema))
    return bool(names & _OUR_TABLES)


def _bring_to_head(connection: Connection, schema: str | None, *, migrate: bool) -> Upgrade:
    """Under the lock: stamp a pre-migrations database, then upgrade it, or refuse."""
    needed = head()
    found = revision(connection, schema)
    stamped = False
    if found is None and has_our_tables(connection, schema):
        if baseline_differences(connection, schema):
            raise SchemaError(
                "the database has tables from before migrations that differ from this "
                "version's models: recreate it or migrate it by hand"
            )
        if not migrate:
            raise SchemaError(_behind("none (tables from before migrations)", needed))
        command.stamp(config(connection, schema), BASELINE)
        found, stamped = BASELINE, True
    if found == needed:
        return Upgrade(None if stamped else found, needed, stamped)
    if found is not None and _unknown(found):
        raise SchemaError(
            f"database schema revision {found} is unknown to this version (it needs "
            f"{needed}): the database was migrated by a newer or different version"
        )
    if not migrate:
        raise SchemaError(_behind(found or "none", needed))
    command.upgrade(config(connection, schema), "head")
    return Upgrade(None if stamped else found, needed, stamped)


def _behind(found: str, needed: str) -> str:
    return (
        f"database schema revision is {found}, this version needs {needed}: "
        "run `checkout db upgrade`"
    )


def _unknown(found: str) -> bool:
    try:
        return _scripts().get_revision(found) is None
    except CommandError:
        return True


def _lock_key(schema: str | None) -> int:
    digest = hashlib.blake2b(f"checkout:migrate:{schema or ''}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _locked_postgresql(connection: Connection, schema: str | None, work: Callable[[], T]) -> T:
    # A transaction lock: released by the commit (or rollback) that ends the migration.
    with connection.begin():
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(schema)})
        return work()


def _locked_mysql(connection: Connection, schema: str | None, work: Callable[[], T]) -> T:
    # MariaDB DDL commits as it goes, so the lock belongs to the session, not a transaction.
    database = schema or connection.execute(text("SELECT DATABASE()")).scalar_one()
    name = f"checkout_migrate:{database}"[:64]
    got = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": LOCK_TIMEOUT_SECONDS}
    ).scalar_one()
    if got != 1:
        raise SchemaError(f"another instance held the migration lock {name!r} too long")
    try:
        result = work()
        connection.commit()
        return result
    except BaseException:
        connection.rollback()
        raise
    finally:
        if not connection.invalidated:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
            connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive `flock` on `path`: every opener of the same database file, in any
    thread or process, waits here (up to LOCK_TIMEOUT_SECONDS)."""
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SchemaError(f"another process held {path} too long") from None
                time.sleep(_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Migrations:
    """One store's database: its revision, and bringing it to head under the lock."""

    def __init__(
        self, engine: Engine | AsyncEngine, schema: str | None, sqlite_file: Path | None
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._sqlite_file = sqlite_file

    def head(self) -> str:
        return head()

    async def current(self) -> str | None:
        if self._sqlite_file is not None and not self._sqlite_file.exists():
            return None
        return await self.run(lambda connection: revision(connection, self._schema))

    async def upgrade(self) -> Upgrade:
        """Bring the database to head (stamping a pre-migrations one first)."""
        return await self.prepare(migrate=True)

    async def prepare(self, *, migrate: bool) -> Upgrade:
        """At head when this returns: upgraded if `migrate`, else SchemaError if behind."""
        return await self.run(lambda connection: self._locked(connection, migrate))

    def _locked(self, connection: Connection, migrate: bool) -> Upgrade:
        def work() -> Upgrade:
            return _bring_to_head(connection, self._schema, migrate=migrate)

        dialect = connection.dialect.name
        if dialect == "postgresql":
            return _locked_postgresql(connection, self._schema, work)
        if dialect == "mysql":
            return _locked_mysql(connection, self._schema, work)
        assert self._sqlite_file is not None, "an SQLite store has a file"
        with _file_lock(Path(f"{self._sqlite_file}.migrate.lock")), connection.begin():
            return work()

    async def run(self, function: Callable[[Connection], T]) -> T:
        """`function` on a connection of this database's own engine, off the event loop
        (what the migrations run on; `bench/search.py` builds indexes through it)."""
        if isinstance(self._engine, AsyncEngine):
            async with self._engine.connect() as connection:
                return await connection.run_sync(function)
        engine = self._engine
        if self._sqlite_file is not None:
            self._sqlite_file.parent.mkdir(parents=True, exist_ok=True)

        def run() -> T:
            with engine.connect() as connection:
                return function(connection)

        return await asyncio.to_thread(run)
