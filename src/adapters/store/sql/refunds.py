"""Refunds in SQL: the primary key keeps a refund id one refund; `version` makes a save
optimistic, as for orders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from adapters.store.sql.tables import REFUNDS
from application.errors import ConcurrencyConflict, DuplicateRefund
from domain.money import Money
from domain.refunds import Refund, RefundState

if TYPE_CHECKING:
    from adapters.store.sql.session import SqlSession


def refund_values(refund: Refund) -> dict[str, Any]:
    return {
        "order_id": refund.order_id,
        "customer_id": refund.customer_id,
        "amount": refund.amount.amount,
        "currency": refund.amount.currency,
        "reason": refund.reason,
        "state": refund.state.value,
        "created_at": refund.created_at,
        "updated_at": refund.updated_at,
        "gateway_refund_id": refund.gateway_refund_id,
        "arn": refund.arn,
    }


def refund_from_row(row: Mapping[str, Any]) -> Refund:
    return Refund(
        refund_id=row["refund_id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        amount=Money.from_stored(row["amount"], row["currency"]),
        reason=row["reason"],
        state=RefundState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        gateway_refund_id=row["gateway_refund_id"],
        arn=row["arn"],
        version=row["version"],
    )


class SqlRefunds:
    def __init__(self, session: SqlSession) -> None:
        self._session = session

    async def add(self, refund: Refund) -> None:
        row = {"refund_id": refund.refund_id, "version": refund.version, **refund_values(refund)}
        if not await self._session.insert_once(REFUNDS, row):
            raise DuplicateRefund(refund.refund_id)

    async def get(self, refund_id: str) -> Refund | None:
        result = await self._session.execute(
            select(REFUNDS).where(REFUNDS.c.refund_id == refund_id)
        )
        row = result.mappings().first()
        return None if row is None else refund_from_row(row)

    async def for_order(self, order_id: str) -> list[Refund]:
        result = await self._session.execute(
            select(REFUNDS)
            .where(REFUNDS.c.order_id == order_id)
            .order_by(REFUNDS.c.created_at, REFUNDS.c.refund_id)
        )
        return [refund_from_row(row) for row in result.mappings()]

    async def save(self, refund: Refund) -> None:
        result = await self._session.execute(
            update(REFUNDS)
            .where(REFUNDS.c.refund_id == refund.refund_id, REFUNDS.c.version == refund.version)
            .values(version=refund.version + 1, **refund_values(refund))
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"refund {refund.refund_id} changed since it was loaded")
        refund.version += 1
