"""One SQL transaction per unit of work, with optimistic versions and store-enforced
uniqueness.

`save` is `UPDATE orders ... WHERE order_id = :id AND version = :loaded`: zero rows means
someone else saved first. Inserts run in a savepoint so a refused duplicate leaves the
transaction usable (PostgreSQL would otherwise abort it).
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from adapters.store.sql.accounts import (
    SqlAdjustments,
    SqlCustomers,
    SqlReferrals,
    SqlSubscriptions,
)
from adapters.store.sql.group_commit import GroupCommit
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


@functools.cache
def _insert_or_ignore(dialect: str, table: Table) -> Executable | None:
    """`INSERT ... ON CONFLICT DO NOTHING` where the dialect has it, built once per table:
    its parameters travel with each execution, so nothing is rebuilt per row."""
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return None


@functools.cache
def _insert(table: Table) -> Executable:
    return insert(table)


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
    """The open connection of a unit of work and what it has loaded.

    On SQLite the connection is the group writer's blocking one (statements run on the
    event loop, see `group_commit`); elsewhere it is an async pooled connection.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.connection: AsyncConnection | Connection | None = None
        # order id -> (version, attempts) as last read or written, to update attempts in place
        self.loaded: dict[str, tuple[int, tuple[PaymentAttempt, ...]]] = {}
        # set while a grouped unit of work is open: takes a new turn after a commit
        self.resume: Callable[[], Awaitable[None]] | None = None

    def require(self) -> AsyncConnection | Connection:
        if self.connection is None:
            raise RuntimeError("use the repositories inside `async with store.unit_of_work()`")
        return self.connection

    async def execute(self, statement: Executable, rows: Any = None) -> Any:
        if self.connection is None and self.resume is not None:
            await self.resume()
        connection = self.require()
        with _conflicts():
            if isinstance(connection, Connection):
                return connection.execute(statement, rows)
            return await connection.execute(statement, rows)

    async def insert_once(self, table: Table, row: dict[str, Any]) -> bool:
        """Insert unless a uniqueness constraint refuses it; False when it did.

        One `INSERT ... ON CONFLICT DO NOTHING` on SQLite and PostgreSQL. MariaDB's
        `INSERT IGNORE` would also swallow truncation and foreign-key errors, so there the
        insert runs in a savepoint instead.
        """
        statement = _insert_or_ignore(self.dialect, table)
        if statement is not None:
            result = await self.execute(statement, row)
            return bool(result.rowcount == 1)
        connection = self.require()
        assert isinstance(connection, AsyncConnection)
        try:
            with _conflicts():
                async with connection.begin_nested():
                    await connection.execute(_insert(table), row)
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


_ATTEMPT_COLUMNS = [c.name for c in ATTEMPTS.c]
_ORDER_WITH_ATTEMPTS = (
    select(ORDERS, *(ATTEMPTS.c[name].label(f"attempt_{name}") for name in _ATTEMPT_COLUMNS))
    .outerjoin(ATTEMPTS, ATTEMPTS.c.order_id == ORDERS.c.order_id)
    .where(ORDERS.c.order_id == bindparam("order_id"))
    .order_by(ATTEMPTS.c.position)
)


_SAVE_ORDER = (
    update(ORDERS)
    .where(
        ORDERS.c.order_id == bindparam("key_order_id"),
        ORDERS.c.version == bindparam("key_version"),
    )
    .values({c.name: bindparam(c.name) for c in ORDERS.c if c.name != "order_id"})
)


class SqlOrders:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, order: Order) -> None:
        row = {"order_id": order.order_id, "version": order.version, **order_values(order)}
        if not await self._session.insert_once(ORDERS, row):
            raise DuplicateOrder(order.order_id)
        await self._insert_attempts(order.order_id, order.attempts, 0)
        self._session.remember(order)

    async def get(self, order_id: str) -> Order | None:
        """The order and its attempts in one query (the webhook's hot path)."""
        rows = (await self._session.execute(_ORDER_WITH_ATTEMPTS, {"order_id": order_id})).all()
        if not rows:
            return None
        order_row = rows[0]._mapping
        attempts = [
            {name: row._mapping[f"attempt_{name}"] for name in _ATTEMPT_COLUMNS}
            for row in rows
            if row._mapping["attempt_payment_id"] is not None
        ]
        order = order_from_rows(order_row, attempts)
        self._session.remember(order)
        return order

    async def save(self, order: Order) -> None:
        values = order_values(order)
        values.update(key_order_id=order.order_id, key_version=order.version)
        values["version"] = order.version + 1
        result = await self._session.execute(_SAVE_ORDER, values)
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
            await self._session.execute(_insert(ATTEMPTS), rows)


class SqlLedger(SqlAdjustments):
    """Grants (one per order); adjustments and the balance come from `SqlAdjustments`."""

    async def add(self, entry: CreditEntry) -> None:
        if not await self._session.insert_once(CREDITS, credit_values(entry)):
            raise DuplicateCredit(entry.order_id)

    async def get(self, order_id: str) -> CreditEntry | None:
        result = await self._session.execute(select(CREDITS).where(CREDITS.c.order_id == order_id))
        row = result.mappings().first()
        return None if row is None else credit_from_row(row)


class SqlUnitOfWork:
    """One unit of work: on SQLite a savepoint in the group writer's shared transaction
    (see `group_commit`), elsewhere a pooled connection and a transaction of its own."""

    def __init__(self, engine: AsyncEngine | None, dialect: str, group: GroupCommit | None) -> None:
        self._engine = engine
        self._group = group
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
        if self._group is not None:
            await self._take_turn()
            self.session.resume = self._take_turn
        else:
            assert self._engine is not None
            self.session.connection = await self._engine.connect()
        return self

    async def _take_turn(self) -> None:
        """The gate and a savepoint of the shared transaction, until the next commit."""
        assert self._group is not None
        with _conflicts():
            self.session.connection = await self._group.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._group is None:
            connection = self.session.require()
            try:
                assert isinstance(connection, AsyncConnection)
                await connection.close()
            finally:
                self._forget()
            return
        self.session.resume = None
        if self.session.connection is None:
            return
        self._forget()
        if exc is None:
            await self._leave(keep=False)
        else:
            with contextlib.suppress(Exception):
                await self._leave(keep=False)

    async def commit(self) -> None:
        if self._group is None:
            connection = self.session.require()
            assert isinstance(connection, AsyncConnection)
            with _conflicts():
                await connection.commit()
            return
        if self.session.connection is None:
            return
        self._forget()
        await self._leave(keep=True)

    async def rollback(self) -> None:
        self.session.loaded.clear()
        if self._group is None:
            connection = self.session.require()
            assert isinstance(connection, AsyncConnection)
            await connection.rollback()
        elif self.session.connection is not None:
            self._forget()
            await self._leave(keep=False)

    async def _leave(self, *, keep: bool) -> None:
        assert self._group is not None
        with _conflicts():
            await self._group.leave(keep=keep)

    def _forget(self) -> None:
        self.session.connection = None
        self.session.loaded.clear()
