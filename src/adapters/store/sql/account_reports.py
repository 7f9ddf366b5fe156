"""The account queries of `SqlReports`: customers, statements, subscriptions, referrals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, case, func, select

from adapters.store.paging import check_page
from adapters.store.sql.accounts import (
    adjustment_from_row,
    customer_balance,
    load_subscription,
    referral_from_row,
)
from adapters.store.sql.customers import load_customer
from adapters.store.sql.rows import credit_from_row
from adapters.store.sql.tables import ADJUSTMENTS, CREDITS, ORDERS, PERIODS, REFERRALS
from adapters.store.sql.tables import SUBSCRIPTIONS as SUBS
from adapters.store.sql.unit_of_work import SqlUnitOfWork, load_orders
from domain.accounts import CustomerProfile
from domain.ledger import StatementLine, statement_page
from domain.order import Order
from domain.referrals import ReferralRecord
from domain.subscriptions import Subscription


class SqlAccountReports:
    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def customer(self, customer_id: str) -> CustomerProfile | None:
        async with self._unit_of_work() as uow:
            return await load_customer(uow.session, customer_id)

    async def statement(self, customer_id: str, limit: int, offset: int = 0) -> list[StatementLine]:
        """Each kind's newest `offset + limit` entries, merged into the page."""
        check_page(limit, offset)
        newest = offset + limit
        async with self._unit_of_work() as uow:
            grants = await uow.session.execute(
                select(CREDITS)
                .where(CREDITS.c.customer_id == customer_id)
                .order_by(CREDITS.c.at.desc(), CREDITS.c.order_id.desc())
                .limit(newest)
            )
            adjustments = await uow.session.execute(
                select(ADJUSTMENTS)
                .where(ADJUSTMENTS.c.customer_id == customer_id)
                .order_by(ADJUSTMENTS.c.at.desc(), ADJUSTMENTS.c.entry_id.desc())
                .limit(newest)
            )
            return statement_page(
                [credit_from_row(row) for row in grants.mappings()],
                [adjustment_from_row(row) for row in adjustments.mappings()],
                limit,
                offset,
            )

    async def customer_balance(self, customer_id: str) -> int:
        async with self._unit_of_work() as uow:
            return await customer_balance(uow.session, customer_id)

    async def subscriptions_of(self, customer_id: str) -> list[Subscription]:
        async with self._unit_of_work() as uow:
            kinds = await uow.session.execute(
                select(SUBS.c.kind).where(SUBS.c.customer_id == customer_id).order_by(SUBS.c.kind)
            )
            found = [
                await load_subscription(uow.session, customer_id, kind)
                for kind in kinds.scalars().all()
            ]
        return [s for s in found if s is not None]

    async def active_subscriptions(
        self, now: datetime, limit: int, offset: int = 0
    ) -> list[Subscription]:
        """Ending soonest first, ties by customer id then kind."""
        check_page(limit, offset)
        covering = case((and_(PERIODS.c.starts_at <= now, PERIODS.c.ends_at > now), 1), else_=0)
        ends = func.max(PERIODS.c.ends_at)
        statement = (
            select(PERIODS.c.customer_id, PERIODS.c.kind)
            .group_by(PERIODS.c.customer_id, PERIODS.c.kind)
            .having(func.max(covering) == 1)
            .order_by(ends, PERIODS.c.customer_id, PERIODS.c.kind)
            .limit(limit)
            .offset(offset)
        )
        async with self._unit_of_work() as uow:
            keys = (await uow.session.execute(statement)).all()
            found = [await load_subscription(uow.session, c, k) for c, k in keys]
        return [s for s in found if s is not None]

    async def orders_of(self, customer_id: str, limit: int, offset: int = 0) -> list[Order]:
        check_page(limit, offset)
        async with self._unit_of_work() as uow:
            return await load_orders(
                uow.session, ORDERS.c.customer_id == customer_id, limit=limit, offset=offset
            )

    async def referrals_of(self, agent_id: str) -> list[ReferralRecord]:
        async with self._unit_of_work() as uow:
            result = await uow.session.execute(
                select(REFERRALS)
                .where(REFERRALS.c.agent_id == agent_id)
                .order_by(REFERRALS.c.order_id)
            )
            return [referral_from_row(row) for row in result.mappings()]
