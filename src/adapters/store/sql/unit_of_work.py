"""One SQL transaction per unit of work, with optimistic versions and store-enforced
uniqueness.

`save` is `UPDATE orders ... WHERE order_id = :id AND version = :loaded`: zero rows means
someone else saved first. Inserts run in a savepoint so a refused duplicate leaves the
transaction usable (PostgreSQL would otherwise abort it).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from adapters.store.sql.accounts import (
    SqlAdjustments,
    SqlCustomers,
    SqlReferrals,
    SqlSubscriptions,
)
from adapters.store.sql.outbox import SqlOutbox
from adapters.store.sql.refunds import SqlRefunds
from adapters.store.sql.rows import (
    Row,
    attempt_values,
    credit_from_row,
    credit_values,
    order_from_rows,
    order_values,
)
from adapters.store.sql.tables import ATTEMPTS, CREDITS, ORDERS
from application.errors import ConcurrencyConflict, DuplicateOrder
from application.ports import (
    CreditLedger,
    CustomerRepository,
    OrderRepository,
    Outbox,
    ReferralRepository,
    RefundRepository,
    SubscriptionRepository,
)
from domain.errors import DuplicateCredit
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import Order, PaymentAttempt

_ZERO = Decimal("0.00")
# PostgreSQL serialization failure and deadlock; MariaDB deadlock and lock wait timeout.
_PG_CONFLICTS = frozenset({"40001", "40P01"})
_MYSQL_CONFLICTS = frozenset({1213, 1205})


def _is_conflict(exc: DBAPIError) -> bool:
    """A conflict, or an error raised while unwinding one: MariaDB rolls the whole
    transaction back on a deadlock, so leaving the savepoint then fails with its own
    error (1305, no such savepoint) whose context is the deadlock."""
    seen: BaseException | None = exc
    while seen is not None:
        original = seen.orig if isinstance(seen, DBAPIError) else seen
        if getattr(original, "sqlstate", None) in _PG_CONFLICTS:
            return True
        args: tuple[Any, ...] = getattr(original, "args", ())
        if bool(args) and args[0] in _MYSQL_CONFLICTS:
            return True
        seen = seen.__context__
    return False


@contextmanager
def _conflicts() -> Iterator[None]:
    """Deadlocks and serialization failures are conflicts the caller may retry."""
    try:
        yield
    except DBAPIError as exc:
        if _is_conflict(exc):
            raise ConcurrencyConflict("the database aborted a conflicting transaction") from exc
        raise


class SqlSession:
    """The open connection of a unit of work and what it has loaded."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.connection: AsyncConnection | None = None
        # order id -> (version, attempts) as last read or written, to update attempts in place
        self.loaded: dict[str, tuple[int, tuple[PaymentAttempt, ...]]] = {}

    def require(self) -> AsyncConnection:
        if self.connection is None:
            raise RuntimeError("use the repositories inside `async with store.unit_of_work()`")
        return self.connection

    async def execute(self, statement: Executable, rows: Any = None) -> Any:
        with _conflicts():
            return await self.require().execute(statement, rows)

    async def insert_once(self, statement: Executable) -> bool:
        """Insert in a savepoint; False when a uniqueness constraint refused it."""
        connection = self.require()
        try:
            with _conflicts():
                async with connection.begin_nested():
                    await connection.execute(statement)
        except IntegrityError:
            return False
        return True

    def money_sum(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQLite keeps NUMERIC as binary floating point: sum whole paise there instead."""
        if self.dialect == "sqlite":
            return func.sum(func.round(column * 100))
        return func.sum(column)

    def money_total(self, value: Any) -> Decimal:
        if value is None:
            return _ZERO
        if self.dialect == "sqlite":
            return Money.quantize(Decimal(int(value)).scaleb(-2))
        return Money.quantize(Decimal(value))

    def remember(self, order: Order) -> None:
        self.loaded[order.order_id] = (order.version, tuple(order.attempts))


async def load_orders(
    session: SqlSession, where: ColumnElement[bool] | None, *, limit: int, offset: int
) -> list[Order]:
    """Orders newest first with their attempts, in two queries whatever the page size."""
    statement = select(ORDERS)
    if where is not None:
        statement = statement.where(where)
    statement = (
        statement.order_by(ORDERS.c.created_at.desc(), ORDERS.c.order_id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(statement)).mappings().all()
    if not rows:
        return []
    ids = [row["order_id"] for row in rows]
    attempts: defaultdict[str, list[Row]] = defaultdict(list)
    attempt_rows = await session.execute(
        select(ATTEMPTS)
        .where(ATTEMPTS.c.order_id.in_(ids))
        .order_by(ATTEMPTS.c.order_id, ATTEMPTS.c.position)
    )
    for attempt in attempt_rows.mappings():
        attempts[attempt["order_id"]].append(attempt)
    orders = [order_from_rows(row, attempts[row["order_id"]]) for row in rows]
    for order in orders:
        session.remember(order)
    return orders


class SqlOrders:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, order: Order) -> None:
        row = {"order_id": order.order_id, "version": order.version, **order_values(order)}
        if not await self._session.insert_once(insert(ORDERS).values(row)):
            raise DuplicateOrder(order.order_id)
        await self._insert_attempts(order.order_id, order.attempts, 0)
        self._session.remember(order)

    async def get(self, order_id: str) -> Order | None:
        found = await load_orders(self._session, ORDERS.c.order_id == order_id, limit=1, offset=0)
        return found[0] if found else None

    async def save(self, order: Order) -> None:
        statement = (
            update(ORDERS)
            .where(ORDERS.c.order_id == order.order_id, ORDERS.c.version == order.version)
            .values(version=order.version + 1, **order_values(order))
        )
        result = await self._session.execute(statement)
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"order {order.order_id} changed since it was loaded")
        await self._sync_attempts(order)
        order.version += 1
        self._session.remember(order)

    async def _sync_attempts(self, order: Order) -> None:
        """Write only the attempts that changed since load; rewrite all if unknown."""
        loaded = self._session.loaded.get(order.order_id)
        new = order.attempts
        old = loaded[1] if loaded is not None and loaded[0] == order.version else None
        if (
            old is None
            or len(old) > len(new)
            or any(o.payment_id != n.payment_id for o, n in zip(old, new, strict=False))
        ):
            await self._session.execute(
                delete(ATTEMPTS).where(ATTEMPTS.c.order_id == order.order_id)
            )
            await self._insert_attempts(order.order_id, new, 0)
            return
        for position, (before, after) in enumerate(zip(old, new, strict=False)):
            if before != after:
                await self._session.execute(
                    update(ATTEMPTS)
                    .where(ATTEMPTS.c.order_id == order.order_id, ATTEMPTS.c.position == position)
                    .values(attempt_values(order.order_id, position, after))
                )
        await self._insert_attempts(order.order_id, new[len(old) :], len(old))

    async def _insert_attempts(
        self, order_id: str, attempts: list[PaymentAttempt], first: int
    ) -> None:
        if attempts:
            rows = [attempt_values(order_id, first + i, a) for i, a in enumerate(attempts)]
            await self._session.execute(insert(ATTEMPTS), rows)


class SqlLedger(SqlAdjustments):
    """Grants (one per order); adjustments and the balance come from `SqlAdjustments`."""

    async def add(self, entry: CreditEntry) -> None:
        if not await self._session.insert_once(insert(CREDITS).values(credit_values(entry))):
            raise DuplicateCredit(entry.order_id)

    async def get(self, order_id: str) -> CreditEntry | None:
        result = await self._session.execute(select(CREDITS).where(CREDITS.c.order_id == order_id))
        row = result.mappings().first()
        return None if row is None else credit_from_row(row)


class SqlUnitOfWork:
    """A connection and its transaction; on SQLite also the store's write gate, held
    from enter to exit so that only one transaction at a time asks for SQLite's lock."""

    def __init__(self, engine: AsyncEngine, dialect: str, gate: asyncio.Lock | None) -> None:
        self._engine = engine
        self._gate = gate
        self.session = SqlSession(dialect)
        self.orders: OrderRepository = SqlOrders(self.session)
        self.ledger: CreditLedger = SqlLedger(self.session)
        self.customers: CustomerRepository = SqlCustomers(self.session)
        self.subscriptions: SubscriptionRepository = SqlSubscriptions(self.session)
        self.referrals: ReferralRepository = SqlReferrals(self.session)
        self.outbox: Outbox = SqlOutbox(self.session)
        self.refunds: RefundRepository = SqlRefunds(self.session)

    async def __aenter__(self) -> Self:
        if self.session.connection is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        if self._gate is not None:
            await self._gate.acquire()
        try:
            self.session.connection = await self._engine.connect()
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.session.require()
        try:
            await connection.close()
        finally:
            self.session.connection = None
            self.session.loaded.clear()
            if self._gate is not None:
                self._gate.release()

    async def commit(self) -> None:
        with _conflicts():
            await self.session.require().commit()

    async def rollback(self) -> None:
        await self.session.require().rollback()
        self.session.loaded.clear()
