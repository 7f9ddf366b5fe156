"""CreatePayment: validate, save the order, open it at the gateway, hand back the session.

The order is saved as CREATED before the gateway is called, so a crash or a refusal can
never leave a gateway order we know nothing about; a refusal ends it as FAILED_TO_CREATE.
A call whose outcome is unknown (timed out, unanswered, 5xx: `GatewayUnavailable`) may
have opened the order at the gateway anyway, so the order stays CREATED: the reconciler
later asks the gateway by our order id (the idempotency key) and terminates it there or
records its payment, and a webhook for it is applied meanwhile.
Each step's events are published by its unit of work once the step is committed.

With a plan the price comes from the catalogue (an amount sent must equal it) and what the
order earns is fixed on it then; without one the free-amount payment earns one credit. The
customer's profile is upserted in the same unit of work as the order, so every order's
customer is known, with the referral agent they came with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from application.contention import retry_on_conflict
from application.errors import ConcurrencyConflict, GatewayError, GatewayUnavailable
from application.ports import Clock, GatewayOrderRequest, IdGenerator, PaymentGateway
from application.unit_of_work import UnitOfWorkFactory
from domain.accounts import CustomerProfile, check_id
from domain.customer import Customer, customer_id_for_email
from domain.errors import FieldError, InvalidField, ValidationFailed
from domain.money import AMOUNT_RANGE_MESSAGE, Money
from domain.order import Order
from domain.plans import PlanCatalogue, Purchase, UnknownPlan

log = structlog.get_logger(__name__)

# Gateways (Cashfree) accept 3 to 50 letters, digits, '_' or '-' as a customer id.
_GATEWAY_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{3,50}")


def gateway_customer_id(customer_id: str) -> str:
    """The order's customer id as the gateway can take it: itself when it fits (ids
    derived from e-mail always do), else a stable digest of it (a JWT subject such as
    "auth0|user-42" does not)."""
    if _GATEWAY_CUSTOMER_ID.fullmatch(customer_id):
        return customer_id
    return "cus_" + hashlib.sha256(customer_id.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CreatePaymentCommand:
    """Raw customer input, validated by the domain."""

    amount: object
    customer_name: object
    customer_email: object
    customer_phone: object
    plan_id: object = None
    customer_id: str | None = None
    referral_agent: str | None = None


class CreatePayment:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        return_url: str,
        notify_url: str,
        *,
        plans: PlanCatalogue | None = None,
    ) -> None:
        self._units = units
        self._plans = plans if plans is not None else PlanCatalogue(())
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._return_url = return_url
        self._notify_url = notify_url

    async def execute(self, command: CreatePaymentCommand) -> Order:
        sent, customer = _validate(command)
        amount, purchase = self._price(command.plan_id, sent)
        customer_id = (
            check_id("customer_id", command.customer_id)
            if command.customer_id is not None
            else customer_id_for_email(customer.email)
        )
        agent = (
            None
            if command.referral_agent is None
            else check_id("referral_agent", command.referral_agent)
        )
        now = self._clock.now()
        order = Order.create(
            self._ids.order_id(),
            amount,
            customer,
            now,
            customer_id=customer_id,
            purchase=purchase,
        )
        # every later line of this request names the order, an error's included
        structlog.contextvars.bind_contextvars(order_id=order.order_id)
        profile = CustomerProfile(
            customer_id, customer.name, customer.email, customer.phone, agent, now
        )
        await self._save_new(order, profile)
        bound = log.bind(order_id=order.order_id)
        request = GatewayOrderRequest(
            order_id=order.order_id,
            amount=amount,
            customer=customer,
            customer_id=gateway_customer_id(order.customer_id),
            return_url=self._return_url.replace("{order_id}", order.order_id),
            notify_url=self._notify_url,
        )
        try:
            opened = await self._gateway.create_order(request)
        except GatewayUnavailable as exc:
            bound.warning(
                "gateway answer lost, order left for the reconciler", error=type(exc).__name__
            )
            raise
        except GatewayError as exc:
            bound.warning("gateway refused order", error=type(exc).__name__)
            reason = exc.public_message
            await self._finish(order, lambda o: o.fail_to_create(reason, self._clock.now()))
            raise
        order = await self._finish(
            order,
            lambda o: o.activate(
                opened.gateway_order_id, opened.payment_session_id, self._clock.now()
            ),
        )
        bound.info("order opened", amount=str(amount.amount))
        return order

    async def _save_new(self, order: Order, profile: CustomerProfile) -> None:
        """The order and its customer's profile, together; a deadlock between two first
        orders of one new customer (MariaDB) is retried."""
        events = list(order.events)

        async def save() -> None:
            order.events = list(events)  # a failed round took them with it
            async with self._units() as uow:
                await uow.customers.upsert(profile)
                await uow.orders.add(order)
                await uow.commit()

        await retry_on_conflict(save, f"customer {profile.customer_id} kept changing")

    def _price(self, plan_id: object, sent: Money | None) -> tuple[Money, Purchase]:
        """The amount to charge and what it buys; plan errors are InvalidField subclasses."""
        if plan_id is None:
            if sent is None:
                raise ValidationFailed([FieldError("amount", AMOUNT_RANGE_MESSAGE)])
            return sent, Purchase.free_amount()
        if not isinstance(plan_id, str):
            raise UnknownPlan(str(plan_id))
        price = self._plans.price_for(plan_id, sent)
        return price, Purchase.of(self._plans.get(plan_id))

    async def _finish(self, order: Order, change: Callable[[Order], None]) -> Order:
        """`change` the order `_save_new` stored, without reading it back: nobody else
        writes a CREATED order within the gateway's answer, but should someone have (the
        reconciler's sweep), the order is read again and changed as it now stands."""
        try:
            async with self._units() as uow:
                uow.orders.adopt(order)
                change(order)
                await uow.orders.save(order)
                await uow.commit()
            return order
        except ConcurrencyConflict:
            log.info("order changed while opened at the gateway", order_id=order.order_id)
        async with self._units() as uow:
            current = await uow.orders.get(order.order_id)
            assert current is not None, "an order saved moments ago must exist"
            change(current)
            await uow.orders.save(current)
            await uow.commit()
        return current


def _validate(command: CreatePaymentCommand) -> tuple[Money | None, Customer]:
    """Every invalid field at once, in form order. With a plan the amount may be left out
    (None or empty); if sent, it must be valid, and `_price` then compares it."""
    errors: list[FieldError] = []
    amount: Money | None = None
    customer: Customer | None = None
    if command.plan_id is None or command.amount not in (None, ""):
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
    if errors or customer is None:
        raise ValidationFailed(errors)
    return amount, customer
