"""Read-side use cases: what the customer's page and the operator see."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import structlog

from application.errors import GatewayError, OrderNotFound
from application.ports import FailedAttempt, LedgerTotals, PaymentReports, Store
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import Order, OrderStatus
from domain.refunds import Refund

log = structlog.get_logger(__name__)
# The success rate is a percentage shown with two decimals, not an amount of money.
_PERCENT_PLACES = Decimal("0.01")


Refresh = Callable[[str], Awaitable[Order]]


class GatewayCheck(StrEnum):
    """How asking the gateway about an open order went."""

    DONE = "done"
    # Still asking when the answer was due: the stored status was answered, and the check
    # goes on, so its result reaches the store (and the next poll) by itself.
    PENDING = "pending"
    # The gateway failed or timed out: the stored status stands.
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class CheckedStatus:
    """The order, and how its gateway check went (None: nothing to ask, it is final)."""

    order: Order
    gateway_check: GatewayCheck | None
    refunds: tuple[Refund, ...] = ()
    """A paid order's refunds (an open one cannot have any)."""


class GetPaymentStatus:
    """The order as we know it, refreshed from the gateway while it is still open.

    `refresh` is the order watcher's single-flight confirmation in the app, so polls,
    verifications and watchers of one order share one gateway call at a time; it shields
    that call, so a caller that stops waiting (`wait_seconds`) leaves it running.
    """

    def __init__(self, store: Store, refresh: Refresh) -> None:
        self._store = store
        self._refresh = refresh

    async def execute(self, order_id: str, refresh: bool = True) -> Order:
        return (await self.check(order_id, refresh)).order

    async def check(
        self, order_id: str, refresh: bool = True, wait_seconds: float | None = None
    ) -> CheckedStatus:
        """The order, refreshed when open; after `wait_seconds` (None: as long as the
        check takes, which the gateway's deadline bounds) the stored order, PENDING."""
        async with self._store.unit_of_work() as uow:
            order = await uow.orders.get(order_id)
            paid = order is not None and order.status is OrderStatus.PAID
            refunds = tuple(await uow.refunds.for_order(order_id)) if paid else ()
        if order is None:
            raise OrderNotFound(order_id)
        if not refresh or order.status is not OrderStatus.ACTIVE:
            return CheckedStatus(order, None, refunds)
        waiting = asyncio.timeout(wait_seconds)
        try:
            async with waiting:
                return CheckedStatus(await self._refresh(order_id), GatewayCheck.DONE)
        except TimeoutError:
            if not waiting.expired():
                raise
            log.info("status answered before the gateway check", order_id=order_id)
            return CheckedStatus(order, GatewayCheck.PENDING)
        except GatewayError as exc:
            log.warning("status refresh failed", order_id=order_id, error=type(exc).__name__)
            return CheckedStatus(order, GatewayCheck.UNAVAILABLE)


@dataclass(frozen=True)
class CreditsReport:
    totals: LedgerTotals
    payments: list[CreditEntry]
    failed_payments: list[FailedAttempt]
    orders: list[Order]
    refunds: dict[str, list[Refund]]
    """The listed orders' refunds, by order id (an order without any is absent)."""


class ListCredits:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self, limit: int = 100, offset: int = 0) -> CreditsReport:
        orders = await self._reports.recent_orders(limit, offset)
        return CreditsReport(
            totals=await self._reports.ledger_totals(),
            payments=await self._reports.credits(limit, offset),
            failed_payments=await self._reports.failed_attempts(limit, offset),
            orders=orders,
            refunds=await self._reports.refunds_of_orders([o.order_id for o in orders]),
        )


class ListFailedPayments:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self, limit: int = 100, offset: int = 0) -> list[FailedAttempt]:
        return await self._reports.failed_attempts(limit, offset)


@dataclass(frozen=True)
class Statistics:
    """The seed's statistics, with the success rate defined per order, not per attempt:
    paid orders over orders that saw at least one attempt (a retried failure that ends
    paid counts as a success)."""

    total_payments: int
    total_failures: int
    total_amount: Decimal
    failed_amount: Decimal
    average_amount: Decimal
    success_rate: Decimal
    total_credits: int
    total_orders: int
    orders_by_status: dict[str, int]
    # Orders a success paid after they had expired or been terminated.
    paid_after_close: int = 0
    # Successful refunds only; net revenue is the total paid amount minus what they gave back.
    refunded_amount: Decimal = Decimal("0.00")
    refund_count: int = 0
    net_revenue: Decimal = Decimal("0.00")
    # Of `total_failures`, the attempts the customer abandoned rather than had declined.
    total_drop_outs: int = 0


class GetStatistics:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self) -> Statistics:
        totals = await self._reports.ledger_totals()
        orders = await self._reports.order_statistics()
        refunded = await self._reports.refund_totals()
        average = (totals.amount / totals.entries) if totals.entries else Decimal(0)
        rate = (
            Decimal(100)
            * orders.orders_by_status.get(OrderStatus.PAID, 0)
            / orders.attempted_orders
            if orders.attempted_orders
            else Decimal(0)
        )
        return Statistics(
            total_payments=totals.entries,
            total_failures=orders.failed_attempts,
            total_amount=Money.quantize(totals.amount),
            failed_amount=Money.quantize(orders.failed_amount),
            average_amount=Money.quantize(average),
            success_rate=rate.quantize(_PERCENT_PLACES, ROUND_HALF_UP),
            total_credits=totals.credits,
            total_orders=sum(orders.orders_by_status.values()),
            orders_by_status=dict(orders.orders_by_status),
            paid_after_close=orders.paid_after_close,
            refunded_amount=Money.quantize(refunded.amount),
            refund_count=refunded.count,
            net_revenue=Money.quantize(totals.amount - refunded.amount),
            total_drop_outs=orders.dropped_attempts,
        )
