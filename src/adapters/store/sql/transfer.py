"""Reading out and writing in whole records for the SQL stores.

Export pages through each kind by its primary key (keyset pagination: every batch is one
indexed range read, however far into the table), reading an order's attempts and a
subscription's periods with their batch. Each batch is a unit of work of its own, left
before the batch is handed out, so a slow consumer never holds the store.

Import writes a batch in one unit of work: one multi-row INSERT per table when the
target must not hold the keys yet (a key it holds fails the batch), or, with merge, one
insert-or-ignore per record whose children are written only when it was inserted.

The tables copied are named here one by one; `NOT_DATA` lists those that are not data
(process coordination, the schema's revision) and are never copied, `DERIVED` those filled
from the records written (the orders' contacts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, func, insert, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert

from adapters.store.sql.accounts import (
    adjustment_from_row,
    adjustment_values,
    period_from_row,
    period_values,
    referral_from_row,
    referral_values,
)
from adapters.store.sql.customers import customer_from_row, customer_values
from adapters.store.sql.outbox import outbox_from_row, outbox_values
from adapters.store.sql.refunds import refund_from_row, refund_values
from adapters.store.sql.rows import (
    Row,
    attempt_values,
    credit_from_row,
    credit_values,
    order_from_rows,
    order_values,
)
from adapters.store.sql.session import SqlSession
from adapters.store.sql.tables import (
    ADJUSTMENTS,
    ATTEMPTS,
    CONTACTS,
    CREDITS,
    CUSTOMERS,
    ORDERS,
    OUTBOX,
    PERIODS,
    REFERRALS,
    REFUNDS,
    SUBSCRIPTIONS,
)
from adapters.store.sql.unit_of_work import SqlUnitOfWork
from application.store_transfer import (
    RECORD_TYPES,
    DuplicateRecord,
    RecordKind,
    StoreRecord,
    records_of,
)
from domain.accounts import CustomerProfile
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.notifications import OutboxMessage
from domain.order import Order
from domain.referrals import ReferralRecord
from domain.refunds import Refund
from domain.subscriptions import Subscription

NOT_DATA = frozenset({"leases", "alembic_version"})
"""Tables that coordinate processes or version the schema: never copied."""
DERIVED = frozenset({CONTACTS.name})
"""Tables filled from the records written (`_fill_contacts`): never copied themselves."""

ChildRows = list[tuple[Table, list[dict[str, Any]]]]


@dataclass(frozen=True)
class _Kind:
    """Where a kind lives: its table, the columns of its key, and its child tables."""

    table: Table
    key: tuple[str, ...]
    children: tuple[Table, ...] = ()


_KINDS = {
    RecordKind.CUSTOMERS: _Kind(CUSTOMERS, ("customer_id",)),
    RecordKind.ORDERS: _Kind(ORDERS, ("order_id",), (ATTEMPTS,)),
    RecordKind.GRANTS: _Kind(CREDITS, ("order_id",)),
    RecordKind.ADJUSTMENTS: _Kind(ADJUSTMENTS, ("entry_id",)),
    RecordKind.SUBSCRIPTIONS: _Kind(SUBSCRIPTIONS, ("customer_id", "kind"), (PERIODS,)),
    RecordKind.REFERRALS: _Kind(REFERRALS, ("order_id",)),
    RecordKind.REFUNDS: _Kind(REFUNDS, ("refund_id",)),
    RecordKind.OUTBOX: _Kind(OUTBOX, ("message_id",)),
}

COPIED_TABLES = frozenset(
    table.name for kind in _KINDS.values() for table in (kind.table, *kind.children)
)


def _after(kind: _Kind, last: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows whose key sorts after `last` (a one- or two-column key)."""
    first: ColumnElement[str] = kind.table.c[kind.key[0]]
    beyond: ColumnElement[bool] = first > last[0]
    if len(kind.key) == 1:
        return beyond
    second: ColumnElement[str] = kind.table.c[kind.key[1]]
    return or_(beyond, and_(first == last[0], second > last[1]))


async def _attempts_of(session: SqlSession, heads: Sequence[Row]) -> dict[str, list[Row]]:
    found: defaultdict[str, list[Row]] = defaultdict(list)
    result = await session.execute(
        select(ATTEMPTS)
        .where(ATTEMPTS.c.order_id.in_([row["order_id"] for row in heads]))
        .order_by(ATTEMPTS.c.order_id, ATTEMPTS.c.position)
    )
    for row in result.mappings():
        found[row["order_id"]].append(row)
    return found


async def _periods_of(
    session: SqlSession, heads: Sequence[Row]
) -> dict[tuple[str, str], list[Row]]:
    found: defaultdict[tuple[str, str], list[Row]] = defaultdict(list)
    owners = sorted({row["customer_id"] for row in heads})
    result = await session.execute(
        select(PERIODS)
        .where(PERIODS.c.customer_id.in_(owners))
        .order_by(PERIODS.c.customer_id, PERIODS.c.kind, PERIODS.c.position)
    )
    for row in result.mappings():
        found[(row["customer_id"], row["kind"])].append(row)
    return found


async def _records(
    session: SqlSession, kind: RecordKind, heads: Sequence[Row]
) -> list[StoreRecord]:
    """The batch's rows as records, with their children."""
    if kind is RecordKind.ORDERS:
        attempts = await _attempts_of(session, heads)
        return [order_from_rows(row, attempts[row["order_id"]]) for row in heads]
    if kind is RecordKind.SUBSCRIPTIONS:
        periods = await _periods_of(session, heads)
        return [
            Subscription(
                row["customer_id"],
                row["kind"],
                tuple(period_from_row(p) for p in periods[(row["customer_id"], row["kind"])]),
                version=int(row["version"]),
            )
            for row in heads
        ]
    convert: dict[RecordKind, Callable[[Row], StoreRecord]] = {
        RecordKind.CUSTOMERS: customer_from_row,
        RecordKind.GRANTS: credit_from_row,
        RecordKind.ADJUSTMENTS: adjustment_from_row,
        RecordKind.REFERRALS: referral_from_row,
        RecordKind.REFUNDS: refund_from_row,
        RecordKind.OUTBOX: outbox_from_row,
    }
    return [convert[kind](row) for row in heads]


def _rows(record: StoreRecord) -> tuple[dict[str, Any], ChildRows]:
    """The record's row in its kind's table and the rows of its child tables."""
    if isinstance(record, Order):
        attempts = [attempt_values(record.order_id, i, a) for i, a in enumerate(record.attempts)]
        head = {"order_id": record.order_id, "version": record.version, **order_values(record)}
        return head, [(ATTEMPTS, attempts)]
    if isinstance(record, Subscription):
        head = {"customer_id": record.customer_id, "kind": record.kind, "version": record.version}
        return head, [(PERIODS, period_values(record))]
    if isinstance(record, Refund):
        return {
            "refund_id": record.refund_id,
            "version": record.version,
            **refund_values(record),
        }, []
    if isinstance(record, CustomerProfile):
        return customer_values(record), []
    if isinstance(record, CreditEntry):
        return credit_values(record), []
    if isinstance(record, LedgerAdjustment):
        return adjustment_values(record), []
    if isinstance(record, ReferralRecord):
        return referral_values(record), []
    assert isinstance(record, OutboxMessage)
    return outbox_values(record), []


def _fill_contacts(order_ids: list[str]) -> Insert:
    """The contacts the orders `order_ids` were paid with, each customer's once, as
    `SqlOrders.add` records them; one statement whatever the batch."""
    written = ORDERS.c.order_id.in_(order_ids)
    paid_with = union(
        select(ORDERS.c.customer_email.label("contact"), ORDERS.c.customer_id).where(written),
        select(ORDERS.c.customer_phone.label("contact"), ORDERS.c.customer_id).where(written),
    ).subquery()
    known = (
        select(CONTACTS.c.contact)
        .where(CONTACTS.c.contact == paid_with.c.contact)
        .where(CONTACTS.c.customer_id == paid_with.c.customer_id)
    )
    return insert(CONTACTS).from_select(
        ["contact", "customer_id"],
        select(paid_with.c.contact, paid_with.c.customer_id).where(~exists(known)),
    )


async def _insert_children(session: SqlSession, children: ChildRows) -> None:
    for table, rows in children:
        if rows:
            await session.execute(insert(table), rows)


class SqlTransfer:
    """`unit_of_work` opens one of the store's units of work."""

    def __init__(self, unit_of_work: Callable[[], SqlUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def count(self, kind: RecordKind) -> int:
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(select(func.count()).select_from(_KINDS[kind].table))
            return int(result.scalar_one())

    async def batches(self, kind: RecordKind, size: int) -> AsyncIterator[list[StoreRecord]]:
        if size < 1:
            raise ValueError("size must be at least 1")
        where = _KINDS[kind]
        order = [where.table.c[name] for name in where.key]
        last: tuple[Any, ...] | None = None
        while True:
            statement = select(where.table).order_by(*order).limit(size)
            if last is not None:
                statement = statement.where(_after(where, last))
            async with self._unit_of_work() as uow:
                heads = (await uow.session.execute(statement)).mappings().all()
                records = await _records(uow.session, kind, heads) if heads else []
            if records:
                yield records
            if len(heads) < size:
                return
            last = tuple(heads[-1][name] for name in where.key)

    async def is_empty(self) -> bool:
        async with self._unit_of_work() as uow:
            for kind in _KINDS.values():
                column = kind.table.c[kind.key[0]]
                found = await uow.session.execute(select(column).limit(1))
                if found.first() is not None:
                    return False
        return True

    async def write(self, kind: RecordKind, records: Sequence[StoreRecord], *, merge: bool) -> int:
        typed = records_of(RECORD_TYPES[kind], records)
        if not typed:
            return 0
        table = _KINDS[kind].table
        rows = [_rows(record) for record in typed]
        inserted = 0
        async with self._unit_of_work() as uow:
            session = uow.session
            if merge:
                for head, kids in rows:
                    if await session.insert_once(table, head):
                        inserted += 1
                        await _insert_children(session, kids)
            else:
                try:
                    await session.execute(insert(table), [head for head, _ in rows])
                except IntegrityError as exc:
                    raise DuplicateRecord(kind) from exc
                children: defaultdict[Table, list[dict[str, Any]]] = defaultdict(list)
                for _, kids in rows:
                    for child, child_rows in kids:
                        children[child].extend(child_rows)
                await _insert_children(session, list(children.items()))
                inserted = len(rows)
            if kind is RecordKind.ORDERS:
                order_ids = [head["order_id"] for head, _ in rows]
                await session.execute(_fill_contacts(order_ids))
            await uow.commit()
        return inserted
