"""The Order aggregate: its state machine and the payment attempts made against it.

Only a SUCCESS attempt is final for an order. FAILED, USER_DROPPED and PENDING attempts are
kept as history while the order stays ACTIVE, because Cashfree lets the customer retry and a
later attempt may still pay the order.

Attempts are recorded in every state: the gateway may hold an order we never saw opened
(its creation answer was lost: CREATED, or FAILED_TO_CREATE before this was known) or one
we saw end, and money it reports captured for our order id pays the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from domain.customer import Customer
from domain.errors import IllegalTransition, InvalidField
from domain.events import (
    Event,
    OrderActivated,
    OrderCreated,
    OrderCreationFailed,
    OrderExpired,
    OrderPaid,
    OrderTerminated,
    PaymentAttemptFailed,
    PaymentAttemptRecorded,
    PaymentMismatch,
)
from domain.money import Money
from domain.plans import Purchase


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    ACTIVE = "ACTIVE"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    TERMINATED = "TERMINATED"
    FAILED_TO_CREATE = "FAILED_TO_CREATE"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.TERMINATED, OrderStatus.FAILED_TO_CREATE}
)


class AttemptStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    USER_DROPPED = "USER_DROPPED"
    PENDING = "PENDING"
    NOT_ATTEMPTED = "NOT_ATTEMPTED"
    CANCELLED = "CANCELLED"
    VOID = "VOID"

    @property
    def is_failure(self) -> bool:
        return self in _FAILURES


_FAILURES = frozenset(
    {AttemptStatus.FAILED, AttemptStatus.USER_DROPPED, AttemptStatus.CANCELLED, AttemptStatus.VOID}
)

# An attempt's status only moves up this ladder, so webhooks that arrive out of order
# (a late PENDING after FAILED, a FAILED after SUCCESS) cannot move it back.
_RANK = {
    AttemptStatus.NOT_ATTEMPTED: 0,
    AttemptStatus.PENDING: 1,
    AttemptStatus.FAILED: 2,
    AttemptStatus.USER_DROPPED: 2,
    AttemptStatus.CANCELLED: 2,
    AttemptStatus.VOID: 2,
    AttemptStatus.SUCCESS: 3,
}

# The edges of the order state machine, by the event that walks them.
TRANSITIONS: dict[tuple[OrderStatus, str], OrderStatus] = {
    (OrderStatus.CREATED, "activate"): OrderStatus.ACTIVE,
    (OrderStatus.CREATED, "fail_to_create"): OrderStatus.FAILED_TO_CREATE,
    (OrderStatus.ACTIVE, "pay"): OrderStatus.PAID,
    (OrderStatus.ACTIVE, "expire"): OrderStatus.EXPIRED,
    (OrderStatus.ACTIVE, "terminate"): OrderStatus.TERMINATED,
    # Money that the gateway says was captured is never ignored: a success that
    # lands after expiry or termination still pays the order, and so does one on an
    # order whose creation answer was lost (still CREATED, or recorded as failed).
    (OrderStatus.EXPIRED, "pay"): OrderStatus.PAID,
    (OrderStatus.TERMINATED, "pay"): OrderStatus.PAID,
    (OrderStatus.CREATED, "pay"): OrderStatus.PAID,
    (OrderStatus.FAILED_TO_CREATE, "pay"): OrderStatus.PAID,
}

# Orders a success pays "after close": the customer had been told they ended.
_CLOSED = frozenset({OrderStatus.EXPIRED, OrderStatus.TERMINATED, OrderStatus.FAILED_TO_CREATE})


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    """One try at paying an order, as the gateway reported it."""

    payment_id: str
    status: AttemptStatus
    amount: Money
    at: datetime
    message: str = ""
    method: str = ""
    mismatch: bool = False
    bank_reference: str = ""
    """The bank's or UPI's reference (UTR): what a customer reads from their statement."""

    def supersedes(self, other: PaymentAttempt) -> bool:
        return _RANK[self.status] > _RANK[other.status]


@dataclass(slots=True)
class Order:
    """An order of one customer for one amount, and everything that happened to it."""

    order_id: str
    amount: Money
    customer: Customer
    created_at: datetime
    status: OrderStatus = OrderStatus.CREATED
    gateway_order_id: str | None = None
    payment_session_id: str | None = None
    failure_reason: str | None = None
    paid_at: datetime | None = None
    updated_at: datetime | None = None
    attempts: list[PaymentAttempt] = field(default_factory=list)
    version: int = 0
    customer_id: str = ""
    purchase: Purchase = field(default_factory=Purchase.free_amount)
    # A success that paid the order after it had expired, been terminated or failed to be
    # created: the money is kept and credited, and the operator is shown that it came late.
    paid_after_close: bool = False
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(
        cls,
        order_id: str,
        amount: Money,
        customer: Customer,
        now: datetime,
        *,
        customer_id: str,
        purchase: Purchase | None = None,
    ) -> Order:
        """A new order of `customer_id`; `purchase` (default: free amount) is what it earns."""
        if not customer_id:
            raise InvalidField("customer_id", "must not be empty")
        order = cls(
            order_id=order_id,
            amount=amount,
            customer=customer,
            created_at=now,
            customer_id=customer_id,
            purchase=purchase if purchase is not None else Purchase.free_amount(),
        )
        order.updated_at = now
        order.events.append(OrderCreated(order_id, now, amount))
        return order

    def _walk(self, event: str, now: datetime) -> None:
        target = TRANSITIONS.get((self.status, event))
        if target is None:
            raise IllegalTransition(self.order_id, self.status, event)
        self.status = target
        self.updated_at = now

    def activate(self, gateway_order_id: str, payment_session_id: str, now: datetime) -> None:
        self._walk("activate", now)
        self.gateway_order_id = gateway_order_id
        self.payment_session_id = payment_session_id
        self.events.append(OrderActivated(self.order_id, now, payment_session_id))

    def fail_to_create(self, reason: str, now: datetime) -> None:
        self._walk("fail_to_create", now)
        self.failure_reason = reason
        self.events.append(OrderCreationFailed(self.order_id, now, reason))

    def expire(self, now: datetime) -> None:
        self._walk("expire", now)
        self.events.append(OrderExpired(self.order_id, now))

    def terminate(self, now: datetime) -> None:
        self._walk("terminate", now)
        self.events.append(OrderTerminated(self.order_id, now))

    def record_attempt(self, attempt: PaymentAttempt, now: datetime) -> bool:
        """Apply what the gateway says about one attempt; True when anything changed.

        Repeating the same report changes nothing, so webhooks, polls and return-page
        checks may all report the same attempt any number of times; but for the bank's
        reference it brings first (an attempt recorded before references were kept learns
        it from any later report, with no event: nothing happened to the payment).
        """
        known = self.attempt(attempt.payment_id)
        if known is not None and not attempt.supersedes(known):
            return self._learn_reference(known, attempt.bank_reference, now)
        if known is not None and known.bank_reference and not attempt.bank_reference:
            attempt = replace(attempt, bank_reference=known.bank_reference)
        if attempt.status is AttemptStatus.SUCCESS and attempt.amount != self.amount:
            attempt = replace(attempt, mismatch=True)
        if known is None:
            self.attempts.append(attempt)
        else:
            self.attempts[self.attempts.index(known)] = attempt
        self.updated_at = now
        self.events.append(
            PaymentAttemptRecorded(
                self.order_id, now, attempt.payment_id, attempt.status, attempt.message
            )
        )
        if attempt.status.is_failure:
            self.events.append(
                PaymentAttemptFailed(
                    self.order_id, now, attempt.payment_id, attempt.status, attempt.message
                )
            )
        elif attempt.status is AttemptStatus.SUCCESS:
            if attempt.mismatch:
                self.events.append(
                    PaymentMismatch(
                        self.order_id, now, attempt.payment_id, self.amount, attempt.amount
                    )
                )
            elif self.status is not OrderStatus.PAID:
                closed = self.status in _CLOSED
                self._walk("pay", now)
                self.paid_after_close = closed
                self.paid_at = now
                self.events.append(
                    OrderPaid(self.order_id, now, attempt.payment_id, attempt.amount)
                )
        return True

    def _learn_reference(self, known: PaymentAttempt, reference: str, now: datetime) -> bool:
        if not reference or known.bank_reference:
            return False
        self.attempts[self.attempts.index(known)] = replace(known, bank_reference=reference)
        self.updated_at = now
        return True

    @property
    def lacks_bank_reference(self) -> bool:
        """A successful attempt has no bank reference (recorded before they were kept)."""
        return any(
            a.status is AttemptStatus.SUCCESS and not a.bank_reference for a in self.attempts
        )

    def attempt(self, payment_id: str) -> PaymentAttempt | None:
        return next((a for a in self.attempts if a.payment_id == payment_id), None)

    @property
    def latest_attempt(self) -> PaymentAttempt | None:
        """The attempt with the latest time; of two at the same time, the one recorded later."""
        latest = None
        for attempt in self.attempts:
            if latest is None or attempt.at >= latest.at:
                latest = attempt
        return latest

    @property
    def paying_attempt(self) -> PaymentAttempt | None:
        """The attempt that paid the order, if any."""
        return next(
            (a for a in self.attempts if a.status is AttemptStatus.SUCCESS and not a.mismatch),
            None,
        )

    @property
    def payment_status(self) -> str:
        """How paying the order has gone, in the gateway's payment words: SUCCESS once paid,
        the end state once ended, else the latest attempt's outcome when it failed, else
        PENDING (a failed attempt is not the end: the customer may retry)."""
        if self.status is OrderStatus.PAID:
            return "SUCCESS"
        if self.status in (OrderStatus.EXPIRED, OrderStatus.TERMINATED):
            return self.status.value
        if self.status is OrderStatus.FAILED_TO_CREATE:
            return "FAILED"
        latest = self.latest_attempt
        if latest is not None and latest.status.is_failure:
            return latest.status.value
        return "PENDING"

    def pull_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events
