"""The backfill's queries in SQL: what was settled before the bank's references were kept,
found through the references' own indexes (`bank_reference = ''`, `arn = ''`)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from adapters.store.paging import check_page
from adapters.store.sql.refunds import refund_from_row
from adapters.store.sql.tables import ATTEMPTS, REFUNDS
from adapters.store.sql.unit_of_work import SqlUnitOfWork
from domain.order import AttemptStatus
from domain.refunds import Refund, RefundState


class SqlReferenceReports:
    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def payments_without_reference(self, after: str, limit: int) -> list[str]:
        check_page(limit, 0)
        statement = (
            select(ATTEMPTS.c.order_id)
            .where(
                ATTEMPTS.c.bank_reference == "",
                ATTEMPTS.c.status == AttemptStatus.SUCCESS.value,
                ATTEMPTS.c.order_id > after,
            )
            .group_by(ATTEMPTS.c.order_id)
            .order_by(ATTEMPTS.c.order_id)
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            return list((await uow.session.execute(statement)).scalars())

    async def refunds_without_reference(self, after: str, limit: int) -> list[Refund]:
        check_page(limit, 0)
        statement = (
            select(REFUNDS)
            .where(
                REFUNDS.c.arn == "",
                REFUNDS.c.state == RefundState.SUCCESS.value,
                REFUNDS.c.refund_id > after,
            )
            .order_by(REFUNDS.c.refund_id)
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(statement)
            return [refund_from_row(row) for row in result.mappings()]
