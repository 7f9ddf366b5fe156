"""Refunds for the staged stores (memory, JSON journal), under the store's lock."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from application.errors import ConcurrencyConflict, DuplicateRefund
from domain.refunds import Refund

if TYPE_CHECKING:
    from adapters.store.staged import _Staging


def detached_refund(refund: Refund) -> Refund:
    """A copy without events; everything else a Refund holds is immutable."""
    return replace(refund, events=[])


class StagedRefunds:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def add(self, refund: Refund) -> None:
        if refund.refund_id in await self._staging.view("refunds"):
            raise DuplicateRefund(refund.refund_id)
        self._staging.changes.refunds[refund.refund_id] = detached_refund(refund)

    async def get(self, refund_id: str) -> Refund | None:
        found: Refund | None = (await self._staging.view("refunds")).get(refund_id)
        return None if found is None else detached_refund(found)

    async def for_order(self, order_id: str) -> list[Refund]:
        refunds = await self._staging.rows_in("refunds", "order", order_id)
        mine = [detached_refund(r) for r in refunds]
        return sorted(mine, key=lambda r: (r.created_at, r.refund_id))

    async def save(self, refund: Refund) -> None:
        current: Refund | None = (await self._staging.view("refunds")).get(refund.refund_id)
        if current is None or current.version != refund.version:
            raise ConcurrencyConflict(f"refund {refund.refund_id} changed since it was loaded")
        refund.version += 1
        self._staging.changes.refunds[refund.refund_id] = detached_refund(refund)
