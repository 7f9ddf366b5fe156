"""PostgreSQL units of work open their own transaction on the raw connection: what they
leave behind when that connection breaks under them, and the writes they hold for the
commit (`held_writes`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.store.sql.driver import AsyncpgDriver
from adapters.store.sql.held_writes import MOST_HELD
from adapters.store.sql.store import SqlStore
from adapters.store.sql.tables import ORDERS
from application.errors import ConcurrencyConflict, DuplicateOrder
from application.ports import Store
from domain.accounts import CustomerProfile
from domain.errors import DuplicateCredit
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus

from .builders import (
    CUSTOMER_ID,
    active_order,
    at,
    attempt,
    credit,
    customer,
    message,
    paid_order,
    profile,
)
from .group_units import add_order, stored_ids

pytestmark = pytest.mark.parametrize(
    "store_kind", [pytest.param("postgresql", marks=pytest.mark.services)]
)


async def _break(store: Store) -> None:
    """Open a unit, write, lose the connection, then be cancelled (a shutdown)."""
    assert isinstance(store, SqlStore)
    async with store.unit_of_work() as uow:
        await uow.orders.add(active_order("ORDER_LOST"))
        connection = await uow.session.core_connection()
        assert isinstance(connection, AsyncConnection)
        await connection.invalidate()
        raise asyncio.CancelledError


async def test_a_cancelled_unit_on_a_broken_connection_stays_cancelled(store: Store) -> None:
    with pytest.raises(asyncio.CancelledError):
        await _break(store)

    await add_order(store, "ORDER_AFTER")
    assert await stored_ids(store) == {"ORDER_AFTER"}


class Sent:
    """What the units of work send on their asyncpg connections, in order: a statement's
    kind ("BEGIN", "COMMIT", "select", "insert", ...)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: list[str] = []
        for name in ("fetch", "execute", "execute_many"):
            monkeypatch.setattr(AsyncpgDriver, name, self._spy(getattr(AsyncpgDriver, name)))
        command = AsyncpgDriver.command

        async def spy_command(driver: AsyncpgDriver, sql: str) -> str:
            self.kinds.append(sql)
            return await command(driver, sql)

        monkeypatch.setattr(AsyncpgDriver, "command", spy_command)

    def _spy(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def spy(driver: AsyncpgDriver, statement: Any, *args: Any) -> Any:
            self.kinds.append(type(statement).__name__.lower())
            return await method(driver, statement, *args)

        return spy


async def _pay(store: Store, order_id: str, payment_id: str) -> None:
    """A webhook's unit: read, record the payment, grant, one message, save, commit."""
    async with store.unit_of_work() as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        order.record_attempt(attempt(payment_id, AttemptStatus.SUCCESS), at(2))
        await uow.ledger.add(credit(order))
        await uow.outbox.add(message(order_id))
        await uow.orders.save(order)
        await uow.commit()


async def test_a_confirmations_writes_go_as_one_statement_without_a_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_order(store, "ORDER_A")
    sent = Sent(monkeypatch)
    await _pay(store, "ORDER_A", "pay_1")
    assert sent.kinds == ["select", "select"]  # the read, then every write in one
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None and order.status is OrderStatus.PAID and order.version == 1
        assert [a.payment_id for a in order.attempts] == ["pay_1"]
        assert await uow.ledger.get("ORDER_A") == credit(order)
        assert [m.order_id for m in await uow.outbox.due(at(10), 10)] == ["ORDER_A"]


async def test_a_read_after_a_held_write_sends_it_first_in_a_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = paid_order("ORDER_A")
    await add_order(store, "ORDER_B")
    sent = Sent(monkeypatch)
    async with store.unit_of_work() as uow:
        await uow.ledger.add(credit(order))
        assert await uow.orders.get("ORDER_B") is not None
        await uow.commit()
    assert sent.kinds == ["BEGIN", "insert", "select", "COMMIT"]


async def test_a_refused_held_credit_fails_the_commit_and_writes_nothing(
    store: Store,
) -> None:
    """The grant is held, so its refusal comes from the commit, not from the statement
    that sent it, and the unit's other writes are not stored."""
    order = paid_order("ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.commit()
    with pytest.raises(DuplicateCredit):
        async with store.unit_of_work() as uow:
            await uow.ledger.add(credit(order, minutes=9))
            await uow.orders.add(active_order("ORDER_B"))
            await uow.commit()
    assert await stored_ids(store) == {"ORDER_A"}
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") == credit(order)


async def test_a_refusal_inside_the_one_statement_is_reported_exactly(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grant refused by the one statement aborts it; the writes then run one at a
    time and raise DuplicateCredit, and none of them is stored."""
    await add_order(store, "ORDER_A")
    async with store.unit_of_work() as uow:
        await uow.ledger.add(credit(paid_order("ORDER_A")))
        await uow.commit()
    sent = Sent(monkeypatch)
    with pytest.raises(DuplicateCredit):
        await _pay(store, "ORDER_A", "pay_1")
    assert sent.kinds[:4] == ["select", "select", "BEGIN", "insert"]
    assert sent.kinds[-1] == "ROLLBACK"
    async with store.unit_of_work() as uow:
        stored = await uow.orders.get("ORDER_A")
        assert stored is not None and stored.version == 0 and stored.attempts == []
        assert await uow.outbox.due(at(10), 10) == []


async def test_racing_confirmations_in_one_statement_credit_once(store: Store) -> None:
    """Both send their one statement; the loser's version check matches nothing, it
    reloads (as `retry_on_conflict` would) and finds the order paid."""
    await add_order(store, "ORDER_A")
    outcomes = await asyncio.gather(
        _pay(store, "ORDER_A", "pay_1"), _pay(store, "ORDER_A", "pay_2"), return_exceptions=True
    )
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyConflict | DuplicateCredit)]
    assert outcomes.count(None) == 1 and len(conflicts) == 1
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None and order.version == 1 and len(order.attempts) == 1
        assert await uow.ledger.get("ORDER_A") is not None
        assert len(await uow.outbox.due(at(10), 10)) == 1


async def test_a_held_commit_on_a_broken_connection_stores_nothing_and_the_next_unit_works(
    store: Store,
) -> None:
    """No answer from PostgreSQL: the commit fails and the connection is not pooled again."""
    await add_order(store, "ORDER_A")
    assert isinstance(store, SqlStore)
    with pytest.raises(asyncpg.InterfaceError, match="connection is closed"):
        async with store.unit_of_work() as uow:
            await uow.ledger.add(credit(paid_order("ORDER_A")))
            connection = await uow.session.core_connection()
            assert isinstance(connection, AsyncConnection)
            await connection.invalidate()
            await uow.commit()
    await _pay(store, "ORDER_A", "pay_1")  # its grant would be refused had the first landed
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None and order.version == 1
        assert await uow.ledger.get("ORDER_A") == credit(order)


async def test_more_writes_than_a_unit_holds_are_all_stored_in_one_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = Sent(monkeypatch)
    async with store.unit_of_work() as uow:
        for number in range(MOST_HELD + 2):
            await uow.outbox.add(message(f"ORDER_{number}"))
        await uow.commit()
    assert sent.kinds[0] == "BEGIN" and sent.kinds[-1] == "COMMIT"
    async with store.unit_of_work() as uow:
        assert len(await uow.outbox.due(at(10), 20)) == MOST_HELD + 2


async def test_an_order_saved_twice_in_a_unit_is_saved_in_order(store: Store) -> None:
    """The second save of a held row sends the first ahead of it."""
    await add_order(store, "ORDER_A")
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_A")
        assert order is not None
        order.record_attempt(attempt("p1", AttemptStatus.FAILED), at(1))
        await uow.orders.save(order)
        order.record_attempt(attempt("p2", AttemptStatus.SUCCESS), at(2))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.orders.get("ORDER_A")
    assert stored == order and stored.version == 2
    assert [a.payment_id for a in stored.attempts] == ["p1", "p2"]


async def _open(store: Store, order: Order, customer_profile: CustomerProfile) -> None:
    """Create-order's first unit (the customer's profile, the new order) and a message."""
    async with store.unit_of_work() as uow:
        await uow.customers.upsert(customer_profile)
        await uow.orders.add(order)
        await uow.outbox.add(message(order.order_id))
        await uow.commit()


async def test_a_new_order_with_its_customer_goes_as_one_statement(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _open(store, active_order("ORDER_A"), profile(CUSTOMER_ID, agent="agent_1"))
    sent = Sent(monkeypatch)
    await _open(store, active_order("ORDER_B"), profile(CUSTOMER_ID, agent="agent_2"))
    assert sent.kinds == ["select"]
    async with store.unit_of_work() as uow:
        assert await uow.orders.get("ORDER_B") == active_order("ORDER_B")
        assert await uow.customers.get(CUSTOMER_ID) == profile(CUSTOMER_ID, agent="agent_1")


async def test_a_held_duplicate_order_fails_the_commit_and_writes_nothing(store: Store) -> None:
    await add_order(store, "ORDER_A")
    with pytest.raises(DuplicateOrder):
        await _open(store, active_order("ORDER_A", amount="2.00"), profile(CUSTOMER_ID))
    async with store.unit_of_work() as uow:
        assert await uow.customers.get(CUSTOMER_ID) is None
        assert await uow.outbox.due(at(10), 10) == []
        assert await uow.orders.get("ORDER_A") == active_order("ORDER_A")


async def test_an_adopted_order_is_saved_in_one_statement_without_a_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Create-order's second unit: the order its first unit stored, opened at the gateway."""
    order = Order.create("ORDER_A", Money.of("499.00"), customer(), at(0), customer_id=CUSTOMER_ID)
    await _open(store, order, profile(CUSTOMER_ID))
    sent = Sent(monkeypatch)
    async with store.unit_of_work() as uow:
        uow.orders.adopt(order)
        order.activate("cf_ORDER_A", "session_ORDER_A", at(1))
        await uow.orders.save(order)
        await uow.commit()
    assert sent.kinds == ["select"]
    async with store.unit_of_work() as uow:
        stored = await uow.orders.get("ORDER_A")
    assert stored == order and stored.status is OrderStatus.ACTIVE and stored.version == 1


async def test_sqlalchemys_connection_shares_the_units_transaction_and_goes_back_to_the_pool(
    store: Store,
) -> None:
    """A unit holds the pool's connection alone; a statement through SQLAlchemy builds a
    `Connection` over it, inside the transaction the unit began on the raw driver."""
    assert isinstance(store, SqlStore) and store._engine is not None
    pool = store._engine.sync_engine.pool
    await add_order(store, "ORDER_A")
    renamed = update(ORDERS).where(ORDERS.c.order_id == "ORDER_A").values(customer_name="B")
    with pytest.raises(RuntimeError, match="after both writes"):
        async with store.unit_of_work() as uow:
            await uow.ledger.add(credit(paid_order("ORDER_A")))
            await uow.session.execute(renamed)
            raise RuntimeError("after both writes")
    async with store.unit_of_work() as uow:
        assert await uow.ledger.get("ORDER_A") is None
        order = await uow.orders.get("ORDER_A")
        assert order is not None and order.customer.name == active_order("X").customer.name
        await uow.session.execute(renamed)
        await uow.commit()
    async with store.unit_of_work() as uow:
        names = await uow.session.execute(select(ORDERS.c.customer_name))
        assert names.scalars().all() == ["B"]
    assert pool.checkedout() == 0
