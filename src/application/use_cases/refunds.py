"""Refunding a paid order, settling refunds, and listing them.

A refund is recorded PENDING and committed before the gateway is asked, with the order
saved in the same unit of work: two refunds of one order conflict on the order's version,
the loser retries and sees the winner, so together they never exceed what was paid. The
gateway's answer, a REFUND_STATUS_WEBHOOK and the reconciler all settle a refund through
`ApplyRefundState`, which applies the refund policy (domain/refunds.py) exactly once,
when the refund first turns SUCCESS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog

from application.contention import retry_on_conflict
from application.errors import (
    ConcurrencyConflict,
    DuplicateRefund,
    GatewayError,
    GatewayValidationError,
    OrderNotFound,
    OrderNotRefundable,
    RefundConflict,
    RefundNotFound,
)
from application.ports import Clock, PaymentGateway, PaymentReports
from application.unit_of_work import PublishingUnitOfWork, UnitOfWorkFactory
from domain.errors import DuplicateEntry, InvalidField
from domain.ledger import EntryKind, LedgerAdjustment
from domain.money import Money
from domain.order import Order, OrderStatus
from domain.refunds import (
    ReferralReversed,
    Refund,
    RefundState,
    check_reason,
    is_full,
    parse_refund_amount,
    remaining_refundable,
    reversal_credits,
    subscription_fraction,
)

log = structlog.get_logger(__name__)

REVERSAL_PREFIX = "rev_"


def _amount_of(value: object, currency: str) -> Money:
    """The requested amount as Money, for comparing a repeated request with the first."""
    if value is None or isinstance(value, (bool, float)):
        raise InvalidField("amount", "amount is required and must be a decimal number")
    if not isinstance(value, (Decimal, int, str)):
        raise InvalidField("amount", "amount must be a number")
    return Money.of(value, currency)


@dataclass(frozen=True)
class Settlement:
    """The refund after a report was applied, and whether the report changed it."""

    refund: Refund
    changed: bool


class ApplyRefundState:
    """Settle one refund as the gateway reports it; repeating a report changes nothing."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    async def execute(
        self,
        order_id: str,
        refund_id: str,
        state: RefundState,
        gateway_refund_id: str | None = None,
        arn: str = "",
        *,
        announce_reference: bool = True,
    ) -> Refund:
        """`announce_reference=False`: a bank's reference learned after the success is
        recorded without telling the customer (a backfill of history)."""
        settlement = await self.settle(
            order_id,
            refund_id,
            state,
            gateway_refund_id,
            arn,
            announce_reference=announce_reference,
        )
        return settlement.refund

    async def settle(
        self,
        order_id: str,
        refund_id: str,
        state: RefundState,
        gateway_refund_id: str | None = None,
        arn: str = "",
        *,
        announce_reference: bool = True,
    ) -> Settlement:
        """As `execute`, and say whether the report changed the refund."""
        return await retry_on_conflict(
            lambda: self._once(
                order_id, refund_id, state, gateway_refund_id, arn, announce_reference
            ),
            f"refund {refund_id} kept changing while being settled",
            (ConcurrencyConflict, DuplicateEntry),
        )

    async def _once(
        self,
        order_id: str,
        refund_id: str,
        state: RefundState,
        gateway_refund_id: str | None,
        arn: str,
        announce_reference: bool,
    ) -> Settlement:
        now = self._clock.now()
        async with self._units() as uow:
            refund = await uow.refunds.get(refund_id)
            if refund is None or refund.order_id != order_id:
                raise RefundNotFound(refund_id)
            before = refund.state
            if not refund.settle(
                state, now, gateway_refund_id, arn, announce_reference=announce_reference
            ):
                return Settlement(refund, changed=False)
            if refund.state is RefundState.SUCCESS and before is not RefundState.SUCCESS:
                # Only the move to SUCCESS reverses: a reference learned later does not.
                await self._apply_policy(uow, refund, now)
            await uow.refunds.save(refund)
            await uow.commit()
        log.info("refund settled", order_id=order_id, refund_id=refund_id, state=refund.state.value)
        return Settlement(refund, changed=True)

    async def _apply_policy(self, uow: PublishingUnitOfWork, refund: Refund, now: datetime) -> None:
        """Reverse credits, cut the period, reverse the referral (on a full refund)."""
        order = await uow.orders.get(refund.order_id)
        if order is None:
            raise OrderNotFound(refund.order_id)
        paid = order.amount
        earlier = [
            r
            for r in await uow.refunds.for_order(order.order_id)
            if r.refund_id != refund.refund_id
        ]
        everything = [*earlier, refund]
        full = is_full(everything, paid)
        grant = await uow.ledger.get(order.order_id)
        if grant is not None:
            balance = await uow.ledger.balance(refund.customer_id)
            taken = reversal_credits(grant.credits, paid, earlier, refund, balance)
            if taken:
                await uow.ledger.add_adjustment(
                    LedgerAdjustment(
                        REVERSAL_PREFIX + refund.refund_id,
                        refund.customer_id,
                        EntryKind.REVERSAL,
                        -taken,
                        now,
                        note=refund.reason,
                        order_id=order.order_id,
                        refund_id=refund.refund_id,
                    )
                )
        await self._cut_period(uow, order, refund, full, now)
        if full:
            record = await uow.referrals.get(order.order_id)
            if record is not None and not record.is_reversed:
                await uow.referrals.save(record.reverse())
                uow.record(
                    ReferralReversed(
                        order.order_id,
                        now,
                        record.agent_id,
                        record.customer_id,
                        refund.refund_id,
                        record.commission,
                    )
                )
        # Serializes settlements of one order's refunds: each sees the others' outcome.
        await uow.orders.save(order)

    @staticmethod
    async def _cut_period(
        uow: PublishingUnitOfWork, order: Order, refund: Refund, full: bool, now: datetime
    ) -> None:
        kind = order.purchase.kind
        if order.purchase.period is None or kind is None:
            return
        subscription = await uow.subscriptions.get(order.customer_id, kind)
        if subscription is None or subscription.period_for(order.order_id) is None:
            return
        if full:
            subscription.end_period(order.order_id, now)
        else:
            subscription.shorten_period(
                order.order_id, subscription_fraction(refund, order.amount), now
            )
        await uow.subscriptions.save(subscription)


class RefundOrder:
    """Refund a PAID order in full or in part; the client's refund id makes it idempotent."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        apply: ApplyRefundState | None = None,
    ) -> None:
        self._units = units
        self._gateway = gateway
        self._clock = clock
        self._apply = apply or ApplyRefundState(units, clock)

    async def execute(self, order_id: str, refund_id: str, amount: object, reason: str) -> Refund:
        """The refund, new or (same id and body) the first one; see the errors in the
        module docstring of application/errors.py."""
        refund, created = await self._record(order_id, refund_id, amount, reason)
        if not created:
            return refund
        try:
            answer = await self._gateway.create_refund(
                order_id, refund_id, refund.amount, refund.reason
            )
        except GatewayValidationError as refused:
            log.warning("refund refused by gateway", refund_id=refund_id, error=str(refused))
            return await self._apply.execute(order_id, refund_id, RefundState.FAILED)
        except GatewayError as unavailable:
            log.warning(
                "refund left pending for reconciliation",
                refund_id=refund_id,
                error=type(unavailable).__name__,
            )
            return refund
        return await self._apply.execute(
            order_id,
            refund_id,
            RefundState.from_gateway(str(answer.status)),
            answer.gateway_refund_id or None,
            answer.arn,
        )

    async def _record(
        self, order_id: str, refund_id: str, amount: object, reason: str
    ) -> tuple[Refund, bool]:
        return await retry_on_conflict(
            lambda: self._record_once(order_id, refund_id, amount, reason),
            f"order {order_id} kept changing while refunding",
            (ConcurrencyConflict, DuplicateRefund),
        )

    async def _record_once(
        self, order_id: str, refund_id: str, amount: object, reason: str
    ) -> tuple[Refund, bool]:
        now = self._clock.now()
        async with self._units() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise OrderNotFound(order_id)
            existing = await uow.refunds.get(refund_id)
            if existing is not None:
                asked = _amount_of(amount, order.amount.currency)
                text = reason.strip() if isinstance(reason, str) else ""
                if not existing.same_request(order_id, asked, text):
                    raise RefundConflict(refund_id)
                return existing, False
            if order.status is not OrderStatus.PAID:
                raise OrderNotRefundable(order_id, order.status.value)
            text = check_reason(reason)
            refunds = await uow.refunds.for_order(order_id)
            money = parse_refund_amount(amount, remaining_refundable(order.amount, refunds))
            refund = Refund.request(
                refund_id,
                order_id,
                order.customer_id,
                money,
                text,
                now,
                paid=order.amount,
                refunds=refunds,
            )
            await uow.refunds.add(refund)
            await uow.orders.save(order)
            await uow.commit()
        log.info("refund recorded", order_id=order_id, refund_id=refund_id)
        return refund, True


class ListRefunds:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self, order_id: str) -> list[Refund]:
        """The order's refunds, oldest first."""
        return await self._reports.refunds_of(order_id)
