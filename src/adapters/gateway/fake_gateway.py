"""FakeGateway: the `PaymentGateway` port served in-process by the Cashfree simulator
(the `cashfree-simulator` distribution).

It speaks to the simulator in Cashfree's own dicts through the HTTP adapter's own wire
mapping (`cashfree_mapping`), so the app in fake mode exercises the same mapping rules;
simulator refusals and injected faults become the application's Gateway* errors.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from adapters.gateway import cashfree_mapping as mapping
from adapters.gateway.cashfree_errors import error_from
from application.errors import GatewayTimeout, GatewayUnavailable
from application.ports import (
    GatewayOrder,
    GatewayOrderRequest,
    GatewayRefund,
)
from cashfree_simulator import CashfreeSimulator, SimulatedFault, SimulatorError
from domain.money import Money
from domain.order import PaymentAttempt

T = TypeVar("T")


class FakeGateway:
    """The simulator as a payment gateway; shares its state with the /pg HTTP app."""

    name = "fake"

    def __init__(self, simulator: CashfreeSimulator) -> None:
        self.simulator = simulator

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder:
        body = mapping.order_request(request)
        entity = await self._call(
            self.simulator.create_order(body, idempotency_key=request.order_id)
        )
        return mapping.gateway_order(entity)

    async def get_order(self, order_id: str) -> GatewayOrder:
        return mapping.gateway_order(await self._call(self.simulator.get_order(order_id)))

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        payments = await self._call(self.simulator.list_payments(order_id))
        return mapping.payment_attempts(payments, self.simulator.now())

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        entity = await self._call(
            self.simulator.terminate_order(order_id, mapping.terminate_request())
        )
        return mapping.gateway_order(entity)

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        body = mapping.refund_request(refund_id, amount, note)
        entity = await self._call(
            self.simulator.create_refund(order_id, body, idempotency_key=refund_id)
        )
        return mapping.gateway_refund(entity)

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        return mapping.gateway_refunds(await self._call(self.simulator.list_refunds(order_id)))

    async def aclose(self) -> None:
        """The simulator outlives the gateway: its owner closes it."""

    async def _call(self, operation: Awaitable[T]) -> T:
        """Faults become GatewayUnavailable (a "timeout" GatewayTimeout, as the real
        adapter reports a lost answer); refusals map as the real adapter maps them."""
        try:
            return await operation
        except SimulatedFault as exc:
            failure = GatewayTimeout if exc.kind == "timeout" else GatewayUnavailable
            raise failure(f"simulated {exc.kind} from the fake gateway") from exc
        except SimulatorError as exc:
            raise error_from(exc.status, exc.message, exc.type, self.simulator.app_id) from exc
