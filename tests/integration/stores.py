"""Fresh, private stores of every kind for tests, and the rule for unreachable servers.

PostgreSQL (postgresql://postgres@127.0.0.1:5432/test) and MariaDB
(mysql://root@127.0.0.1:3306/test) tests get a schema/database of their own that is
dropped afterwards. They skip when the server is unreachable, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiomysql
import asyncpg
import pytest

from adapters.store.json_journal import JsonJournalStore
from adapters.store.memory import MemoryStore
from adapters.store.sql.store import SqlStore
from application.ports import Store

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql://root@127.0.0.1:3306/test"
CONNECT_TIMEOUT = 3

STORE_KINDS = [
    "memory",
    "json",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("mariadb", marks=pytest.mark.services),
]


def unavailable(reason: str) -> None:
    """Skip with one line, or fail when the environment requires the services."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


async def _postgres_schema() -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"store_test_{secrets.token_hex(6)}"
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=CONNECT_TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL unreachable at 127.0.0.1:5432: {type(exc).__name__}")
    await connection.execute(f'CREATE SCHEMA "{name}"')
    await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=CONNECT_TIMEOUT)
        await connection.execute(f'DROP SCHEMA "{name}" CASCADE')
        await connection.close()

    return name, drop


async def _mariadb_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"store_test_{secrets.token_hex(6)}"

    async def run(statement: str) -> None:
        connection = await aiomysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", connect_timeout=CONNECT_TIMEOUT
        )
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(statement)
        finally:
            connection.close()

    try:
        await run(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    except (OSError, aiomysql.Error, TimeoutError) as exc:
        unavailable(f"MariaDB unreachable at 127.0.0.1:3306: {type(exc).__name__}")
    return name, lambda: run(f"DROP DATABASE `{name}`")


async def _postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    """A database of its own (not a schema): a STORE_URL another process can use."""
    name = f"store_test_{secrets.token_hex(6)}"
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=CONNECT_TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL unreachable at 127.0.0.1:5432: {type(exc).__name__}")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=CONNECT_TIMEOUT)
        try:
            await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", drop


async def _nothing() -> None:
    return None


async def store_url(kind: str, tmp_path: Path) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A STORE_URL of a fresh, empty store of `kind` for server processes (every one given
    the URL shares the store), and how to drop it."""
    if kind == "json":
        return f"json://{tmp_path}/data/credits.json", _nothing
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/data/store.db", _nothing
    if kind == "postgresql":
        return await _postgres_database()
    if kind == "mariadb":
        url, database, drop = await sql_database(kind, tmp_path)
        return url.rsplit("/", 1)[0] + f"/{database}", drop
    raise AssertionError(kind)


async def sql_database(
    kind: str, tmp_path: Path
) -> tuple[str, str | None, Callable[[], Awaitable[None]]]:
    """An empty SQL database of `kind`: its URL, its private schema, how to drop it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/data/store.db", None, _nothing
    if kind == "postgresql":
        schema, drop = await _postgres_schema()
        return POSTGRES_URL, schema, drop
    if kind == "mariadb":
        database, drop = await _mariadb_database()
        return MARIADB_URL, database, drop
    raise AssertionError(kind)


async def make_store(kind: str, tmp_path: Path) -> tuple[Store, Callable[[], Awaitable[None]]]:
    """A fresh, opened store of `kind` and how to drop what it created."""
    store: Store
    drop: Callable[[], Awaitable[None]] = _nothing
    if kind == "memory":
        store = MemoryStore()
    elif kind == "json":
        store = JsonJournalStore(tmp_path / "data" / "credits.json")
    else:
        url, schema, drop = await sql_database(kind, tmp_path)
        store = SqlStore(url, schema=schema)
    await store.open()
    return store, drop
