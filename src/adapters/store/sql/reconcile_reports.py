"""The reconciler's query in SQL: orders the gateway may still move, oldest first."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, exists, or_, select

from adapters.store.paging import check_page
from adapters.store.sql.tables import ATTEMPTS, ORDERS
from adapters.store.sql.unit_of_work import SqlUnitOfWork, load_orders
from domain.order import AttemptStatus, Order, OrderStatus

OPEN = [OrderStatus.CREATED.value, OrderStatus.ACTIVE.value]
CLOSED = [OrderStatus.EXPIRED.value, OrderStatus.TERMINATED.value]


class SqlReconcileReports:
    """`open_orders` of `SqlReports`."""

    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def open_orders(self, limit: int) -> list[Order]:
        """Oldest first by created_at, ties by order id (ascending): the keys are chosen
        here, then loaded with their attempts in two queries."""
        check_page(limit, 0)
        pending = exists().where(
            ATTEMPTS.c.order_id == ORDERS.c.order_id,
            ATTEMPTS.c.status == AttemptStatus.PENDING.value,
        )
        keys = (
            select(ORDERS.c.order_id)
            .where(or_(ORDERS.c.status.in_(OPEN), and_(ORDERS.c.status.in_(CLOSED), pending)))
            .order_by(ORDERS.c.created_at, ORDERS.c.order_id)
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            ids = list((await uow.session.execute(keys)).scalars())
            if not ids:
                return []
            orders = await load_orders(
                uow.session, ORDERS.c.order_id.in_(ids), limit=len(ids), offset=0
            )
        return sorted(orders, key=lambda o: (o.created_at, o.order_id))
