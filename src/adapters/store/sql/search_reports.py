"""The operator's search in SQL: an order by its id, Cashfree's, a payment's id or bank
reference, or a refund's id, Cashfree's or the bank's (ARN); a customer by their latest e-mail
or phone or one any of their orders was paid with (`customer_contacts`, migration 0006);
each through an index (migrations 0003 to 0005)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import CompoundSelect, Select, select, union

from adapters.store.paging import check_page
from adapters.store.sql.customers import customer_from_row
from adapters.store.sql.tables import ATTEMPTS, CONTACTS, CUSTOMERS, ORDERS, REFUNDS
from adapters.store.sql.unit_of_work import SqlUnitOfWork, load_orders
from domain.accounts import CustomerProfile
from domain.order import Order


class SqlSearchReports:
    _unit_of_work: Callable[[], SqlUnitOfWork]

    async def find_orders(self, text: str, limit: int) -> list[Order]:
        """The referenced orders' ids first, then the orders by primary key: one OR of the
        two made PostgreSQL scan every order (15 ms at 100,000, `bench/search.py`)."""
        check_page(limit, 0)
        async with self._unit_of_work() as uow:
            ids = {text, *(await uow.session.execute(_referencing(text))).scalars()}
            return await load_orders(
                uow.session, ORDERS.c.order_id.in_(sorted(ids)), limit=limit, offset=0
            )

    async def find_customers(
        self, *, email: str | None, phone: str | None, limit: int
    ) -> list[CustomerProfile]:
        """One statement: the customers' ids, from the profiles (the latest contacts) and
        from the contacts their orders were paid with, in a subquery (a list of ids as
        parameters could outgrow a driver's limit, 32,767 for asyncpg, where one phone is
        many customers'), then their profiles by key."""
        check_page(limit, 0)
        branches: list[Select[tuple[str]]] = []
        if email is not None:
            branches.append(select(CUSTOMERS.c.customer_id).where(CUSTOMERS.c.email == email))
        if phone is not None:
            branches.append(select(CUSTOMERS.c.customer_id).where(CUSTOMERS.c.phone == phone))
        contacts = [contact for contact in (email, phone) if contact is not None]
        if not contacts:
            return []
        paid_with = CONTACTS.c.contact.in_(contacts)
        branches.append(select(CONTACTS.c.customer_id).where(paid_with))
        statement = (
            select(CUSTOMERS)
            .where(CUSTOMERS.c.customer_id.in_(union(*branches)))
            .order_by(CUSTOMERS.c.created_at.desc(), CUSTOMERS.c.customer_id.desc())
            .limit(limit)
        )
        async with self._unit_of_work() as uow:
            rows = (await uow.session.execute(statement)).mappings().all()
        return [customer_from_row(row) for row in rows]

    async def contacts_of(self, customer_id: str) -> list[str]:
        async with self._unit_of_work() as uow:
            return list((await uow.session.execute(_contacts_of(customer_id))).scalars())


def _contacts_of(customer_id: str) -> Select[tuple[str]]:
    return (
        select(CONTACTS.c.contact)
        .where(CONTACTS.c.customer_id == customer_id)
        .order_by(CONTACTS.c.contact)
    )


def _referencing(text: str) -> CompoundSelect[tuple[str]]:
    """The ids of the orders `text` is a reference of, each branch one index's lookup."""
    return union(
        select(ATTEMPTS.c.order_id).where(ATTEMPTS.c.payment_id == text),
        select(ATTEMPTS.c.order_id).where(ATTEMPTS.c.bank_reference == text),
        select(ORDERS.c.order_id).where(ORDERS.c.gateway_order_id == text),
        select(REFUNDS.c.order_id).where(REFUNDS.c.refund_id == text),
        select(REFUNDS.c.order_id).where(REFUNDS.c.gateway_refund_id == text),
        select(REFUNDS.c.order_id).where(REFUNDS.c.arn == text),
    )
