"""Read-side use cases: what the customer's page and the operator see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import structlog

from application.errors import GatewayError, OrderNotFound
from application.ports import FailedAttempt, LedgerTotals, Store
from domain.ledger import CreditEntry
from domain.order import Order, OrderStatus

log = structlog.get_logger(__name__)
_CENTS = Decimal("0.01")


Refresh = Callable[[str], Awaitable[Order]]


class GetPaymentStatus:
    """The order as we know it, refreshed from the gateway while it is still open.

    `refresh` is the order watcher's single-flight confirmation in the app, so polls,
    verifications and watchers of one order share one gateway call at a time.
    """

    def __init__(self, store: Store, refresh: Refresh) -> None:
        self._store = store
        self._refresh = refresh

    async def execute(self, order_id: str, refresh: bool = True) -> Order:
        async with self._store.unit_of_work() as uow:
            order = await uow.orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        if refresh and order.status is OrderStatus.ACTIVE:
            try:
                return await self._refresh(order_id)
            except GatewayError as exc:
                log.warning("status refresh failed", order_id=order_id, error=type(exc).__name__)
        return order


@dataclass(frozen=True)
class CreditsReport:
    totals: LedgerTotals
    payments: list[CreditEntry]
    failed_payments: list[FailedAttempt]
    orders: list[Order]


class ListCredits:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def execute(self, limit: int = 100, offset: int = 0) -> CreditsReport:
        async with self._store.unit_of_work() as uow:
            return CreditsReport(
                totals=await uow.ledger.totals(),
                payments=await uow.ledger.list(limit, offset),
                failed_payments=await uow.orders.list_failed_attempts(limit, offset),
                orders=await uow.orders.list_recent(limit, offset),
            )


class ListFailedPayments:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def execute(self, limit: int = 100, offset: int = 0) -> list[FailedAttempt]:
        async with self._store.unit_of_work() as uow:
            return await uow.orders.list_failed_attempts(limit, offset)


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


class GetStatistics:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def execute(self) -> Statistics:
        async with self._store.unit_of_work() as uow:
            totals = await uow.ledger.totals()
            orders = await uow.orders.statistics()
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
            total_amount=totals.amount.quantize(_CENTS),
            failed_amount=orders.failed_amount.quantize(_CENTS),
            average_amount=average.quantize(_CENTS, ROUND_HALF_UP),
            success_rate=rate.quantize(_CENTS, ROUND_HALF_UP),
            total_credits=totals.credits,
            total_orders=sum(orders.orders_by_status.values()),
            orders_by_status=dict(orders.orders_by_status),
        )
