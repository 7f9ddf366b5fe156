"""The refund queries of `SqlReports`."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import func, select

from adapters.store.paging import check_page
from adapters.store.sql.refunds import refund_from_row
from adapters.store.sql.tables import REFUNDS
from adapters.store.sql.unit_of_work import SqlUnitOfWork
from application.ports import RefundTotals
from domain.refunds import Refund, RefundState


class SqlRefundReports:
    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def refunds_of(self, order_id: str) -> list[Refund]:
        """The order's refunds, oldest first."""
        async with self._unit_of_work() as uow:
            return await uow.refunds.for_order(order_id)

    async def refunds_of_orders(self, order_ids: Collection[str]) -> dict[str, list[Refund]]:
        """One query through `ix_refunds_order`."""
        if not order_ids:
            return {}
        statement = (
            select(REFUNDS)
            .where(REFUNDS.c.order_id.in_(sorted(order_ids)))
            .order_by(REFUNDS.c.order_id, REFUNDS.c.created_at, REFUNDS.c.refund_id)
        )
        found: dict[str, list[Refund]] = {}
        async with self._unit_of_work() as uow:
            for row in (await uow.session.execute(statement)).mappings():
                refund = refund_from_row(row)
                found.setdefault(refund.order_id, []).append(refund)
        return found

    async def recent_refunds(
        self, limit: int, offset: int = 0, state: RefundState | None = None
    ) -> list[Refund]:
        """Newest first by created_at, ties by refund id (descending)."""
        check_page(limit, offset)
        statement = select(REFUNDS)
        if state is not None:
            statement = statement.where(REFUNDS.c.state == state.value)
        statement = (
            statement.order_by(REFUNDS.c.created_at.desc(), REFUNDS.c.refund_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(statement)
            return [refund_from_row(row) for row in result.mappings()]

    async def pending_refunds(self, limit: int) -> list[Refund]:
        """PENDING refunds, oldest first (the reconciler's work)."""
        check_page(limit, 0)
        statement = (
            select(REFUNDS)
            .where(REFUNDS.c.state == RefundState.PENDING.value)
            .order_by(REFUNDS.c.created_at, REFUNDS.c.refund_id)
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(statement)
            return [refund_from_row(row) for row in result.mappings()]

    async def refund_totals(self) -> RefundTotals:
        """Count and amount of SUCCESS refunds."""
        async with self._unit_of_work() as uow:
            session = uow.session
            statement = select(func.count(), session.money_sum(REFUNDS.c.amount)).where(
                REFUNDS.c.state == RefundState.SUCCESS.value
            )
            count, total = (await session.execute(statement)).one()
            return RefundTotals(int(count), session.money_total(total))
