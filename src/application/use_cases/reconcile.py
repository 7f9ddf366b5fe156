"""Reconcile: bring the store in line with the gateway when webhooks never came.

Every order the gateway may still move is asked about, oldest first, a bounded batch per
run, and the answer is applied through the same use case a webhook uses
(`ConfirmPayment`), so a reconciled payment is credited once like any other. An order
checked recently is left alone for a while that grows with its age (old orders rarely
move); that memory lives in the instance only, so a restart simply checks everything again.

PENDING refunds are checked the same way when the refunds use case is given and the store
reports them: the gateway's refund list decides, applied through `ApplyRefundState` like a
refund webhook; a refund the gateway never received is sent again (its refund id is the
idempotency key, so it is never made twice).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import structlog

from application.errors import (
    GatewayNotFound,
    GatewayValidationError,
    OrderNotFound,
)
from application.gate import guarded
from application.ports import (
    Clock,
    GatewayOrder,
    GatewayOrderStatus,
    GatewayRefund,
    PaymentGateway,
    PaymentReports,
)
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from domain.order import AttemptStatus, Order, OrderStatus
from domain.refunds import Refund, RefundState

log = structlog.get_logger(__name__)

DEFAULT_BATCH = 200
# A CREATED order younger than this may still be in CreatePayment's hands (whose gateway
# call ends within CASHFREE_DEADLINE_SECONDS, less than this); older, it is an orphan.
CREATION_GRACE = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
# Due again after a tenth of the item's age (at least the minimum delay, at most an hour).
BACKOFF_DIVISOR = 10
# Candidates read per run, as a multiple of the batch, so orders waiting out their backoff
# do not hide the due ones behind them.
SCAN_FACTOR = 5
# Gateway checks in flight at once.
CONCURRENCY = 8


Key = tuple[str, str]


class RefundStateApplier(Protocol):
    """What the reconciler and the references' backfill need of `ApplyRefundState`."""

    async def execute(
        self,
        order_id: str,
        refund_id: str,
        state: RefundState,
        gateway_refund_id: str | None = None,
        arn: str = "",
        *,
        announce_reference: bool = True,
    ) -> Refund: ...


@runtime_checkable
class PendingRefundReports(Protocol):
    """The report of refunds not final yet, oldest first."""

    async def pending_refunds(self, limit: int) -> list[Refund]: ...


@dataclass(frozen=True)
class Change:
    """One thing a run changed: `kind` "order" or "refund", with its state before and after."""

    kind: str
    id: str
    before: str
    after: str


@dataclass(frozen=True)
class ReconcileRun:
    """What one run did: how many items it asked the gateway about and what changed.
    `failed` counts checks the gateway or a concurrent writer cut short (retried next run)."""

    started_at: datetime
    finished_at: datetime
    checked: int
    changes: list[Change] = field(default_factory=list)
    failed: int = 0


def describe(order: Order) -> str:
    """The order's state as the operator reads it in a run's table."""
    if order.status is OrderStatus.ACTIVE:
        return f"ACTIVE/{order.payment_status}"
    if order.status is OrderStatus.PAID and order.paid_after_close:
        return "PAID (after close)"
    if any(a.status is AttemptStatus.PENDING for a in order.attempts) and order.status in (
        OrderStatus.EXPIRED,
        OrderStatus.TERMINATED,
    ):
        return f"{order.status.value}/PENDING"
    return order.status.value


class Reconcile:
    """One reconciliation run per `run` call; runs of one instance never overlap."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        reports: PaymentReports,
        gateway: PaymentGateway,
        clock: Clock,
        confirm: ConfirmPayment,
        apply_refund: RefundStateApplier | None = None,
        *,
        batch: int = DEFAULT_BATCH,
        min_delay_seconds: float = 0.0,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._units = units
        self._reports = reports
        self._gateway = gateway
        self._clock = clock
        self._confirm = confirm
        self._apply_refund = apply_refund
        self._batch = batch
        self._min_delay = timedelta(seconds=min_delay_seconds)
        self._due: dict[Key, datetime] = {}
        self._lock = asyncio.Lock()

    async def run(self, now: datetime | None = None) -> ReconcileRun:
        """Check the orders and refunds due at `now` (default: the clock's now), oldest
        first, at most `batch` of each."""
        async with self._lock:
            started = now if now is not None else self._clock.now()
            orders = await self._reports.open_orders(self._batch * SCAN_FACTOR)
            refunds = await self._pending_refunds()
            self._forget_all_but(
                {("order", o.order_id) for o in orders} | {("refund", r.refund_id) for r in refunds}
            )
            due_orders = [o for o in orders if self._order_due(o, started)][: self._batch]
            due_refunds = [r for r in refunds if self._is_due(("refund", r.refund_id), started)][
                : self._batch
            ]
            gate = asyncio.Semaphore(CONCURRENCY)
            order_outcomes = await asyncio.gather(
                *(guarded(gate, self._check_order(o, started)) for o in due_orders)
            )
            listed: dict[str, asyncio.Task[list[GatewayRefund]]] = {}
            refund_outcomes = await asyncio.gather(
                *(guarded(gate, self._check_refund(r, listed)) for r in due_refunds)
            )
            changes: list[Change] = []
            failed = 0
            for order, outcome in zip(due_orders, order_outcomes, strict=True):
                if isinstance(outcome, Exception):
                    failed += 1
                    _log_failure("order", order.order_id, outcome)
                    continue
                self._due[("order", order.order_id)] = started + self._backoff(
                    order.created_at, started
                )
                if outcome.version != order.version:
                    changes.append(
                        Change("order", order.order_id, describe(order), describe(outcome))
                    )
            for refund, settled in zip(due_refunds, refund_outcomes, strict=True):
                if isinstance(settled, Exception):
                    failed += 1
                    _log_failure("refund", refund.refund_id, settled)
                    continue
                self._due[("refund", refund.refund_id)] = started + self._backoff(
                    refund.created_at, started
                )
                if settled.state is not refund.state:
                    changes.append(
                        Change("refund", refund.refund_id, refund.state.value, settled.state.value)
                    )
            checked = len(due_orders) + len(due_refunds)
            run = ReconcileRun(started, self._clock.now(), checked, changes, failed)
        log.info("reconcile run", checked=run.checked, changed=len(changes), failed=failed)
        return run

    async def _pending_refunds(self) -> list[Refund]:
        """Refunds are reconciled once the refunds use case and the report both exist."""
        if self._apply_refund is None or not isinstance(self._reports, PendingRefundReports):
            return []
        return await self._reports.pending_refunds(self._batch * SCAN_FACTOR)

    async def _check_refund(
        self, refund: Refund, listed: dict[str, asyncio.Task[list[GatewayRefund]]]
    ) -> Refund:
        """The gateway's word on one refund; one refund list per order and run."""
        assert self._apply_refund is not None
        if refund.order_id not in listed:
            listed[refund.order_id] = asyncio.ensure_future(
                self._gateway.list_refunds(refund.order_id)
            )
        known = next(
            (g for g in await listed[refund.order_id] if g.refund_id == refund.refund_id), None
        )
        if known is None:
            try:
                known = await self._gateway.create_refund(
                    refund.order_id, refund.refund_id, refund.amount, refund.reason
                )
            except GatewayValidationError as exc:
                log.warning(
                    "refund refused by the gateway", refund_id=refund.refund_id, error=str(exc)
                )
                return await self._apply_refund.execute(
                    refund.order_id, refund.refund_id, RefundState.FAILED
                )
        return await self._apply_refund.execute(
            refund.order_id,
            refund.refund_id,
            RefundState.from_gateway(known.status.value),
            known.gateway_refund_id or None,
            known.arn,
        )

    async def _check_order(self, order: Order, now: datetime) -> Order:
        if order.status is OrderStatus.CREATED:
            return await self._check_created(order, now)
        return await self._confirm.execute(order.order_id)

    async def _check_created(self, order: Order, now: datetime) -> Order:
        """An order CreatePayment never finished (its gateway answer was lost, or its
        process stopped): nobody was given its payment session. Unknown to the gateway,
        it failed to be created. Known, it is an orphan: still open there, it is terminated
        there first, so nobody can pay it later; then it is activated with what the gateway
        holds and confirmed, ending TERMINATED, or PAID when a payment got there first."""
        try:
            opened = await self._gateway.get_order(order.order_id)
        except GatewayNotFound:
            opened = None
        terminated = None
        if opened is not None and opened.status is GatewayOrderStatus.ACTIVE:
            terminated = await self._terminate_orphan(order.order_id)
        async with self._units() as uow:
            current = await uow.orders.get(order.order_id)
            if current is None:
                raise OrderNotFound(order.order_id)
            if current.status is not OrderStatus.CREATED:
                return current
            if opened is None:
                current.fail_to_create("the payment gateway does not know the order", now)
            else:
                current.activate(opened.gateway_order_id, opened.payment_session_id, now)
            await uow.orders.save(current)
            await uow.commit()
        if opened is None:
            return current
        confirmed = await self._confirm.execute(order.order_id)
        if confirmed.status is OrderStatus.ACTIVE and terminated is not None:
            # The gateway's order read lagged its termination answer: apply that answer.
            confirmed = await self._confirm.apply(order.order_id, [], terminated.status)
        return confirmed

    async def _terminate_orphan(self, order_id: str) -> GatewayOrder | None:
        """Terminate an orphan at the gateway; None when it is no longer open there (a
        payment or expiry got there first: the confirmation that follows records which).
        Any other failure leaves the order CREATED, for the next run."""
        try:
            terminated = await self._gateway.terminate_order(order_id)
        except GatewayValidationError:
            return None
        log.info("orphan terminated at the gateway", order_id=order_id)
        return terminated

    def _order_due(self, order: Order, now: datetime) -> bool:
        if order.status is OrderStatus.CREATED and now - order.created_at < CREATION_GRACE:
            return False
        return self._is_due(("order", order.order_id), now)

    def _is_due(self, key: Key, now: datetime) -> bool:
        due = self._due.get(key)
        return due is None or due <= now

    def _backoff(self, created_at: datetime, now: datetime) -> timedelta:
        age = max(now - created_at, timedelta(0))
        return min(max(self._min_delay, age / BACKOFF_DIVISOR), MAX_BACKOFF)

    def _forget_all_but(self, keys: set[Key]) -> None:
        """Keep backoff memory only for items still open, so it cannot grow without end."""
        for stale in self._due.keys() - keys:
            del self._due[stale]


def _log_failure(kind: str, item_id: str, error: Exception) -> None:
    log.warning("reconcile check failed", kind=kind, id=item_id, error=type(error).__name__)
