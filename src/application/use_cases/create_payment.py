"""CreatePayment: validate, save the order, open it at the gateway, hand back the session.

The order is saved as CREATED before the gateway is called, so a crash or a refusal can
never leave a gateway order we know nothing about; a refusal ends it as FAILED_TO_CREATE.
Each step's events are published by its unit of work once the step is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from application.errors import GatewayError
from application.ports import Clock, GatewayOrderRequest, IdGenerator, PaymentGateway
from application.unit_of_work import UnitOfWorkFactory
from domain.customer import Customer
from domain.errors import FieldError, InvalidField, ValidationFailed
from domain.money import Money
from domain.order import Order

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CreatePaymentCommand:
    """Raw customer input, validated by the domain."""

    amount: object
    customer_name: object
    customer_email: object
    customer_phone: object


class CreatePayment:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        return_url: str,
        notify_url: str,
    ) -> None:
        self._units = units
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._return_url = return_url
        self._notify_url = notify_url

    async def execute(self, command: CreatePaymentCommand) -> Order:
        amount, customer = _validate(command)
        order = Order.create(self._ids.order_id(), amount, customer, self._clock.now())
        async with self._units() as uow:
            await uow.orders.add(order)
            await uow.commit()
        bound = log.bind(order_id=order.order_id)
        request = GatewayOrderRequest(
            order_id=order.order_id,
            amount=amount,
            customer=customer,
            customer_id=self._ids.new_id("CUST"),
            return_url=self._return_url.replace("{order_id}", order.order_id),
            notify_url=self._notify_url,
        )
        try:
            opened = await self._gateway.create_order(request)
        except GatewayError as exc:
            bound.warning("gateway refused order", error=type(exc).__name__)
            reason = exc.public_message
            await self._finish(
                order.order_id, lambda o: o.fail_to_create(reason, self._clock.now())
            )
            raise
        order = await self._finish(
            order.order_id,
            lambda o: o.activate(
                opened.gateway_order_id, opened.payment_session_id, self._clock.now()
            ),
        )
        bound.info("order opened", amount=str(amount.amount))
        return order

    async def _finish(self, order_id: str, change: Callable[[Order], None]) -> Order:
        async with self._units() as uow:
            order = await uow.orders.get(order_id)
            assert order is not None, "an order saved moments ago must exist"
            change(order)
            await uow.orders.save(order)
            await uow.commit()
        return order


def _validate(command: CreatePaymentCommand) -> tuple[Money, Customer]:
    """Every invalid field at once, in form order."""
    errors: list[FieldError] = []
    amount: Money | None = None
    customer: Customer | None = None
    try:
        amount = Money.parse(command.amount)
    except InvalidField as exc:
        errors.append(exc.error)
    try:
        customer = Customer.create(
            command.customer_name, command.customer_email, command.customer_phone
        )
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors or amount is None or customer is None:
        raise ValidationFailed(errors)
    return amount, customer
