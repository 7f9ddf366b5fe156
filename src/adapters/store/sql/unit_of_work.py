"""One SQL transaction per unit of work, with optimistic versions and store-enforced
uniqueness.

`save` is `UPDATE orders ... WHERE order_id = :id AND version = :loaded`: zero rows means
someone else saved first. Inserts that a key may refuse are `INSERT ... ON CONFLICT DO
NOTHING` (a savepoint on MariaDB), so a refused duplicate leaves the transaction usable.
The statements of the webhook's and create-order's path are built here once and run on
the raw driver (see `session`); how the transaction is held depends on the dialect (see
`transactions`). On PostgreSQL the order's save, a new order and the grant are held for
the commit (see `held_writes`).
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from types import TracebackType
from typing import Any, Self

from sqlalchemy import ColumnElement, Insert, Update, bindparam, delete, insert, select, update

from adapters.store.sql.accounts import SqlAdjustments, SqlReferrals, SqlSubscriptions
from adapters.store.sql.customers import SqlCustomers, customer_from_row
from adapters.store.sql.held_writes import Builder, HeldWrite, alone
from adapters.store.sql.outbox import SqlOutbox
from adapters.store.sql.refunds import SqlRefunds
from adapters.store.sql.rows import (
    ORDER_CHANGES,
    Row,
    attempt_values,
    credit_from_row,
    credit_values,
    order_changes,
    order_from_rows,
    order_values,
)
from adapters.store.sql.session import SqlSession, plain_insert
from adapters.store.sql.tables import ATTEMPTS, CONTACTS, CREDITS, CUSTOMERS, ORDERS
from adapters.store.sql.transactions import Transaction
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
from domain.order import Order, PaymentAttempt


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
_PROFILE_COLUMNS = [c.name for c in CUSTOMERS.c]
# The order, its attempts (a row each) and its customer's profile, in one query.
_ORDER_WITH_ATTEMPTS = (
    select(
        ORDERS,
        *(ATTEMPTS.c[name].label(f"attempt_{name}") for name in _ATTEMPT_COLUMNS),
        *(CUSTOMERS.c[name].label(f"profile_{name}") for name in _PROFILE_COLUMNS),
    )
    .select_from(ORDERS)
    .outerjoin(ATTEMPTS, ATTEMPTS.c.order_id == ORDERS.c.order_id)
    .outerjoin(CUSTOMERS, CUSTOMERS.c.customer_id == ORDERS.c.customer_id)
    .where(ORDERS.c.order_id == bindparam("order_id"))
    .order_by(ATTEMPTS.c.position)
)
# every column `attempt_values` fills: all but the autoincrement id
_ATTEMPT_KEYS = tuple(c.name for c in ATTEMPTS.c if c.name != "id")


def _save_order(prefix: str) -> Update:
    """The order's UPDATE with its version check: no row changed means a conflict."""
    return (
        update(ORDERS)
        .where(
            ORDERS.c.order_id == bindparam(f"{prefix}key_order_id"),
            ORDERS.c.version == bindparam(f"{prefix}key_version"),
        )
        .values({name: bindparam(prefix + name) for name in (*ORDER_CHANGES, "version")})
    )


def _save_order_and_attempt(prefix: str) -> Insert:
    """PostgreSQL: the order saved and its one new attempt added in one statement; the
    attempt is inserted only if the update matched, so one row means both."""
    saved = _save_order(prefix).returning(ORDERS.c.order_id).cte(f"{prefix}saved_order")
    return (
        insert(ATTEMPTS)
        .from_select(
            list(_ATTEMPT_KEYS),
            select(
                saved.c.order_id,
                *(
                    bindparam(f"{prefix}attempt_{name}", type_=ATTEMPTS.c[name].type)
                    for name in _ATTEMPT_KEYS
                    if name != "order_id"
                ),
            ),
        )
        .add_cte(saved)
    )


_SAVE_ATTEMPT = (
    update(ATTEMPTS)
    .where(
        ATTEMPTS.c.order_id == bindparam("key_order_id"),
        ATTEMPTS.c.position == bindparam("key_position"),
    )
    .values({name: bindparam(name) for name in _ATTEMPT_KEYS})
)
_DELETE_ATTEMPTS = delete(ATTEMPTS).where(ATTEMPTS.c.order_id == bindparam("order_id"))
_CREDIT = select(CREDITS).where(CREDITS.c.order_id == bindparam("order_id"))


class SqlOrders:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, order: Order) -> None:
        """A new order without attempts (create-order's) is held for the commit where the
        store holds writes, and so is its DuplicateOrder; so are its customer's contacts
        (`CONTACTS`, each kept once a customer)."""
        row = {"order_id": order.order_id, "version": order.version, **order_values(order)}
        if not order.attempts:
            refused = partial(DuplicateOrder, order.order_id)
            await self._session.insert_or_hold(ORDERS, row, order.order_id, refused)
        elif await self._session.insert_once(ORDERS, row):
            await self._insert_attempts(order.order_id, order.attempts, 0)
        else:
            raise DuplicateOrder(order.order_id)
        for contact in (order.customer.email, order.customer.phone):
            known = {"contact": contact, "customer_id": order.customer_id}
            await self._session.insert_or_hold(CONTACTS, known, f"{contact} {order.customer_id}")
        self._session.remember(order)

    async def get(self, order_id: str) -> Order | None:
        """The order and its attempts in one query (the webhook's hot path), which also
        reads its customer's profile for `SqlCustomers.get`."""
        rows = await self._session.fetch(_ORDER_WITH_ATTEMPTS, {"order_id": order_id})
        if not rows:
            return None
        attempts = [
            {name: row[f"attempt_{name}"] for name in _ATTEMPT_COLUMNS}
            for row in rows
            if row["attempt_payment_id"] is not None
        ]
        head = rows[0]
        order = order_from_rows(head, attempts)
        self._session.remember(order)
        self._session.customers[order.customer_id] = (
            None
            if head["profile_customer_id"] is None
            else customer_from_row({name: head[f"profile_{name}"] for name in _PROFILE_COLUMNS})
        )
        return order

    def adopt(self, order: Order) -> None:
        """Its attempts as that version stored them, so `save` writes only what changed."""
        self._session.remember(order)

    async def save(self, order: Order) -> None:
        """Held for the commit where the store holds writes and only the order and at most
        one new attempt changed (a webhook's and create-order's usual change)."""
        values = order_changes(order)
        values.update(key_order_id=order.order_id, key_version=order.version)
        values["version"] = order.version + 1
        old = self._loaded_attempts(order)
        if self._session.holds_writes and _one_appended(old, order.attempts):
            position = len(order.attempts) - 1
            added = attempt_values(order.order_id, position, order.attempts[position])
            values.update({f"attempt_{name}": value for name, value in added.items()})
            await self._hold(order.order_id, _save_order_and_attempt, values)
        elif old is not None and tuple(order.attempts) == old:
            await self._hold(order.order_id, _save_order, values)
        else:
            if await self._session.write(alone(_save_order), values) != 1:
                raise _conflict(order.order_id)
            await self._sync_attempts(order, old)
        order.version += 1
        self._session.remember(order)

    async def _hold(self, order_id: str, build: Builder, values: dict[str, Any]) -> None:
        """Where the store does not hold writes, `hold` runs the save at once."""
        refused = partial(_conflict, order_id)
        await self._session.hold(HeldWrite(build, values, (ORDERS.name, order_id), refused))

    def _loaded_attempts(self, order: Order) -> tuple[PaymentAttempt, ...] | None:
        """The attempts as this unit of work loaded them, if it loaded this version."""
        loaded = self._session.loaded.get(order.order_id)
        return loaded[1] if loaded is not None and loaded[0] == order.version else None

    async def _sync_attempts(self, order: Order, old: tuple[PaymentAttempt, ...] | None) -> None:
        """Write only the attempts that changed since load; rewrite all if unknown."""
        new = order.attempts
        if (
            old is None
            or len(old) > len(new)
            or any(o.payment_id != n.payment_id for o, n in zip(old, new, strict=False))
        ):
            await self._session.write(_DELETE_ATTEMPTS, {"order_id": order.order_id})
            await self._insert_attempts(order.order_id, new, 0)
            return
        for position, (before, after) in enumerate(zip(old, new, strict=False)):
            if before != after:
                values = attempt_values(order.order_id, position, after)
                values.update(key_order_id=order.order_id, key_position=position)
                await self._session.write(_SAVE_ATTEMPT, values)
        await self._insert_attempts(order.order_id, new[len(old) :], len(old))

    async def _insert_attempts(
        self, order_id: str, attempts: list[PaymentAttempt], first: int
    ) -> None:
        if attempts:
            rows = [attempt_values(order_id, first + i, a) for i, a in enumerate(attempts)]
            await self._session.write_many(plain_insert(ATTEMPTS), rows, _ATTEMPT_KEYS)


def _conflict(order_id: str) -> ConcurrencyConflict:
    return ConcurrencyConflict(f"order {order_id} changed since it was loaded")


def _one_appended(old: tuple[PaymentAttempt, ...] | None, new: list[PaymentAttempt]) -> bool:
    """`new` is `old` with one attempt added at the end (a webhook's usual change)."""
    return old is not None and len(new) == len(old) + 1 and tuple(new[:-1]) == old


class SqlLedger(SqlAdjustments):
    """Grants (one per order); adjustments and the balance come from `SqlAdjustments`."""

    async def add(self, entry: CreditEntry) -> None:
        refused = partial(DuplicateCredit, entry.order_id)
        await self._session.insert_or_hold(CREDITS, credit_values(entry), entry.order_id, refused)

    async def get(self, order_id: str) -> CreditEntry | None:
        rows = await self._session.fetch(_CREDIT, {"order_id": order_id})
        return credit_from_row(rows[0]) if rows else None


class SqlUnitOfWork:
    """One unit of work over the store's `Transaction` (one per unit, by dialect)."""

    def __init__(self, transaction: Transaction, dialect: str) -> None:
        self._transaction = transaction
        self._open = False
        self.session = SqlSession(dialect)
        self.orders: OrderRepository = SqlOrders(self.session)
        self.ledger: CreditLedger = SqlLedger(self.session)
        self.customers: CustomerRepository = SqlCustomers(self.session)
        self.subscriptions: SubscriptionRepository = SqlSubscriptions(self.session)
        self.referrals: ReferralRepository = SqlReferrals(self.session)
        self.outbox: Outbox = SqlOutbox(self.session)
        self.refunds: RefundRepository = SqlRefunds(self.session)

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("a unit of work cannot be entered twice")
        await self._transaction.open(self.session)
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        await self._transaction.close(self.session, failed=exc is not None)

    async def commit(self) -> None:
        await self._transaction.commit(self.session)

    async def rollback(self) -> None:
        await self._transaction.rollback(self.session)
