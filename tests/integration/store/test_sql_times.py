"""Times on SQLite: the store's own processors write and read exactly what SQLAlchemy's
chain (UtcDateTime over SQLite's DATETIME) would, so files written before and after
them read the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from adapters.store.sql.types import UtcDateTime, sqlite_datetime, sqlite_text

DIALECT = sqlite.dialect()
# SQLAlchemy's own processors for the naive UTC values UtcDateTime hands to DATETIME
SQLALCHEMY_BIND = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
SQLALCHEMY_RESULT = DateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)

offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_times = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)


@given(aware_times)
def test_a_time_is_written_as_sqlalchemy_writes_it(value: datetime) -> None:
    assert SQLALCHEMY_BIND is not None
    expected = SQLALCHEMY_BIND(value.astimezone(UTC).replace(tzinfo=None))

    assert sqlite_text(value) == expected
    assert UtcDateTime().dialect_impl(DIALECT).bind_processor(DIALECT) is sqlite_text


@given(aware_times)
def test_a_time_reads_back_as_the_same_instant_in_utc(value: datetime) -> None:
    assert SQLALCHEMY_RESULT is not None
    text = sqlite_text(value)
    read = sqlite_datetime(text)

    assert read == value and read is not None and read.tzinfo is UTC
    assert read == SQLALCHEMY_RESULT(text).replace(tzinfo=UTC)


def test_a_naive_time_is_refused_and_nothing_stays_nothing() -> None:
    with pytest.raises(ValueError, match="naive"):
        sqlite_text(datetime(2026, 12, 4, 12, 0))
    assert sqlite_text(None) is None
    assert sqlite_datetime(None) is None


def test_text_without_microseconds_reads_as_sqlalchemy_reads_it() -> None:
    """SQLAlchemy reads such text too (written by hand or by another tool)."""
    assert sqlite_datetime("2026-12-04 12:00:00") == datetime(2026, 12, 4, 12, tzinfo=UTC)
