"""PostgreSQL units of work open their own transaction on the raw connection: what they
leave behind when that connection breaks under them."""

from __future__ import annotations

import asyncio

import pytest

from adapters.store.sql.store import SqlStore
from application.ports import Store

from .builders import active_order
from .group_units import add_order, stored_ids

pytestmark = pytest.mark.parametrize(
    "store_kind", [pytest.param("postgresql", marks=pytest.mark.services)]
)


async def _break(store: Store) -> None:
    """Open a unit, write, lose the connection, then be cancelled (a shutdown)."""
    assert isinstance(store, SqlStore)
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_LOST"))
        connection = uow.session.connection
        assert connection is not None
        await connection.invalidate()
        raise asyncio.CancelledError


async def test_a_cancelled_unit_on_a_broken_connection_stays_cancelled(store: Store) -> None:
    with pytest.raises(asyncio.CancelledError):
        await _break(store)

    await add_order(store, "ORDER_AFTER")
    assert await stored_ids(store) == {"ORDER_AFTER"}
