"""MeasuredGateway: any `PaymentGateway`, each call timed and counted by endpoint and outcome.

A decorator the container puts in front of the chosen gateway, so neither Cashfree's
adapter nor the simulator's knows about metrics. A call's status is "ok", the class name of
the error it raised (GatewayUnavailable, GatewayNotFound...), or "cancelled".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayRefund,
    Metrics,
    PaymentGateway,
)
from domain.money import Money
from domain.order import PaymentAttempt

T = TypeVar("T")


class MeasuredGateway:
    def __init__(self, inner: PaymentGateway, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        self.name = inner.name

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        return await self._measured("create_order", self._inner.create_order(request))

    async def get_order(self, order_id: str) -> GatewayOrder:
        return await self._measured("get_order", self._inner.get_order(order_id))

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        return await self._measured("list_payments", self._inner.list_payments(order_id))

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        return await self._measured("terminate_order", self._inner.terminate_order(order_id))

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        return await self._measured(
            "create_refund", self._inner.create_refund(order_id, refund_id, amount, note)
        )

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        return await self._measured("list_refunds", self._inner.list_refunds(order_id))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _measured(self, endpoint: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        status = "ok"
        try:
            return await call
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        except Exception as exc:
            status = type(exc).__name__
            raise
        finally:
            self._metrics.gateway_call(endpoint, status, time.perf_counter() - started)
