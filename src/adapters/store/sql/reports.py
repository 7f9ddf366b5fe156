"""The operator's queries in SQL: sums and counts are left to the database.

Each query runs in a unit of work of its own, so on SQLite it takes its turn at the
store's write gate like any other transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from adapters.store.paging import check_page
from adapters.store.sql.account_reports import SqlAccountReports
from adapters.store.sql.outbox import SqlOutboxReports
from adapters.store.sql.reconcile_reports import SqlReconcileReports
from adapters.store.sql.reference_reports import SqlReferenceReports
from adapters.store.sql.refund_reports import SqlRefundReports
from adapters.store.sql.rows import attempt_from_row, credit_from_row
from adapters.store.sql.search_reports import SqlSearchReports
from adapters.store.sql.tables import ATTEMPTS, CREDITS, ORDERS
from adapters.store.sql.unit_of_work import SqlUnitOfWork, load_orders
from application.ports import FailedAttempt, LedgerTotals, OrderStatistics
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import AttemptStatus, Order

FAILURES = sorted(s.value for s in AttemptStatus if s.is_failure)


class SqlReports(
    SqlAccountReports,
    SqlOutboxReports,
    SqlReconcileReports,
    SqlReferenceReports,
    SqlRefundReports,
    SqlSearchReports,
):
    def __init__(self, unit_of_work: Callable[[], SqlUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def recent_orders(self, limit: int, offset: int = 0) -> list[Order]:
        check_page(limit, offset)
        async with self._unit_of_work() as uow:
            return await load_orders(uow.session, None, limit=limit, offset=offset)

    async def failed_attempts(self, limit: int, offset: int = 0) -> list[FailedAttempt]:
        check_page(limit, offset)
        statement = (
            select(
                ATTEMPTS,
                ORDERS.c.amount.label("order_amount"),
                ORDERS.c.currency.label("order_currency"),
            )
            .join(ORDERS, ORDERS.c.order_id == ATTEMPTS.c.order_id)
            .where(ATTEMPTS.c.status.in_(FAILURES))
            .order_by(
                ATTEMPTS.c.at.desc(), ATTEMPTS.c.order_id.desc(), ATTEMPTS.c.payment_id.desc()
            )
            .limit(limit)
            .offset(offset)
        )
        async with self._unit_of_work() as uow:
            rows = (await uow.session.execute(statement)).mappings().all()
        return [
            FailedAttempt(
                row["order_id"],
                Money.from_stored(row["order_amount"], row["order_currency"]),
                attempt_from_row(row),
            )
            for row in rows
        ]

    async def order_statistics(self) -> OrderStatistics:
        async with self._unit_of_work() as uow:
            session = uow.session
            by_status = await session.execute(
                select(ORDERS.c.status, func.count()).group_by(ORDERS.c.status)
            )
            attempted = await session.execute(select(func.count(ATTEMPTS.c.order_id.distinct())))
            failed = await session.execute(
                select(func.count(), session.money_sum(ATTEMPTS.c.amount)).where(
                    ATTEMPTS.c.status.in_(FAILURES)
                )
            )
            failures, failed_amount = failed.one()
            dropped = await session.execute(
                select(func.count()).where(ATTEMPTS.c.status == AttemptStatus.USER_DROPPED.value)
            )
            late = await session.execute(
                select(func.count()).where(ORDERS.c.paid_after_close.is_(True))
            )
            return OrderStatistics(
                orders_by_status={status: int(count) for status, count in by_status.all()},
                attempted_orders=int(attempted.scalar_one()),
                failed_attempts=int(failures),
                failed_amount=session.money_total(failed_amount),
                paid_after_close=int(late.scalar_one()),
                dropped_attempts=int(dropped.scalar_one()),
            )

    async def credits(self, limit: int, offset: int = 0) -> list[CreditEntry]:
        check_page(limit, offset)
        statement = (
            select(CREDITS)
            .order_by(CREDITS.c.at.desc(), CREDITS.c.order_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(statement)
            return [credit_from_row(row) for row in result.mappings()]

    async def ledger_totals(self) -> LedgerTotals:
        async with self._unit_of_work() as uow:
            session = uow.session
            result = await session.execute(
                select(
                    func.count(), func.sum(CREDITS.c.credits), session.money_sum(CREDITS.c.amount)
                )
            )
            entries, credits, amount = result.one()
            return LedgerTotals(int(entries), int(credits or 0), session.money_total(amount))
