"""A database error is logged by its class and the order id, never with customers' data.

The store is made to refuse the customer's order: on SQLite a trigger aborts the insert
(SQLAlchemy's message would quote the statement's parameters), on PostgreSQL a check
constraint refuses it (the server's DETAIL quotes the whole refused row). The log is
rendered by the production pipeline (JSON) and scanned for the customer's data.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.exc import SQLAlchemyError

from adapters.store.sql.store import SqlStore
from entrypoints.logs import DatabaseMessageFilter

from ..stores import POSTGRES_URL, sql_database
from .harness import CUSTOMER, running_service

PERSONAL = (CUSTOMER["customerEmail"], CUSTOMER["customerName"], CUSTOMER["customerPhone"])


async def _refusing_store(kind: str, tmp_path: Path) -> AsyncIterator[SqlStore]:
    url, schema, drop = await sql_database(kind, tmp_path)
    store = SqlStore(url, schema=schema)
    await store.open()
    email = CUSTOMER["customerEmail"]
    try:
        if kind == "sqlite":
            with sqlite3.connect(str(tmp_path / "data" / "store.db")) as db:
                db.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT ON orders "
                    f"WHEN NEW.customer_email = '{email}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
                )
        else:
            connection = await asyncpg.connect(POSTGRES_URL)
            try:
                await connection.execute(
                    f'ALTER TABLE "{schema}".orders ADD CONSTRAINT refuse '
                    f"CHECK (customer_email <> '{email}')"
                )
            finally:
                await connection.close()
        yield store
    finally:
        await store.close()
        await drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
async def refusing_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async for store in _refusing_store(request.param, tmp_path):
        yield store


async def test_a_database_error_logs_its_class_and_order_id_only(
    refusing_store: SqlStore, rendered_log: io.StringIO
) -> None:
    async with running_service(store=refusing_store) as service:
        # the hot statements run on the raw driver, the rest through SQLAlchemy
        with pytest.raises((SQLAlchemyError, sqlite3.Error, asyncpg.PostgresError)) as raised:
            # the app answers 500; the test transport re-raises what the server would log
            await service.client.post(
                "/api/payment/create-order", json={"amount": "10.00", **CUSTOMER}
            )
    assert any(part in str(raised.value) for part in ("refuse", "Failing row"))
    text = rendered_log.getvalue()
    for personal in PERSONAL:
        assert personal not in text
    lines = [json.loads(line) for line in text.splitlines()]
    [error] = [line for line in lines if line["event"] == "unhandled error"]
    assert error["error"] == type(raised.value).__name__
    assert error["order_id"].startswith("ORDER_")
    assert "message withheld" in error["exception"]
    assert "create_payment.py" in error["exception"]


def test_the_servers_own_error_record_keeps_frames_only() -> None:
    """uvicorn logs every exception that escapes the app ("Exception in ASGI application")."""
    email = CUSTOMER["customerEmail"]
    try:
        with sqlite3.connect(":memory:") as db:
            db.execute(f"CREATE TABLE t (email TEXT CHECK (email <> '{email}'))")
            db.execute("INSERT INTO t VALUES (?)", (email,))
    except sqlite3.IntegrityError:
        exc_info: Any = sys.exc_info()
    record = logging.LogRecord(
        "uvicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Exception in %s",
        ("ASGI application",),
        exc_info,
    )
    original = logging.Formatter().format(
        logging.LogRecord("x", logging.ERROR, __file__, 1, "%s", ("x",), exc_info)
    )
    assert email in original
    assert DatabaseMessageFilter().filter(record)
    rendered = logging.Formatter().format(record)
    assert email not in rendered
    assert rendered.startswith("Exception in ASGI application\nTraceback")
    assert "sqlite3.IntegrityError (message withheld" in rendered
