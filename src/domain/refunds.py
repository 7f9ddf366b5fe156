"""Refunds of paid orders, and the policy a successful refund applies.

A refund is recorded PENDING before the gateway is asked, so a crash between the two
leaves evidence the reconciler can finish. Its final states (SUCCESS, FAILED, CANCELLED)
never move again, so webhooks, polls and the gateway's answer may all report one refund
in any order. What remains refundable counts PENDING and SUCCESS refunds: money that may
still leave cannot be promised twice.

Policy when a refund succeeds (`reversal_credits`, `subscription_cut`): a full refund
(cumulative successful refunds equal the amount paid) takes back every remaining credit
of the order's grant and ends the period it bought; a partial one takes back credits in
proportion, rounded down, and shortens the period in proportion. Reversals never take a
balance below zero. The referral record is reversed only by a full refund.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.errors import InvalidField
from domain.events import Event
from domain.money import AMOUNT_DIGITS_MESSAGE, Money, is_plain_decimal
from domain.plans import prorate_credits, refund_fraction

MIN_REASON = 3
MAX_REASON = 100
REASON_MESSAGE = f"Enter {MIN_REASON} to {MAX_REASON} printable characters."
REFUND_AMOUNT_MESSAGE = "Enter a sum more than zero, such as 100 or 99.50."


class RefundState(StrEnum):
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        return self is not RefundState.PENDING

    @property
    def holds_money(self) -> bool:
        """PENDING and SUCCESS refunds count against what remains refundable."""
        return self in (RefundState.PENDING, RefundState.SUCCESS)

    @classmethod
    def from_gateway(cls, status: str) -> RefundState:
        """The gateway's word for a refund (ONHOLD is still PENDING)."""
        raw = status.strip().upper()
        if raw == "ONHOLD":
            return cls.PENDING
        try:
            return cls(raw)
        except ValueError as exc:
            raise InvalidField("state", f"unknown refund status {status!r}") from exc


@dataclass(frozen=True)
class RefundEvent(Event):
    refund_id: str
    customer_id: str
    amount: Money
    state: str


@dataclass(frozen=True)
class RefundRequested(RefundEvent):
    pass


@dataclass(frozen=True)
class RefundSucceeded(RefundEvent):
    arn: str = ""
    """The bank's reference of the returned money, when it came with the outcome."""


@dataclass(frozen=True)
class RefundReferenced(RefundEvent):
    """The bank's reference of a refund that succeeded without it, learned later (a later
    webhook or the reconciler): the customer traces the money with their bank by it."""

    arn: str


@dataclass(frozen=True)
class RefundFailed(RefundEvent):
    """FAILED or CANCELLED: nothing was refunded and nothing is reversed."""


@dataclass(frozen=True)
class ReferralReversed(Event):
    """A full refund reversed the agent's commission on the order."""

    agent_id: str
    customer_id: str
    refund_id: str
    commission: Money


class RefundExceedsRemaining(InvalidField):
    """The amount asked is more than what remains refundable on the order."""

    def __init__(self, requested: Money, remaining: Money) -> None:
        super().__init__(
            "amount", f"at most {remaining.amount} {remaining.currency} remains refundable"
        )
        self.requested = requested
        self.remaining = remaining


def check_reason(reason: object) -> str:
    """Cashfree's refund_note: 3 to 100 characters."""
    if not isinstance(reason, str):
        raise InvalidField("reason", REASON_MESSAGE)
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON or not text.isprintable():
        raise InvalidField("reason", REASON_MESSAGE)
    return text


def parse_refund_amount(value: object, remaining: Money) -> Money:
    """A positive amount with at most two places, no more than `remaining`."""
    if value is None or isinstance(value, (bool, float)):
        raise InvalidField("amount", REFUND_AMOUNT_MESSAGE)
    if not isinstance(value, (Decimal, int, str)):
        raise InvalidField("amount", REFUND_AMOUNT_MESSAGE)
    if isinstance(value, str) and not is_plain_decimal(value):
        raise InvalidField("amount", AMOUNT_DIGITS_MESSAGE)
    money = Money.of(value, remaining.currency)
    if money.amount <= 0:
        raise InvalidField("amount", REFUND_AMOUNT_MESSAGE)
    if money.amount > remaining.amount:
        raise RefundExceedsRemaining(money, remaining)
    return money


@dataclass(slots=True)
class Refund:
    """One refund of one order; mutable like `Order`, with a version the store checks."""

    refund_id: str
    order_id: str
    customer_id: str
    amount: Money
    reason: str
    state: RefundState
    created_at: datetime
    updated_at: datetime
    gateway_refund_id: str | None = None
    arn: str = ""
    version: int = 0
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def request(
        cls,
        refund_id: str,
        order_id: str,
        customer_id: str,
        amount: Money,
        reason: str,
        now: datetime,
        *,
        paid: Money,
        refunds: Iterable[Refund] = (),
    ) -> Refund:
        """A PENDING refund, refused when `amount` exceeds what remains of `paid`."""
        if not refund_id:
            raise InvalidField("refund_id", "must not be empty")
        remaining = remaining_refundable(paid, refunds)
        if amount.currency != paid.currency:
            raise InvalidField("amount", "must be in the order's currency")
        if amount.amount <= 0:
            raise InvalidField("amount", "amount must be more than zero")
        if amount.amount > remaining.amount:
            raise RefundExceedsRemaining(amount, remaining)
        refund = cls(
            refund_id,
            order_id,
            customer_id,
            amount,
            check_reason(reason),
            RefundState.PENDING,
            now,
            now,
        )
        refund.events.append(
            RefundRequested(order_id, now, refund_id, customer_id, amount, refund.state.value)
        )
        return refund

    def settle(
        self,
        state: RefundState,
        now: datetime,
        gateway_refund_id: str | None = None,
        arn: str = "",
        *,
        announce_reference: bool = True,
    ) -> bool:
        """Move to `state`; True when anything changed. Final states never move, so a
        repeated or late report is a no-op but for the references it brings first:
        Cashfree's id, and the bank's (`arn`, the number a customer's bank traces a
        refund by, known once the refund succeeded). A bank's reference that comes after
        the success is a `RefundReferenced` of its own, so the customer hears it too,
        unless `announce_reference` is off (history filled in, long after the fact)."""
        changed = learned_arn = False
        if gateway_refund_id and self.gateway_refund_id is None:
            self.gateway_refund_id = gateway_refund_id
            changed = True
        if arn and not self.arn:
            self.arn = arn
            changed = learned_arn = True
        if self.state.is_final or state is RefundState.PENDING:
            if changed:
                self.updated_at = now
            if learned_arn and announce_reference and self.state is RefundState.SUCCESS:
                self.events.append(RefundReferenced(*self._facts(now), arn=self.arn))
            return changed
        self.state = state
        self.updated_at = now
        facts = self._facts(now)
        if state is RefundState.SUCCESS:
            self.events.append(RefundSucceeded(*facts, arn=self.arn))
        else:
            self.events.append(RefundFailed(*facts))
        return True

    def _facts(self, now: datetime) -> tuple[str, datetime, str, str, Money, str]:
        """What every event of this refund says, as of `now`."""
        return (self.order_id, now, self.refund_id, self.customer_id, self.amount, self.state.value)

    def same_request(self, order_id: str, amount: Money, reason: str) -> bool:
        return (self.order_id, self.amount, self.reason) == (order_id, amount, reason.strip())

    def pull_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events


def remaining_refundable(paid: Money, refunds: Iterable[Refund]) -> Money:
    """`paid` minus every PENDING or SUCCESS refund; never below zero."""
    held = sum((r.amount.amount for r in refunds if r.state.holds_money), Decimal("0.00"))
    return Money(max(Decimal("0.00"), paid.amount - held), paid.currency)


def total_in(state: RefundState, refunds: Iterable[Refund]) -> Decimal:
    """The amount of the refunds in `state`; zero when there are none."""
    return sum((r.amount.amount for r in refunds if r.state is state), Decimal("0.00"))


def refunded_total(refunds: Iterable[Refund]) -> Money | None:
    """The sum of SUCCESS refunds, or None when there are none."""
    done = [r.amount for r in refunds if r.state is RefundState.SUCCESS]
    if not done:
        return None
    total = done[0]
    for amount in done[1:]:
        total = total + amount
    return total


def is_full(refunds: Iterable[Refund], paid: Money) -> bool:
    total = refunded_total(refunds)
    return total is not None and total.amount >= paid.amount


def credits_taken(granted: int, paid: Money, refunds: Iterable[Refund]) -> int:
    """Credits the SUCCESS refunds among `refunds` take back in all: the whole grant once
    they add up to `paid`, else the grant prorated by their sum, rounded down."""
    total = refunded_total(refunds)
    if total is None:
        return 0
    if total.amount >= paid.amount:
        return granted
    return prorate_credits(granted, total, paid)


def reversal_credits(
    granted: int, paid: Money, earlier: Iterable[Refund], refund: Refund, balance: int
) -> int:
    """Credits (positive) `refund`, just succeeded, takes back after the `earlier` ones.

    What all successful refunds take minus what the earlier ones took, so rounding down
    never drifts over several partial refunds; capped at `balance`, so a reversal never
    takes the customer below zero (a shortfall is not taken back later).
    """
    before = [r for r in earlier if r.refund_id != refund.refund_id]
    due = credits_taken(granted, paid, [*before, refund]) - credits_taken(granted, paid, before)
    return max(0, min(due, balance))


def subscription_fraction(refund: Refund, paid: Money) -> Decimal:
    """The share of the price this refund returned (for `Subscription.shorten_period`)."""
    return refund_fraction(Money(min(refund.amount.amount, paid.amount), paid.currency), paid)
