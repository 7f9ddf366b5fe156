"""Customers' profiles in SQL: one row per customer id, upserted with every order.

An upsert keeps a known referral agent, so racing upserts cannot drop one. On SQLite it is
one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (create-order's path); on PostgreSQL
the same without RETURNING, held for the commit; on MariaDB an insert-or-ignore, an update
and a read.

A unit of work that loaded an order has its customer already (`SqlOrders.get` reads both in
one query, since a paid order's fulfilment asks for it next): `get` answers from
`session.customers` then, and every write here keeps that entry true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Insert, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.store.sql.held_writes import HeldWrite, held_insert_of
from adapters.store.sql.session import SqlSession
from adapters.store.sql.tables import CUSTOMERS
from domain.accounts import CustomerProfile

_CUSTOMER = select(CUSTOMERS).where(CUSTOMERS.c.customer_id == bindparam("customer_id"))
_UPDATE_CUSTOMER = (
    update(CUSTOMERS)
    .where(CUSTOMERS.c.customer_id == bindparam("key_customer_id"))
    .values(
        name=bindparam("name"),
        email=bindparam("email"),
        phone=bindparam("phone"),
        referral_agent=func.coalesce(
            CUSTOMERS.c.referral_agent, bindparam("agent", type_=CUSTOMERS.c.referral_agent.type)
        ),
    )
)
_SET_AGENT = (
    update(CUSTOMERS)
    .where(CUSTOMERS.c.customer_id == bindparam("key_customer_id"))
    .values(referral_agent=bindparam("referral_agent"))
)
_KEYS = tuple(c.name for c in CUSTOMERS.c)


def _on_conflict_update(insert: sqlite.Insert | postgresql.Insert) -> Insert:
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[CUSTOMERS.c.customer_id],
        set_={
            "name": new.name,
            "email": new.email,
            "phone": new.phone,
            "referral_agent": func.coalesce(CUSTOMERS.c.referral_agent, new.referral_agent),
        },
    )


_SQLITE_UPSERT = _on_conflict_update(sqlite.insert(CUSTOMERS)).returning(*CUSTOMERS.c)


def _held_upsert(prefix: str) -> Insert:
    """PostgreSQL's upsert as a held write (`held_writes.Builder`), answering nothing."""
    return _on_conflict_update(held_insert_of(CUSTOMERS, _KEYS, prefix))


def customer_from_row(row: Mapping[str, Any]) -> CustomerProfile:
    return CustomerProfile(
        customer_id=row["customer_id"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        referral_agent=row["referral_agent"],
        created_at=row["created_at"],
    )


def customer_values(profile: CustomerProfile) -> dict[str, Any]:
    return {
        "customer_id": profile.customer_id,
        "name": profile.name,
        "email": profile.email,
        "phone": profile.phone,
        "referral_agent": profile.referral_agent,
        "created_at": profile.created_at,
    }


async def load_customer(session: SqlSession, customer_id: str) -> CustomerProfile | None:
    if customer_id in session.customers:
        return session.customers[customer_id]
    rows = await session.fetch(_CUSTOMER, {"customer_id": customer_id})
    return customer_from_row(rows[0]) if rows else None


class SqlCustomers:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def get(self, customer_id: str) -> CustomerProfile | None:
        return await load_customer(self._session, customer_id)

    async def upsert(self, profile: CustomerProfile) -> None:
        """Insert; if the customer exists (or appears meanwhile), update in one statement
        that keeps a known referral agent. Held for the commit where the store holds
        writes (create-order's first unit is then one statement); elsewhere the stored
        profile is read back with the write, for a later `get` in the unit."""
        session = self._session
        row = customer_values(profile)
        session.customers.pop(profile.customer_id, None)
        if session.holds_writes:
            await session.hold(HeldWrite(_held_upsert, row, (CUSTOMERS.name, profile.customer_id)))
            return
        if session.dialect == "sqlite":
            stored = customer_from_row((await session.fetch(_SQLITE_UPSERT, row, _KEYS))[0])
        else:
            if not await session.insert_once(CUSTOMERS, row):
                changes = {
                    "key_customer_id": profile.customer_id,
                    "name": profile.name,
                    "email": profile.email,
                    "phone": profile.phone,
                    "agent": profile.referral_agent,
                }
                await session.write(_UPDATE_CUSTOMER, changes)
            found = await self.get(profile.customer_id)
            assert found is not None, "a customer upserted in this transaction must exist"
            stored = found
        session.customers[stored.customer_id] = stored

    async def set_referral_agent(
        self, customer_id: str, agent_id: str | None
    ) -> CustomerProfile | None:
        self._session.customers.pop(customer_id, None)
        change = {"key_customer_id": customer_id, "referral_agent": agent_id}
        await self._session.write(_SET_AGENT, change)
        return await self.get(customer_id)
