"""Column types that behave the same on every dialect we support."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# a value converted on its way to or from the driver (see `prepared`)
Processor = Callable[[Any], Any]


def sqlite_text(value: datetime | None) -> str | None:
    """The text SQLite keeps for `value`: naive UTC in SQLAlchemy's DATETIME format
    (`YYYY-MM-DD HH:MM:SS.ffffff`), made by one C call instead of SQLAlchemy's chain of
    Python processors (a webhook binds about seventeen times)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def sqlite_datetime(value: str | None) -> datetime | None:
    """The aware UTC datetime that text from SQLite stands for (the reverse of
    `sqlite_text`, as SQLAlchemy's processors would read it)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out.

    SQLite and MariaDB keep no offset, so values are stored as naive UTC there and made
    aware again on read; MariaDB is asked for microseconds (DATETIME(6)).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def bind_processor(self, dialect: Dialect) -> Processor | None:
        if dialect.name == "sqlite":
            return sqlite_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Processor | None:
        if dialect.name == "sqlite":
            return sqlite_datetime
        return super().result_processor(dialect, coltype)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime")
        utc = value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
