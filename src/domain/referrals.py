"""Referral commissions: what an agent earns on an order paid by a customer they referred.

One record per paid order (the store's uniqueness on `order_id` keeps it one under
concurrency); a refund reverses it rather than deleting it, so the history stays whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from domain.errors import InvalidField
from domain.money import Money

_PAISE = Decimal("0.01")


class ReferralStatus(StrEnum):
    ACTIVE = "active"
    REVERSED = "reversed"


def _check_rate(rate: Decimal) -> None:
    if isinstance(rate, bool) or not isinstance(rate, Decimal):
        raise InvalidField("rate", "must be a Decimal, never a float")
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise InvalidField("rate", "must be between 0 and 1")


def commission(amount: Money, rate: Decimal) -> Money:
    """amount * rate, rounded half-up to paise as accountants expect (0.005 becomes 0.01)."""
    _check_rate(rate)
    if amount.amount < 0:
        raise InvalidField("amount", "must not be negative")
    return Money((amount.amount * rate).quantize(_PAISE, rounding=ROUND_HALF_UP), amount.currency)


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """An agent's commission on one order; reversing it keeps the record as evidence."""

    agent_id: str
    customer_id: str
    order_id: str
    amount: Money
    commission: Money
    status: ReferralStatus = ReferralStatus.ACTIVE

    def __post_init__(self) -> None:
        for field in ("agent_id", "customer_id", "order_id"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise InvalidField(field, "must not be empty")
        if self.commission.currency != self.amount.currency:
            raise InvalidField("commission", "must be in the order's currency")
        if not 0 <= self.commission.amount <= self.amount.amount:
            raise InvalidField("commission", "must be between zero and the order's amount")
        if not isinstance(self.status, ReferralStatus):
            raise InvalidField("status", "must be active or reversed")

    @classmethod
    def earn(
        cls, agent_id: str, customer_id: str, order_id: str, amount: Money, rate: Decimal
    ) -> ReferralRecord:
        """The record an order paid by a referred customer creates, at `rate` of its amount."""
        return cls(agent_id, customer_id, order_id, amount, commission(amount, rate))

    @property
    def is_reversed(self) -> bool:
        return self.status is ReferralStatus.REVERSED

    def reverse(self) -> ReferralRecord:
        """The record marked reversed (after a refund); reversing twice changes nothing."""
        if self.is_reversed:
            return self
        return replace(self, status=ReferralStatus.REVERSED)
