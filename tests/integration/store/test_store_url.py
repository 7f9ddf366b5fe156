"""STORE_URL picks the store; anything else is a clear error that never echoes a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.store.json_journal import JsonJournalStore
from adapters.store.memory import MemoryStore
from adapters.store.sql.store import SqlStore
from adapters.store.url import store_from_url


def test_memory() -> None:
    assert isinstance(store_from_url("memory://"), MemoryStore)


def test_json_absolute_and_relative() -> None:
    absolute = store_from_url("json:///var/lib/checkout/credits.json")
    relative = store_from_url("json://data/credits.json")
    assert isinstance(absolute, JsonJournalStore) and isinstance(relative, JsonJournalStore)
    assert absolute.path == Path("/var/lib/checkout/credits.json")
    assert relative.path == Path("data/credits.json")


@pytest.mark.parametrize(
    ("url", "driver", "database"),
    [
        ("sqlite:///data/app.db", "sqlite+pysqlite", "data/app.db"),
        ("sqlite:////srv/app.db", "sqlite+pysqlite", "/srv/app.db"),
        ("postgresql://u@db:5432/pay", "postgresql+asyncpg", "pay"),
        ("postgres://u@db/pay", "postgresql+asyncpg", "pay"),
        ("mysql://root@db/pay", "mysql+aiomysql", "pay"),
        ("mariadb://root@db/pay", "mysql+aiomysql", "pay"),
    ],
)
def test_sql_urls_get_their_drivers(url: str, driver: str, database: str) -> None:
    store = store_from_url(url)
    assert isinstance(store, SqlStore)
    assert store.url.drivername == driver
    assert store.url.database == database


def test_description_hides_the_password() -> None:
    store = store_from_url("postgresql://pay:hunter2@db/pay")
    assert "hunter2" not in store.description


@pytest.mark.parametrize(
    "url",
    [
        "redis://db",
        "memory",
        "json://",
        "sqlite://",
        "postgresql://pay:hunter2@db:port/pay",
        "postgresql+:/pay:hunter2@/",
    ],
)
def test_anything_else_is_a_value_error_naming_store_url(url: str) -> None:
    with pytest.raises(ValueError, match="STORE_URL") as raised:
        store_from_url(url)
    assert "hunter2" not in str(raised.value)
