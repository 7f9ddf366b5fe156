"""Fakes for use-case tests: a scripted gateway, a settable clock, counted ids, a recorder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from application.errors import GatewayError
from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayOrderStatus,
    GatewayRefund,
    RefundStatus,
)
from domain.events import Event
from domain.money import Money
from domain.order import PaymentAttempt

from ..domain.factories import T0


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class CountingIds:
    def __init__(self) -> None:
        self.count = 0

    def order_id(self) -> str:
        self.count += 1
        return f"ORDER_{self.count:04d}"

    def new_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count:04d}"


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


class ScriptedGateway:
    """Answers from what the test put in it; counts every call."""

    name = "scripted"

    def __init__(self) -> None:
        self.orders: dict[str, GatewayOrder] = {}
        self.payments: dict[str, list[PaymentAttempt]] = {}
        self.refuse_with: GatewayError | None = None
        self.calls: list[str] = []
        self.requests: list[GatewayOrderRequest] = []
        self.refunds: dict[str, GatewayRefund] = {}
        self.refund_status = RefundStatus.SUCCESS
        self.refund_error: GatewayError | None = None

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        self.calls.append("create_order")
        self.requests.append(request)
        if self.refuse_with is not None:
            raise self.refuse_with
        order = GatewayOrder(
            order_id=request.order_id,
            gateway_order_id=f"cf_{request.order_id}",
            status=GatewayOrderStatus.ACTIVE,
            payment_session_id=f"session_{request.order_id}",
            amount=request.amount,
        )
        self.orders[request.order_id] = order
        self.payments[request.order_id] = []
        return order

    async def get_order(self, order_id: str) -> GatewayOrder:
        self.calls.append("get_order")
        return self.orders[order_id]

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        self.calls.append("list_payments")
        return list(self.payments[order_id])

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        raise NotImplementedError

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        """Answers `refund_status` (idempotent per refund id), or raises `refund_error`."""
        self.calls.append("create_refund")
        if self.refund_error is not None:
            raise self.refund_error
        known = self.refunds.get(refund_id)
        if known is None:
            known = GatewayRefund(
                order_id, refund_id, f"cf_{refund_id}", amount, self.refund_status, note
            )
            self.refunds[refund_id] = known
        return known

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        return []

    async def aclose(self) -> None:
        return None
