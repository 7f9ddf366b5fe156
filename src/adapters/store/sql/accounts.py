"""Ledger adjustments, subscriptions and referrals in SQL (customers: `customers`).

As for orders and grants, the database enforces what must hold under concurrency: one
referral per order (primary key), one period per order (primary key), one subscriptions
row per (customer, kind) whose version makes a save optimistic, unique adjustment ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, func, select, update

from adapters.store.sql.session import SqlSession, plain_insert
from adapters.store.sql.tables import ADJUSTMENTS, CREDITS, PERIODS, REFERRALS
from adapters.store.sql.tables import SUBSCRIPTIONS as SUBS
from application.errors import ConcurrencyConflict
from domain.errors import DuplicateEntry, DuplicateReferral
from domain.ledger import EntryKind, LedgerAdjustment
from domain.money import Money
from domain.referrals import ReferralRecord, ReferralStatus
from domain.subscriptions import Subscription, SubscriptionPeriod

Row = Mapping[str, Any]
_MICROSECOND = timedelta(microseconds=1)


def adjustment_values(entry: LedgerAdjustment) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "customer_id": entry.customer_id,
        "kind": entry.kind.value,
        "credits": entry.credits,
        "at": entry.at,
        "note": entry.note,
        "order_id": entry.order_id,
        "refund_id": entry.refund_id,
    }


def adjustment_from_row(row: Row) -> LedgerAdjustment:
    return LedgerAdjustment(
        entry_id=row["entry_id"],
        customer_id=row["customer_id"],
        kind=EntryKind(row["kind"]),
        credits=row["credits"],
        at=row["at"],
        note=row["note"],
        order_id=row["order_id"],
        refund_id=row["refund_id"],
    )


def referral_values(record: ReferralRecord) -> dict[str, Any]:
    return {
        "order_id": record.order_id,
        "agent_id": record.agent_id,
        "customer_id": record.customer_id,
        "amount": record.amount.amount,
        "commission": record.commission.amount,
        "currency": record.amount.currency,
        "status": record.status.value,
    }


def referral_from_row(row: Row) -> ReferralRecord:
    return ReferralRecord(
        agent_id=row["agent_id"],
        customer_id=row["customer_id"],
        order_id=row["order_id"],
        amount=Money.from_stored(row["amount"], row["currency"]),
        commission=Money.from_stored(row["commission"], row["currency"]),
        status=ReferralStatus(row["status"]),
    )


def period_from_row(row: Row) -> SubscriptionPeriod:
    return SubscriptionPeriod(
        row["order_id"], row["starts_at"], row["ends_at"], row["bought_us"] * _MICROSECOND
    )


def period_values(subscription: Subscription) -> list[dict[str, Any]]:
    """The subscription_periods rows of a subscription, in its order of purchase."""
    return [
        {
            "order_id": p.order_id,
            "customer_id": subscription.customer_id,
            "kind": subscription.kind,
            "position": position,
            "starts_at": p.starts_at,
            "ends_at": p.ends_at,
            "bought_us": p.bought // _MICROSECOND,
        }
        for position, p in enumerate(subscription.periods)
    ]


# A paid plan order's webhook reads and writes these: built once, run on the raw driver.
_OWNER: dict[str, BindParameter[Any]] = {
    "customer_id": bindparam("customer_id"),
    "kind": bindparam("kind"),
}
_SUBSCRIPTION = select(SUBS.c.version).where(
    SUBS.c.customer_id == _OWNER["customer_id"], SUBS.c.kind == _OWNER["kind"]
)
_PERIODS = (
    select(PERIODS)
    .where(PERIODS.c.customer_id == _OWNER["customer_id"], PERIODS.c.kind == _OWNER["kind"])
    .order_by(PERIODS.c.position)
)
_ADVANCE_SUBSCRIPTION = (
    update(SUBS)
    .where(
        SUBS.c.customer_id == bindparam("key_customer_id"),
        SUBS.c.kind == bindparam("key_kind"),
        SUBS.c.version == bindparam("key_version"),
    )
    .values(version=bindparam("version"))
)
_DELETE_PERIODS = delete(PERIODS).where(
    PERIODS.c.customer_id == _OWNER["customer_id"], PERIODS.c.kind == _OWNER["kind"]
)
_PERIOD_KEYS = tuple(c.name for c in PERIODS.c)


async def load_subscription(
    session: SqlSession, customer_id: str, kind: str
) -> Subscription | None:
    owner = {"customer_id": customer_id, "kind": kind}
    head = await session.fetch(_SUBSCRIPTION, owner)
    if not head:
        return None
    periods = await session.fetch(_PERIODS, owner)
    return Subscription(
        customer_id,
        kind,
        tuple(period_from_row(p) for p in periods),
        version=int(head[0]["version"]),
    )


async def customer_balance(session: SqlSession, customer_id: str) -> int:
    granted = await session.execute(
        select(func.sum(CREDITS.c.credits)).where(CREDITS.c.customer_id == customer_id)
    )
    adjusted = await session.execute(
        select(func.sum(ADJUSTMENTS.c.credits)).where(ADJUSTMENTS.c.customer_id == customer_id)
    )
    return int(granted.scalar_one() or 0) + int(adjusted.scalar_one() or 0)


class SqlAdjustments:
    """The ledger's adjustments and balance, beside the grants of `SqlLedger`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add_adjustment(self, entry: LedgerAdjustment) -> None:
        if not await self._session.insert_once(ADJUSTMENTS, adjustment_values(entry)):
            raise DuplicateEntry(entry.entry_id)

    async def balance(self, customer_id: str) -> int:
        return await customer_balance(self._session, customer_id)


class SqlSubscriptions:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def get(self, customer_id: str, kind: str) -> Subscription | None:
        return await load_subscription(self._session, customer_id, kind)

    async def save(self, subscription: Subscription) -> None:
        """The subscriptions row is inserted at version 1 or moved on from the version
        loaded; either refused means another transaction saved first. Its periods are
        then rewritten, under the row's lock."""
        customer_id, kind = subscription.customer_id, subscription.kind
        owner = {"customer_id": customer_id, "kind": kind}
        loaded = subscription.version
        if loaded == 0:
            saved = await self._session.insert_once(SUBS, {**owner, "version": 1})
        else:
            advance = {
                "key_customer_id": customer_id,
                "key_kind": kind,
                "key_version": loaded,
                "version": loaded + 1,
            }
            saved = await self._session.write(_ADVANCE_SUBSCRIPTION, advance) == 1
        if not saved:
            raise ConcurrencyConflict(f"subscription {kind} of {customer_id} changed meanwhile")
        await self._session.write(_DELETE_PERIODS, owner)
        rows = period_values(subscription)
        if rows:
            await self._session.write_many(plain_insert(PERIODS), rows, _PERIOD_KEYS)
        subscription.version = loaded + 1


class SqlReferrals:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, record: ReferralRecord) -> None:
        if not await self._session.insert_once(REFERRALS, referral_values(record)):
            raise DuplicateReferral(record.order_id)

    async def get(self, order_id: str) -> ReferralRecord | None:
        result = await self._session.execute(
            select(REFERRALS).where(REFERRALS.c.order_id == order_id)
        )
        row = result.mappings().first()
        return None if row is None else referral_from_row(row)

    async def save(self, record: ReferralRecord) -> None:
        """Replace the order's record (a refund marks it reversed)."""
        await self._session.execute(
            update(REFERRALS)
            .where(REFERRALS.c.order_id == record.order_id)
            .values(referral_values(record))
        )
