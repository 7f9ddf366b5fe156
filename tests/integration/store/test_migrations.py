"""The SQL stores' schema migrations, on SQLite, PostgreSQL and MariaDB: an empty database
upgrades to exactly the models' schema, every migration downgrades, a database that is not
at head is refused with one line, concurrent openers migrate once, a database made before
migrations is stamped, and `checkout db upgrade|current` work."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pytest
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, inspect, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import CreateIndex, DropIndex

from adapters.store.sql.customers import customer_values
from adapters.store.sql.rows import order_values
from adapters.store.sql.schema import (
    BASELINE,
    BASELINE_TABLES,
    LATER_COLUMNS,
    LATER_INDEXES,
    SchemaError,
    baseline_differences,
    config,
    differences,
    has_our_tables,
    head,
    revision,
)
from adapters.store.sql.store import SqlStore, _sqlite_connect, engine_url
from adapters.store.sql.tables import CUSTOMERS, ORDERS, TABLES
from adapters.store.url import store_from_url
from domain.accounts import CustomerProfile
from domain.customer import Customer
from domain.money import Money
from domain.order import Order
from entrypoints import cli
from entrypoints.container import build_container
from entrypoints.settings import load_settings

from ..stores import sql_database
from .builders import at

T = TypeVar("T")
OPENERS = 4
PROCESSES = 3
PROCESS_TIMEOUT_SECONDS = 60
SQL_KINDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("mariadb", marks=pytest.mark.services),
]
REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Database:
    """An empty database of one kind: its URL and the private schema the test owns."""

    url: str
    schema: str | None

    def store(self, *, migrate: bool = True) -> SqlStore:
        return SqlStore(self.url, schema=self.schema, migrate=migrate, pool_size=2)

    async def run(self, function: Callable[[Connection], T]) -> T:
        """`function` in one transaction, on a connection of the test's own."""
        url = engine_url(self.url)
        if url.get_backend_name() == "sqlite":
            Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            try:
                with engine.begin() as connection:
                    return function(connection)
            finally:
                engine.dispose()
        async_engine = create_async_engine(url)
        if self.schema is not None:
            async_engine = async_engine.execution_options(schema_translate_map={None: self.schema})
        try:
            async with async_engine.begin() as connection:
                return await connection.run_sync(function)
        finally:
            await async_engine.dispose()

    async def open_and_close(self, *, migrate: bool = True) -> None:
        store = self.store(migrate=migrate)
        try:
            await store.open()
        finally:
            await store.close()

    async def state(self, tables: frozenset[str] | None = None) -> tuple[str | None, list[object]]:
        """The revision and what differs from the models (of `tables`, or all)."""
        return await self.run(
            lambda connection: (
                revision(connection, self.schema),
                differences(connection, self.schema)
                if tables is None
                else differences(connection, self.schema, tables),
            )
        )


@pytest.fixture(params=SQL_KINDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url, schema, drop = await sql_database(request.param, tmp_path)
    try:
        yield Database(url, schema)
    finally:
        await drop()


SEARCH_INDEXES_0003 = frozenset(
    {"ix_payment_attempts_payment", "ix_customers_email", "ix_customers_phone"}
)
REFUND_INDEXES_0005 = frozenset({"ix_refunds_arn"})
REFERENCE_INDEXES_0004 = LATER_INDEXES - SEARCH_INDEXES_0003 - REFUND_INDEXES_0005


def bank_reference() -> Column[str]:
    """0004's column, as a shop adds it by hand (a Column joins one table only)."""
    return Column("bank_reference", String(100), nullable=False, server_default="")


def arn() -> Column[str]:
    """0005's column, as a shop adds it by hand."""
    return Column("arn", String(100), nullable=False, server_default="")


def _create_all(connection: Connection) -> None:
    """What SqlStore.open() did before migrations existed: the baseline's tables, without
    the indexes and columns later migrations added to them."""
    baseline = [table for table in TABLES if table.name in BASELINE_TABLES]
    TABLES[0].metadata.create_all(connection, tables=baseline)
    for table in baseline:
        for index in table.indexes:
            if index.name in LATER_INDEXES:
                connection.execute(DropIndex(index))
    schema = connection.get_execution_options().get("schema_translate_map", {}).get(None)
    operations = Operations(MigrationContext.configure(connection))
    for table_name, column in LATER_COLUMNS:
        operations.drop_column(table_name, column, schema=schema)


def _revisions_newest_first() -> list[str]:
    return [script.revision for script in ScriptDirectory.from_config(config()).walk_revisions()]


async def test_upgrading_an_empty_database_gives_exactly_the_models_schema(
    database: Database,
) -> None:
    await database.open_and_close()

    assert await database.state() == (head(), [])


@pytest.mark.parametrize(
    ("before", "indexes", "columns"),
    [
        ("0002", SEARCH_INDEXES_0003, ()),
        ("0003", REFERENCE_INDEXES_0004, (("payment_attempts", bank_reference),)),
        ("0004", REFUND_INDEXES_0005, (("refunds", arn),)),
    ],
    ids=["0003", "0004", "0005"],
)
async def test_what_a_migration_adds_done_by_hand_first_is_kept_by_the_upgrade(
    database: Database,
    before: str,
    indexes: frozenset[str],
    columns: tuple[tuple[str, Callable[[], Column[str]]], ...],
) -> None:
    """A shop with many payments adds a migration's columns and builds its indexes itself,
    without holding writes (PostgreSQL: the column at once, the indexes CONCURRENTLY),
    then upgrades."""

    def by_hand(connection: Connection) -> None:
        command.upgrade(config(connection, database.schema), before)
        operations = Operations(MigrationContext.configure(connection))
        for table_name, column in columns:
            operations.add_column(table_name, column(), schema=database.schema)
        for table in TABLES:
            for index in table.indexes:
                if index.name in indexes:
                    connection.execute(CreateIndex(index))

    await database.run(by_hand)

    await database.open_and_close()

    assert await database.state() == (head(), [])


async def test_the_upgrade_to_0006_fills_the_contacts_of_the_orders_stored(
    database: Database,
) -> None:
    """A customer whose profile moved on to other contacts before 0006 is found by those
    their stored orders were paid with, once upgraded."""
    contact = Customer.create("Asha Rao", "asha@example.com", "9876543210")
    orders = [
        Order.create(f"ORDER_{n}", Money.of("10.00"), contact, at(n), customer_id="cus_a")
        for n in range(2)
    ]
    profile = CustomerProfile(
        "cus_a", "Asha Rao", "asha.new@example.com", "9123456780", None, at(0)
    )

    def at_0005(connection: Connection) -> None:
        command.upgrade(config(connection, database.schema), "0005")
        for order in orders:
            row = {"order_id": order.order_id, "version": 0, **order_values(order)}
            connection.execute(insert(ORDERS), row)
        connection.execute(insert(CUSTOMERS), customer_values(profile))

    await database.run(at_0005)
    store = database.store()
    await store.open()
    try:
        reports = store.reports()
        by_email = await reports.find_customers(email="asha@example.com", phone=None, limit=20)
        by_phone = await reports.find_customers(email=None, phone="9876543210", limit=20)
    finally:
        await store.close()

    assert by_email == by_phone == [profile]


async def test_every_migration_downgrades_to_nothing_of_ours_and_upgrades_again(
    database: Database,
) -> None:
    await database.open_and_close()
    below = [*_revisions_newest_first()[1:], None]

    def step_down(connection: Connection) -> list[str | None]:
        reached = []
        for _ in below:
            command.downgrade(config(connection, database.schema), "-1")
            reached.append(revision(connection, database.schema))
        assert not has_our_tables(connection, database.schema)
        return reached

    assert await database.run(step_down) == below
    await database.open_and_close()
    assert await database.state() == (head(), [])


async def test_the_baseline_tables_are_still_the_models_of_those_tables(
    database: Database,
) -> None:
    """A database from before migrations is compared with the models of BASELINE_TABLES:
    that holds only while later migrations leave those tables as the baseline made them."""

    def at_baseline(connection: Connection) -> tuple[set[str], list[object]]:
        command.upgrade(config(connection, database.schema), BASELINE)
        tables = set(inspect(connection).get_table_names(schema=database.schema))
        return tables - {"alembic_version"}, baseline_differences(connection, database.schema)

    tables, changed = await database.run(at_baseline)

    assert tables == BASELINE_TABLES
    assert changed == []


async def test_an_empty_database_is_refused_without_migrate_in_one_line(
    database: Database,
) -> None:
    with pytest.raises(SchemaError) as refused:
        await database.open_and_close(migrate=False)

    needed = head()
    assert str(refused.value) == (
        f"database schema revision is none, this version needs {needed}: run `checkout db upgrade`"
    )
    assert not await database.run(lambda c: has_our_tables(c, database.schema))


async def test_a_database_at_an_unknown_revision_is_refused_in_one_line(
    database: Database,
) -> None:
    await database.open_and_close()
    version = Table(
        "alembic_version", MetaData(), Column("version_num", String(32)), schema=database.schema
    )
    await database.run(
        lambda connection: connection.execute(update(version).values(version_num="9999"))
    )

    for migrate in (False, True):
        with pytest.raises(SchemaError) as refused:
            await database.open_and_close(migrate=migrate)
        message = str(refused.value)
        assert "\n" not in message
        assert message.startswith("database schema revision 9999 is unknown to this version")
        assert f"it needs {head()}" in message


async def test_a_database_at_head_opens_without_migrate(database: Database) -> None:
    await database.open_and_close()

    await database.open_and_close(migrate=False)

    assert await database.state() == (head(), [])


async def test_concurrent_openers_of_a_fresh_database_migrate_it_once(
    database: Database,
) -> None:
    stores = [database.store() for _ in range(OPENERS)]
    try:
        upgrades = await asyncio.gather(
            *(store.migrations.prepare(migrate=True) for store in stores)
        )
    finally:
        for store in stores:
            await store.close()

    befores = sorted(upgrade.before or "none" for upgrade in upgrades)
    assert befores == sorted(["none"] + [head()] * (OPENERS - 1))
    assert {upgrade.after for upgrade in upgrades} == {head()}
    assert await database.state() == (head(), [])


class RefusedTwice:
    """A connection's cursor whose WAL switch SQLite refuses twice, as it may (without its
    busy handler) while other processes open the same fresh file."""

    def __init__(self, path: Path) -> None:
        self.real = sqlite3.connect(path).cursor()
        self.refusals = 2

    def execute(self, sql: str) -> sqlite3.Cursor:
        if sql == "PRAGMA journal_mode=WAL" and self.refusals:
            self.refusals -= 1
            raise sqlite3.OperationalError("database is locked")
        return self.real.execute(sql)

    def close(self) -> None:
        self.real.close()


def test_an_opener_refused_the_wal_switch_asks_again(tmp_path: Path) -> None:
    cursor = RefusedTwice(tmp_path / "fresh.db")
    opened = SimpleNamespace(isolation_level="", cursor=lambda: cursor)

    _sqlite_connect(opened, None)  # type: ignore[arg-type]

    assert cursor.refusals == 0
    with contextlib.closing(sqlite3.connect(tmp_path / "fresh.db")) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_database_made_before_migrations_is_stamped(database: Database) -> None:
    await database.run(_create_all)

    store = database.store()
    try:
        upgrade = await store.migrations.upgrade()
    finally:
        await store.close()

    assert (upgrade.before, upgrade.after, upgrade.stamped) == (None, head(), True)
    assert await database.state() == (head(), [])


async def test_a_database_made_before_migrations_is_refused_without_migrate(
    database: Database,
) -> None:
    await database.run(_create_all)

    with pytest.raises(SchemaError, match=r"is none \(tables from before migrations\)"):
        await database.open_and_close(migrate=False)
    assert (await database.state())[0] is None


async def test_a_pre_migrations_database_that_differs_is_refused(database: Database) -> None:
    (index,) = (index for index in ORDERS.indexes if index.name == "ix_orders_created_at")

    def create_all_but_one_index(connection: Connection) -> None:
        _create_all(connection)
        connection.execute(DropIndex(index))

    await database.run(create_all_but_one_index)

    with pytest.raises(SchemaError) as refused:
        await database.open_and_close()
    assert str(refused.value) == (
        "the database has tables from before migrations that differ from this version's "
        "models: recreate it or migrate it by hand"
    )
    current, missing = await database.state(BASELINE_TABLES)
    assert current is None
    indexes = {change[1].name for change in missing if change[0] == "add_index"}
    columns = {(change[2], change[3].name) for change in missing if change[0] == "add_column"}
    assert len(missing) == len(indexes) + len(columns)
    assert indexes == {"ix_orders_created_at", *LATER_INDEXES}
    assert columns == LATER_COLUMNS


def test_processes_upgrading_one_fresh_sqlite_file_together_migrate_it_once(
    tmp_path: Path,
) -> None:
    environment = {**os.environ, "STORE_URL": f"sqlite:///{tmp_path}/data/shop.db"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "db", "upgrade"],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [run.communicate(timeout=PROCESS_TIMEOUT_SECONDS) for run in runs]

    assert [run.returncode for run in runs] == [0] * PROCESSES, outputs
    printed = sorted(out.strip() for out, _ in outputs)
    assert printed == [f"schema already at head: {head()}"] * (PROCESSES - 1) + [
        f"schema upgraded: none -> {head()}"
    ]


def test_the_db_commands_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORE_URL", f"sqlite:///{tmp_path}/data/shop.db")

    printed = []
    for command_ in ("current", "upgrade", "current", "upgrade"):
        cli.main(["db", command_])
        printed.append(capsys.readouterr().out.strip())

    assert printed == [
        f"none (not head: this version needs {head()}; run `checkout db upgrade`)",
        f"schema upgraded: none -> {head()}",
        f"{head()} (head)",
        f"schema already at head: {head()}",
    ]


def test_the_db_commands_refuse_a_store_that_is_not_sql(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORE_URL", "memory://")

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["db", "upgrade"])

    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "migrations apply to SQL stores only; STORE_URL is memory:// (nothing to do)\n"
    )


def test_auto_migrate_defaults_to_sqlite_only_and_the_setting_overrides_it(
    tmp_path: Path,
) -> None:
    sqlite = f"sqlite:///{tmp_path}/shop.db"
    defaults = {
        url: getattr(store_from_url(url), "migrate", None)
        for url in (sqlite, "postgresql://u@db/pay", "mysql://u@db/pay")
    }
    assert defaults == {sqlite: True, "postgresql://u@db/pay": False, "mysql://u@db/pay": False}

    for value, expected in (("0", False), ("1", True)):
        settings = load_settings(store_url=sqlite, db_auto_migrate=value)
        store = build_container(settings).store()
        assert isinstance(store, SqlStore)
        assert store.migrate is expected
