"""CancelOrder: end an open order at the gateway, then record how it really ended.

The termination is asked of the gateway first and the order is then confirmed from the
gateway's answer, never simply marked: a payment that raced the cancellation wins, and the
order ends PAID and credited instead of TERMINATED.
"""

from __future__ import annotations

import structlog

from application.errors import GatewayError, OrderNotCancellable, OrderNotFound
from application.ports import PaymentGateway
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from domain.order import Order, OrderStatus

log = structlog.get_logger(__name__)


class CancelOrder:
    def __init__(
        self, units: UnitOfWorkFactory, gateway: PaymentGateway, confirm: ConfirmPayment
    ) -> None:
        self._units = units
        self._gateway = gateway
        self._confirm = confirm

    async def execute(self, order_id: str) -> Order:
        """The order as it ended: TERMINATED, or PAID when a payment got there first.

        OrderNotFound for an unknown id, OrderNotCancellable unless the order is ACTIVE.
        """
        async with self._units() as uow:
            order = await uow.orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        if order.status is not OrderStatus.ACTIVE:
            raise OrderNotCancellable(order_id, order.status.value)
        try:
            terminated = await self._gateway.terminate_order(order_id)
        except GatewayError:
            # Refused (it was paid meanwhile, say): what the gateway holds decides.
            order = await self._confirm.execute(order_id)
            if order.status is OrderStatus.ACTIVE:
                raise
            return order
        order = await self._confirm.execute(order_id)
        if order.status is OrderStatus.ACTIVE:
            # The gateway's order read lagged its termination answer: apply that answer.
            order = await self._confirm.apply(order_id, [], terminated.status)
        log.info("order cancelled", order_id=order_id, status=order.status.value)
        return order
