"""DeadlineGateway: every call to the payment gateway ends within one deadline.

The HTTP adapter bounds each try (connect and read timeouts) and the number of tries, but
tries and backoff together can outlast what a customer or a webhook sender waits for, and
the simulator's latency has no bound at all. Put around any gateway by the container, this
cancels a call still running after `seconds` (CASHFREE_DEADLINE_SECONDS, retries
included) and raises `GatewayTimeout`, which the web layer answers with 504.

A call cut short may still have reached the gateway (an order or a refund created, an
order terminated): like any `GatewayUnavailable`, its outcome is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import structlog

from application.errors import GatewayTimeout
from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayRefund,
    PaymentGateway,
)
from domain.money import Money
from domain.order import PaymentAttempt

T = TypeVar("T")

_log = structlog.get_logger(__name__)


class DeadlineGateway:
    """`gateway` with each call bounded by `seconds`; closing is not bounded."""

    def __init__(self, gateway: PaymentGateway, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the deadline must be positive")
        self._gateway = gateway
        self._seconds = seconds
        self.name = gateway.name

    @property
    def seconds(self) -> float:
        return self._seconds

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        return await self._within("create_order", self._gateway.create_order(request))

    async def get_order(self, order_id: str) -> GatewayOrder:
        return await self._within("get_order", self._gateway.get_order(order_id))

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        return await self._within("list_payments", self._gateway.list_payments(order_id))

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        return await self._within("terminate_order", self._gateway.terminate_order(order_id))

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        return await self._within(
            "create_refund", self._gateway.create_refund(order_id, refund_id, amount, note)
        )

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        return await self._within("list_refunds", self._gateway.list_refunds(order_id))

    async def aclose(self) -> None:
        await self._gateway.aclose()

    async def _within(self, operation: str, call: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self._seconds):
                return await call
        except TimeoutError:
            _log.warning("gateway.deadline_passed", operation=operation, seconds=self._seconds)
            raise GatewayTimeout(
                f"the payment gateway did not answer {operation} within {self._seconds:g} s"
            ) from None
