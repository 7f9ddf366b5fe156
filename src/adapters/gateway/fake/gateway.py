"""FakeGateway: the `PaymentGateway` port served in-process by the Cashfree simulator.

It speaks to the simulator in Cashfree's own dicts, exactly as the HTTP adapter speaks to
Cashfree, so the app in fake mode exercises the same mapping rules; simulator refusals and
injected faults become the application's Gateway* errors.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from adapters.gateway.fake import wire
from adapters.gateway.fake.errors import SimulatedFault, SimulatorError
from adapters.gateway.fake.simulator import CashfreeSimulator
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayError,
    GatewayNotFound,
    GatewayRateLimited,
    GatewayUnavailable,
    GatewayValidationError,
)
from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayOrderStatus,
    GatewayRefund,
    RefundStatus,
)
from domain.money import Money
from domain.order import AttemptStatus, PaymentAttempt

T = TypeVar("T")


class FakeGateway:
    """The simulator as a payment gateway; shares its state with the /pg HTTP app."""

    name = "fake"

    def __init__(self, simulator: CashfreeSimulator) -> None:
        self.simulator = simulator

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        customer: dict[str, Any] = {
            "customer_id": request.customer_id,
            "customer_name": request.customer.name,
            "customer_email": request.customer.email,
            "customer_phone": request.customer.phone,
        }
        body: dict[str, Any] = {
            "order_id": request.order_id,
            "order_amount": request.amount.amount,
            "order_currency": request.amount.currency,
            "customer_details": customer,
            "order_meta": {"return_url": request.return_url, "notify_url": request.notify_url},
        }
        entity = await _call(self.simulator.create_order(body, idempotency_key=request.order_id))
        return order_from_entity(entity)

    async def get_order(self, order_id: str) -> GatewayOrder:
        return order_from_entity(await _call(self.simulator.get_order(order_id)))

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        payments = await _call(self.simulator.list_payments(order_id))
        return [attempt_from_entity(p) for p in payments]

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        entity = await _call(
            self.simulator.terminate_order(order_id, {"order_status": "TERMINATED"})
        )
        return order_from_entity(entity)

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        body: dict[str, Any] = {"refund_id": refund_id, "refund_amount": amount.amount}
        if note:
            body["refund_note"] = note
        entity = await _call(
            self.simulator.create_refund(order_id, body, idempotency_key=f"{order_id}:{refund_id}")
        )
        return refund_from_entity(entity)

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        refunds = await _call(self.simulator.list_refunds(order_id))
        return [refund_from_entity(r) for r in refunds]

    async def aclose(self) -> None:
        """The simulator outlives the gateway: its owner closes its webhook dispatcher."""


def order_from_entity(entity: dict[str, Any]) -> GatewayOrder:
    expiry = entity.get("order_expiry_time")
    return GatewayOrder(
        order_id=entity["order_id"],
        gateway_order_id=str(entity["cf_order_id"]),
        status=GatewayOrderStatus(entity["order_status"]),
        payment_session_id=entity["payment_session_id"],
        amount=Money.of(entity["order_amount"], entity["order_currency"]),
        expires_at=wire.parse_time(expiry) if expiry else None,
    )


def attempt_from_entity(entity: dict[str, Any]) -> PaymentAttempt:
    at = entity.get("payment_completion_time") or entity["payment_time"]
    return PaymentAttempt(
        payment_id=str(entity["cf_payment_id"]),
        status=AttemptStatus(entity["payment_status"]),
        amount=Money.of(entity["payment_amount"], entity["payment_currency"]),
        at=wire.parse_time(at),
        message=entity.get("payment_message") or "",
        method=entity.get("payment_group") or "",
    )


def refund_from_entity(entity: dict[str, Any]) -> GatewayRefund:
    return GatewayRefund(
        order_id=entity["order_id"],
        refund_id=entity["refund_id"],
        gateway_refund_id=str(entity["cf_refund_id"]),
        amount=Money.of(entity["refund_amount"], entity["refund_currency"]),
        status=RefundStatus(entity["refund_status"]),
        note=entity.get("refund_note") or "",
    )


async def _call(operation: Awaitable[T]) -> T:
    try:
        return await operation
    except SimulatedFault as exc:
        raise GatewayUnavailable(f"simulated {exc.kind} from the fake gateway") from exc
    except SimulatorError as exc:
        raise gateway_error(exc) from exc


def gateway_error(exc: SimulatorError) -> GatewayError:
    """The application error for a Cashfree refusal, as the real adapter maps HTTP statuses."""
    if exc.status in (401, 403):
        return GatewayAuthError(exc.message)
    if exc.status == 404:
        return GatewayNotFound(exc.message)
    if exc.status == 409:
        return GatewayConflict(exc.message)
    if exc.status == 429:
        return GatewayRateLimited(exc.message)
    if exc.status >= 500:
        return GatewayUnavailable(exc.message)
    return GatewayValidationError(exc.message)
