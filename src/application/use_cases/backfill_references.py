"""BackfillReferences: the bank's references for payments and refunds settled before they
were kept.

A payment's UTR (kept since migration 0004) and a refund's ARN (since 0005) come with
webhooks, creation answers and the reconciler's checks; what was settled before has none,
and the reconciler asks only about what may still move. This walks the store's successful
payments and refunds without one, a page at a time by id, asks the gateway once an order,
and records what it has through the paths every report takes (`ConfirmPayment` for the
payments, `ApplyRefundState` for the refunds), which fill a missing reference and change
nothing else that was settled: nothing is credited, reversed or notified again.

A run may stop at any point and be started again; it asks again about what the gateway had
no reference for, and `limit` bounds how many of each it asks about.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from application.gate import guarded
from application.ports import Clock, PaymentGateway
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.reconcile import RefundStateApplier
from domain.refunds import Refund, RefundState

log = structlog.get_logger(__name__)

PAGE = 100
# Gateway checks in flight at once: gentler than the reconciler's, as a backfill may ask
# about years of history while the shop keeps taking payments under the same rate limit.
CONCURRENCY = 4


class ReferenceReports(Protocol):
    """What the backfill reads of the store (`PaymentReports` has both)."""

    async def payments_without_reference(self, after: str, limit: int) -> list[str]: ...

    async def refunds_without_reference(self, after: str, limit: int) -> list[Refund]: ...


@dataclass(frozen=True)
class BackfillRun:
    """How many payments (orders) and refunds were asked about, how many of them now have
    the bank's reference, and how many checks the gateway or the store cut short."""

    started_at: datetime
    finished_at: datetime
    payments_asked: int
    payments_filled: int
    refunds_asked: int
    refunds_filled: int
    failed: int


class BackfillReferences:
    def __init__(
        self,
        reports: ReferenceReports,
        gateway: PaymentGateway,
        clock: Clock,
        confirm: ConfirmPayment,
        apply_refund: RefundStateApplier,
        *,
        page: int = PAGE,
        concurrency: int = CONCURRENCY,
    ) -> None:
        if page < 1 or concurrency < 1:
            raise ValueError("page and concurrency must be at least 1")
        self._reports = reports
        self._gateway = gateway
        self._clock = clock
        self._confirm = confirm
        self._apply_refund = apply_refund
        self._page = page
        self._gate = asyncio.Semaphore(concurrency)

    async def execute(self, limit: int | None = None) -> BackfillRun:
        """One walk through the store; at most `limit` payments and `limit` refunds."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        started = self._clock.now()
        payments = await self._payments(limit)
        refunds = await self._refunds(limit)
        run = BackfillRun(
            started,
            self._clock.now(),
            payments.asked,
            payments.filled,
            refunds.asked,
            refunds.filled,
            payments.failed + refunds.failed,
        )
        log.info(
            "references backfilled",
            payments_asked=run.payments_asked,
            payments_filled=run.payments_filled,
            refunds_asked=run.refunds_asked,
            refunds_filled=run.refunds_filled,
            failed=run.failed,
        )
        return run

    async def _payments(self, limit: int | None) -> _Tally:
        tally = _Tally()
        after = ""
        while (size := _next_page(self._page, limit, tally.asked)) > 0:
            order_ids = await self._reports.payments_without_reference(after, size)
            if not order_ids:
                break
            results = await asyncio.gather(
                *(
                    guarded(
                        self._gate,
                        self._confirm.execute(order_id, check_order_status=False),
                    )
                    for order_id in order_ids
                )
            )
            for order_id, result in zip(order_ids, results, strict=True):
                tally.record(
                    order_id,
                    result if isinstance(result, Exception) else not result.lacks_bank_reference,
                )
            after = order_ids[-1]
        return tally

    async def _refunds(self, limit: int | None) -> _Tally:
        tally = _Tally()
        after = ""
        while (size := _next_page(self._page, limit, tally.asked)) > 0:
            refunds = await self._reports.refunds_without_reference(after, size)
            if not refunds:
                break
            of_order: defaultdict[str, list[Refund]] = defaultdict(list)
            for refund in refunds:
                of_order[refund.order_id].append(refund)
            results = await asyncio.gather(
                *(
                    guarded(self._gate, self._refunds_of(order_id, theirs))
                    for order_id, theirs in of_order.items()
                )
            )
            for theirs, result in zip(of_order.values(), results, strict=True):
                if isinstance(result, Exception):
                    for refund in theirs:
                        tally.record(refund.refund_id, result)
                    continue
                for settled in result:
                    tally.record(settled.refund_id, bool(settled.arn))
            after = refunds[-1].refund_id
        return tally

    async def _refunds_of(self, order_id: str, refunds: Sequence[Refund]) -> list[Refund]:
        """One refund list of the order; each refund it has with an ARN takes it."""
        listed = {g.refund_id: g for g in await self._gateway.list_refunds(order_id)}
        settled = []
        for refund in refunds:
            known = listed.get(refund.refund_id)
            if known is None or not known.arn:
                settled.append(refund)
                continue
            settled.append(
                await self._apply_refund.execute(
                    order_id,
                    refund.refund_id,
                    RefundState.from_gateway(known.status.value),
                    known.gateway_refund_id or None,
                    known.arn,
                    announce_reference=False,
                )
            )
        return settled


@dataclass
class _Tally:
    asked: int = 0
    filled: int = 0
    failed: int = 0

    def record(self, item_id: str, outcome: bool | Exception) -> None:
        """One item asked about: filled (True), not known to the gateway (False) or cut
        short (the exception)."""
        self.asked += 1
        if isinstance(outcome, Exception):
            self.failed += 1
            log.warning("reference backfill failed", id=item_id, error=type(outcome).__name__)
        elif outcome:
            self.filled += 1


def _next_page(page: int, limit: int | None, asked: int) -> int:
    return page if limit is None else min(page, limit - asked)
