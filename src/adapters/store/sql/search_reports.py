"""The operator's search in SQL: an order by its id or a payment's, a customer by e-mail or
phone, each through an index (`ix_payment_attempts_payment`, `ix_customers_email`,
`ix_customers_phone`, migration 0003)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, or_, select

from adapters.store.paging import check_page
from adapters.store.sql.customers import customer_from_row
from adapters.store.sql.tables import ATTEMPTS, CUSTOMERS, ORDERS
from adapters.store.sql.unit_of_work import SqlUnitOfWork, load_orders
from domain.accounts import CustomerProfile
from domain.order import Order


class SqlSearchReports:
    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def find_orders(self, text: str, limit: int) -> list[Order]:
        """The payment's orders first, then the orders by primary key: one OR of the two
        made PostgreSQL scan every order (15 ms at 100,000, `bench/search.py`)."""
        check_page(limit, 0)
        paid_by = select(ATTEMPTS.c.order_id).where(ATTEMPTS.c.payment_id == text)
        async with self._unit_of_work() as uow:
            ids = {text, *(await uow.session.execute(paid_by)).scalars()}
            return await load_orders(
                uow.session, ORDERS.c.order_id.in_(sorted(ids)), limit=limit, offset=0
            )

    async def find_customers(
        self, *, email: str | None, phone: str | None, limit: int
    ) -> list[CustomerProfile]:
        check_page(limit, 0)
        matches: list[ColumnElement[bool]] = []
        if email is not None:
            matches.append(CUSTOMERS.c.email == email)
        if phone is not None:
            matches.append(CUSTOMERS.c.phone == phone)
        if not matches:
            return []
        statement = (
            select(CUSTOMERS)
            .where(or_(*matches))
            .order_by(CUSTOMERS.c.created_at.desc(), CUSTOMERS.c.customer_id.desc())
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            rows = (await uow.session.execute(statement)).mappings().all()
        return [customer_from_row(row) for row in rows]
