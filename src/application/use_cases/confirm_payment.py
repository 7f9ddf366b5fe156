"""ConfirmPayment: the one path by which anything learns how an order's payment went.

Webhook, status poll, return-page verification and watcher all end here. The truth comes
from the gateway (or a verified webhook as evidence); it is applied to the order inside one
unit of work together with the ledger entry a paid order earns, and the store's uniqueness
guarantees that entry is written once however many callers race. The unit of work
publishes the events of each committed round, so a retried round publishes nothing twice.

An order paid by this round cannot have a grant yet (PAID is final, and only this path
grants), so the grant is inserted without looking first; the store's key still refuses a
racing twin. An order found already paid is looked up, so a missing grant is repaired.

Fulfilment rides on the grant: in the same unit of work that adds it, a plan's period is
added to the customer's subscription (optimistic version on the subscription) and a
referred customer's agent earns a referral record (unique per order). A refused grant,
period or record means another caller got there first: the round is retried on fresh
state (after a jittered wait, see `application.contention`), where the grant is found and
nothing is fulfilled twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog

from application.contention import retry_on_conflict
from application.errors import ConcurrencyConflict, OrderNotFound
from application.ports import Clock, GatewayOrderStatus, PaymentGateway
from application.unit_of_work import PublishingUnitOfWork, UnitOfWorkFactory
from domain.errors import DuplicateCredit, DuplicateReferral
from domain.events import ReferralEarned
from domain.ledger import credit_for
from domain.order import Order, OrderStatus, PaymentAttempt
from domain.referrals import ReferralRecord
from domain.subscriptions import Subscription

log = structlog.get_logger(__name__)

DEFAULT_COMMISSION_RATE = Decimal("0.10")


@dataclass(frozen=True)
class Confirmation:
    """The order after a report was applied, and whether the report changed anything (a
    repeated webhook does not)."""

    order: Order
    changed: bool


class ConfirmPayment:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        commission_rate: Decimal = DEFAULT_COMMISSION_RATE,
    ) -> None:
        self._units = units
        self._gateway = gateway
        self._clock = clock
        self._commission_rate = commission_rate

    async def execute(
        self,
        order_id: str,
        evidence: Sequence[PaymentAttempt] | None = None,
        *,
        check_order_status: bool = True,
        check_payments: bool = True,
    ) -> Order:
        """Apply `evidence` (verified webhook attempts), or else ask the gateway.

        By default both the payments and the order's status are read (two gateway calls).
        A watcher spends one call per check: `check_order_status=False` reads only the
        payments (where attempts fail or succeed), `check_payments=False` only the order's
        status (where it expires or is terminated).
        """
        if not (check_order_status or check_payments):
            raise ValueError("a confirmation reads the payments, the order's status or both")
        gateway_status: GatewayOrderStatus | None = None
        if evidence is None:
            await self._require_known(order_id)
            if check_order_status and check_payments:
                payments, gateway_order = await asyncio.gather(
                    self._gateway.list_payments(order_id), self._gateway.get_order(order_id)
                )
                gateway_status = gateway_order.status
            elif check_payments:
                payments = await self._gateway.list_payments(order_id)
            else:
                payments = []
                gateway_status = (await self._gateway.get_order(order_id)).status
            evidence = payments
        return await self.apply(order_id, evidence, gateway_status)

    async def apply(
        self,
        order_id: str,
        attempts: Sequence[PaymentAttempt],
        gateway_status: GatewayOrderStatus | None = None,
    ) -> Order:
        """Record attempts and the gateway's order status; credit a paid order once."""
        return (await self.record(order_id, attempts, gateway_status)).order

    async def record(
        self,
        order_id: str,
        attempts: Sequence[PaymentAttempt],
        gateway_status: GatewayOrderStatus | None = None,
    ) -> Confirmation:
        """As `apply`, and say whether anything changed."""
        return await retry_on_conflict(
            lambda: self._apply_once(order_id, attempts, gateway_status),
            f"order {order_id} kept changing under confirmation",
            (ConcurrencyConflict, DuplicateCredit, DuplicateReferral),
        )

    async def _apply_once(
        self,
        order_id: str,
        attempts: Sequence[PaymentAttempt],
        gateway_status: GatewayOrderStatus | None,
    ) -> Confirmation:
        now = self._clock.now()
        credited = False
        async with self._units() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise OrderNotFound(order_id)
            was_paid = order.status is OrderStatus.PAID
            changed = False
            for attempt in sorted(attempts, key=lambda a: a.at):
                changed |= order.record_attempt(attempt, now)
            changed |= _apply_gateway_status(order, gateway_status, now)
            if order.status is OrderStatus.PAID and (
                not was_paid or await uow.ledger.get(order_id) is None
            ):
                await uow.ledger.add(credit_for(order, now))
                await self._fulfil(uow, order, now)
                credited = changed = True
            if not changed:
                return Confirmation(order, changed=False)
            await uow.orders.save(order)
            await uow.commit()
        if credited:
            log.info("order credited", order_id=order_id)
        return Confirmation(order, changed=True)

    async def _fulfil(self, uow: PublishingUnitOfWork, order: Order, now: datetime) -> None:
        """What a paid order earns besides its grant: its period and its agent's record."""
        purchase = order.purchase
        paid_at = order.paid_at or now
        if purchase.period is not None and purchase.kind is not None:
            subscription = await uow.subscriptions.get(order.customer_id, purchase.kind)
            if subscription is None:
                subscription = Subscription.for_plan(order.customer_id, purchase)
            subscription.activate(order.order_id, purchase, paid_at)
            await uow.subscriptions.save(subscription)
        profile = await uow.customers.get(order.customer_id)
        if profile is not None and profile.referral_agent is not None:
            record = ReferralRecord.earn(
                profile.referral_agent,
                order.customer_id,
                order.order_id,
                order.amount,
                self._commission_rate,
            )
            await uow.referrals.add(record)
            uow.record(
                ReferralEarned(
                    order.order_id,
                    now,
                    record.agent_id,
                    record.customer_id,
                    record.amount,
                    record.commission,
                )
            )

    async def _require_known(self, order_id: str) -> None:
        """Unknown ids are answered locally, never forwarded to the gateway."""
        async with self._units() as uow:
            if await uow.orders.get(order_id) is None:
                raise OrderNotFound(order_id)


def _apply_gateway_status(order: Order, status: GatewayOrderStatus | None, now: datetime) -> bool:
    """An ACTIVE order ends when the gateway says it expired or was terminated."""
    if status is None or order.status is not OrderStatus.ACTIVE:
        return False
    if status is GatewayOrderStatus.EXPIRED:
        order.expire(now)
        return True
    if status in (GatewayOrderStatus.TERMINATED, GatewayOrderStatus.TERMINATION_REQUESTED):
        order.terminate(now)
        return True
    return False
